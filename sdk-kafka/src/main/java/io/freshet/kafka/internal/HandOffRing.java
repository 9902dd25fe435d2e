package io.freshet.kafka.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A bounded single-producer single-consumer hand-off of pre-allocated {@link Slot}s from one consumer thread to one
 * applier thread. The slots sit in one array and never move: three counters say which are free, filled or being
 * applied. The producer claims the slot at {@code produced} (none free: back-pressure, never a block), fills it and
 * publishes it by advancing {@code produced} (release); the applier polls the slot at {@code consumed} once
 * {@code produced} (acquire) is past it, applies it and releases it by advancing {@code released} (release), which
 * frees it for the producer. Slots are released in the order they were polled, as the applier applies them.
 *
 * <p>Why not two queues of slots (JCTools', as before): a hand-off then writes and reads a queue element on top of the
 * counters, and JCTools' Unsafe-free variants (the only ones that print no warning on JDK 24+) add a volatile read and
 * a bounds check per element and leave the element array unpadded. Here a hand-off writes one counter on each side
 * and reads the other side's counter only when its cached copy runs out (JCTools' {@code producerLimit} idea), the
 * counters sit on cache lines of their own (padding superclasses: the JVM lays out a superclass's fields first), and
 * the memory order comes from {@link VarHandle}s, no {@code sun.misc.Unsafe}.
 *
 * <p>Threading: {@link #claim}/{@link #publish} from the producer thread only, {@link #poll}/{@link #release}
 * from the applier thread only; {@link #idle()} and {@link #halfFree()} from any thread. Lock-free, allocation-free.
 */
public final class HandOffRing extends HandOffRingConsumerFields {
    private static final VarHandle PRODUCED;
    private static final VarHandle RELEASED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            PRODUCED = lookup.findVarHandle(HandOffRingProducerFields.class, "produced", long.class);
            RELEASED = lookup.findVarHandle(HandOffRingConsumerFields.class, "released", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Padding after the consumer's fields, so that no later object shares their cache line. */
    long p20;
    long p21;
    long p22;
    long p23;
    long p24;
    long p25;
    long p26;
    long p27;
    long p28;
    long p29;
    long p2a;
    long p2b;
    long p2c;
    long p2d;
    long p2e;
    long p2f;

    /**
     * @param capacity number of slots that may be claimed and not yet released at once
     * @param preparedCapacity capacity of each slot's prepared event
     * @param textKeys whether slots need a text-key buffer
     */
    public HandOffRing(int capacity, int preparedCapacity, boolean textKeys) {
        super(capacity, preparedCapacity, textKeys);
    }

    /** @return the next free slot, or null when the applier is behind (back-pressure); claimed until published */
    public Slot claim() {
        final long p = produced;
        if (p - releasedCache >= capacity) {
            releasedCache = (long) RELEASED.getAcquire(this);
            if (p - releasedCache >= capacity) {
                return null;
            }
        }
        return slots[(int) p & mask];
    }

    /**
     * Hands the claimed slot to the applier: every write to it before this call is visible to the applier's poll.
     *
     * @param slot the slot the last {@link #claim} returned, filled
     */
    public void publish(Slot slot) {
        PRODUCED.setRelease(this, produced + 1);
    }

    /** @return the next filled slot (every write the producer made to it before publishing is visible), or null */
    public Slot poll() {
        final long c = consumed;
        if (c >= producedCache) {
            producedCache = (long) PRODUCED.getAcquire(this);
            if (c >= producedCache) {
                return null;
            }
        }
        consumed = c + 1;
        return slots[(int) c & mask];
    }

    /**
     * Frees the oldest polled slot not yet released for the producer to claim again.
     *
     * @param slot that slot, which the applier is done with
     */
    public void release(Slot slot) {
        slot.clear();
        RELEASED.setRelease(this, released + 1);
    }

    /** @return true when every published slot has been released: everything published has been applied */
    boolean idle() {
        final long p = (long) PRODUCED.getAcquire(this);
        return (long) RELEASED.getAcquire(this) >= p;
    }

    /** @return true when at least half the slots are free (a paused partition may resume) */
    boolean halfFree() {
        final long r = (long) RELEASED.getAcquire(this);
        final long inFlight = (long) PRODUCED.getAcquire(this) - r;
        return capacity - inFlight >= Math.max(1, capacity / 2);
    }
}

/** The slots and the ring's geometry: written once, read by both threads. */
abstract class HandOffRingColdFields {
    /** Slots in ring order; a power-of-two length of at least the capacity. */
    final Slot[] slots;
    final int mask;
    final long capacity;

    HandOffRingColdFields(int capacity, int preparedCapacity, boolean textKeys) {
        if (capacity < 1 || capacity > 1 << 30) {
            throw new IllegalArgumentException("capacity=" + capacity + " outside 1.." + (1 << 30));
        }
        int length = Integer.highestOneBit(capacity) == capacity ? capacity : Integer.highestOneBit(capacity) << 1;
        this.slots = new Slot[length];
        for (int i = 0; i < length; i++) {
            slots[i] = new Slot(preparedCapacity, textKeys);
        }
        this.mask = length - 1;
        this.capacity = capacity;
    }
}

/** 128 bytes between the read-only fields and the producer's (two lines: the CPU fetches lines in pairs). */
abstract class HandOffRingPad0 extends HandOffRingColdFields {
    long p00;
    long p01;
    long p02;
    long p03;
    long p04;
    long p05;
    long p06;
    long p07;
    long p08;
    long p09;
    long p0a;
    long p0b;
    long p0c;
    long p0d;
    long p0e;
    long p0f;

    HandOffRingPad0(int capacity, int preparedCapacity, boolean textKeys) {
        super(capacity, preparedCapacity, textKeys);
    }
}

/** The producer's fields. */
abstract class HandOffRingProducerFields extends HandOffRingPad0 {
    /** Slots published so far; written by the producer (release), read by the applier (acquire). */
    long produced;
    /** The producer's last read of {@code released}: it reads the applier's line again only when this runs out. */
    long releasedCache;

    HandOffRingProducerFields(int capacity, int preparedCapacity, boolean textKeys) {
        super(capacity, preparedCapacity, textKeys);
    }
}

/** 128 bytes between the producer's fields and the applier's. */
abstract class HandOffRingPad1 extends HandOffRingProducerFields {
    long p10;
    long p11;
    long p12;
    long p13;
    long p14;
    long p15;
    long p16;
    long p17;
    long p18;
    long p19;
    long p1a;
    long p1b;
    long p1c;
    long p1d;
    long p1e;
    long p1f;

    HandOffRingPad1(int capacity, int preparedCapacity, boolean textKeys) {
        super(capacity, preparedCapacity, textKeys);
    }
}

/** The applier's fields. */
abstract class HandOffRingConsumerFields extends HandOffRingPad1 {
    /** Slots polled so far; the applier's own. */
    long consumed;
    /** Slots released so far; written by the applier (release), read by the producer and by idle checks (acquire). */
    long released;
    /** The applier's last read of {@code produced}. */
    long producedCache;

    HandOffRingConsumerFields(int capacity, int preparedCapacity, boolean textKeys) {
        super(capacity, preparedCapacity, textKeys);
    }
}
