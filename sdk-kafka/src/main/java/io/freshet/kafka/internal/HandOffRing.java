package io.freshet.kafka.internal;

import org.jctools.queues.MessagePassingQueue;
import org.jctools.queues.SpscArrayQueue;
import org.jctools.queues.atomic.SpscAtomicArrayQueue;

/**
 * A bounded single-producer single-consumer hand-off of pre-allocated {@link Slot}s from one consumer thread to one
 * applier thread: two JCTools SPSC array queues, one of filled slots and one of free slots. The producer claims a
 * free slot (none free: back-pressure, never a block), fills it and publishes it; the applier polls, applies and
 * releases it. Exactly {@link #capacity()} slots exist, so publishing and releasing never fail.
 *
 * <p>Which JCTools queue: the {@code sun.misc.Unsafe} one before JDK 24, the {@code atomic} one from JDK 24 on. The
 * atomic one costs more across threads (JMH {@code DecodeHandOffBenchmark.handOff} on JDK 17: 3.7 ns with the Unsafe
 * queue, 74 ns with the atomic one, same run), so it is taken only where Unsafe would print the JDK's warning. Only
 * one of the two classes is ever instantiated in a JVM, so the interface calls below stay monomorphic.
 *
 * <p>Threading: {@link #claim}/{@link #publish} from the producer thread only, {@link #poll}/{@link #release}
 * from the applier thread only; {@link #idle()} from any thread. Lock-free, allocation-free.
 */
public final class HandOffRing {
    /** From this JDK on, a {@code sun.misc.Unsafe} memory access prints a warning. */
    private static final int UNSAFE_WARNS_FROM_JDK = 24;
    private static final boolean ATOMIC_QUEUES = Runtime.version().feature() >= UNSAFE_WARNS_FROM_JDK;

    private final MessagePassingQueue<Slot> full;
    private final MessagePassingQueue<Slot> free;
    private final int capacity;

    /**
     * @param capacity number of slots
     * @param preparedCapacity capacity of each slot's prepared event
     * @param textKeys whether slots need a text-key buffer
     */
    public HandOffRing(int capacity, int preparedCapacity, boolean textKeys) {
        this.capacity = capacity;
        this.full = newQueue(capacity);
        this.free = newQueue(capacity);
        for (int i = 0; i < capacity; i++) {
            if (!free.offer(new Slot(preparedCapacity, textKeys))) {
                throw new IllegalStateException("free queue refused slot " + i + " of capacity=" + capacity);
            }
        }
    }

    private static MessagePassingQueue<Slot> newQueue(int capacity) {
        return ATOMIC_QUEUES ? new SpscAtomicArrayQueue<>(capacity) : new SpscArrayQueue<>(capacity);
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
