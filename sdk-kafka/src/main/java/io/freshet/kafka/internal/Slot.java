package io.freshet.kafka.internal;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * One pre-allocated hand-off slot between a consumer thread and a shard applier: a decoded record routed to one
 * shard of one feature set, or a progress marker. Slots circulate through a {@link HandOffRing} and are never
 * allocated after start.
 *
 * <p>Threading: written by the consumer thread before publication, read by the applier after it; the ring's
 * release/acquire ordering makes the plain fields safe.
 */
public final class Slot {
    /** A record to apply. */
    public static final int RECORD = 0;
    /** A progress marker: every record of the partition up to {@link #offset} routed to this shard precedes it. */
    public static final int MARKER = 1;

    int kind;
    Binding binding;
    int shard;
    int partition;
    long offset;
    long longKey;
    CharSequence textKey;
    Object event;
    long eventTimeMs;
    long pollNanos;
    ConsumerRecord<byte[], byte[]> record;
    /** Per binding: a reusable event instance this slot owns while idle (swapped with the consumer's scratch). */
    final Object[] spare;

    Slot(Binding[] bindings) {
        spare = new Object[bindings.length];
        for (int i = 0; i < bindings.length; i++) {
            spare[i] = bindings[i].decoder.newReusable();
        }
    }

    /** Drops references the applier no longer needs so that records can be collected. */
    void clear() {
        record = null;
        textKey = null;
        event = null;
        binding = null;
    }
}
