package io.freshet.kafka.internal;

import org.jctools.queues.atomic.SpscAtomicArrayQueue;

/**
 * A bounded single-producer single-consumer hand-off of pre-allocated {@link Slot}s from one consumer thread to one
 * applier thread: two JCTools SPSC array queues, one of filled slots and one of free slots. They are JCTools'
 * {@code atomic} variants (AtomicReferenceArray and field updaters, no {@code sun.misc.Unsafe}): the Unsafe ones make
 * JDK 24+ print a warning in every pipeline. The producer claims a
 * free slot (none free: back-pressure, never a block), fills it and publishes it; the applier polls, applies and
 * releases it. Exactly {@link #capacity()} slots exist, so publishing and releasing never fail.
 *
 * <p>Threading: {@link #claim}/{@link #publish} from the producer thread only, {@link #poll}/{@link #release}
 * from the applier thread only; {@link #idle()} from any thread. Lock-free, allocation-free.
 */
public final class HandOffRing {
    private final SpscAtomicArrayQueue<Slot> full;
    private final SpscAtomicArrayQueue<Slot> free;
    private final int capacity;

    /**
     * @param capacity number of slots
     * @param preparedCapacity capacity of each slot's prepared event
     * @param textKeys whether slots need a text-key buffer
     */
    public HandOffRing(int capacity, int preparedCapacity, boolean textKeys) {
        this.capacity = capacity;
        this.full = new SpscAtomicArrayQueue<>(capacity);
        this.free = new SpscAtomicArrayQueue<>(capacity);
        for (int i = 0; i < capacity; i++) {
            if (!free.offer(new Slot(preparedCapacity, textKeys))) {
                throw new IllegalStateException("free queue refused slot " + i + " of capacity=" + capacity);
            }
        }
    }

    /** @return a free slot, or null when the applier is behind (back-pressure) */
    public Slot claim() {
        return free.relaxedPoll();
    }

    /** @param slot a claimed, filled slot */
    public void publish(Slot slot) {
        full.offer(slot);
    }

    /** @return the next filled slot, or null */
    public Slot poll() {
        return full.relaxedPoll();
    }

    /** @param slot a polled slot the applier is done with */
    public void release(Slot slot) {
        slot.clear();
        free.offer(slot);
    }

    /** @return true when every slot is free: everything published has been applied */
    boolean idle() {
        return free.size() >= capacity;
    }

    /** @return true when at least half the slots are free (a paused partition may resume) */
    boolean halfFree() {
        return free.size() >= Math.max(1, capacity / 2);
    }
}
