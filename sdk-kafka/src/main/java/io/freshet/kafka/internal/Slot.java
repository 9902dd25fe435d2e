package io.freshet.kafka.internal;

import io.freshet.core.internal.kernel.PreparedEvent;
import io.freshet.core.StoreConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * One pre-allocated hand-off slot between a consumer thread and a shard applier: a record prepared for one shard of
 * one feature set (key, event time, values, ids and filter bits, extracted and validated on the consumer), or a
 * progress marker. Slots circulate through a {@link HandOffRing} and are never allocated after start. No user
 * object is carried: the prepared event and the text key are the slot's own buffers.
 *
 * <p>Threading: written by the consumer thread before publication, read by the applier after it; the ring's
 * release/acquire ordering makes the plain fields safe.
 */
public final class Slot {
    /** A record to apply. */
    public static final int RECORD = 0;
    /** A progress marker: every record of the partition up to {@link #offset} routed to this shard precedes it. */
    public static final int MARKER = 1;
    /** A tombstone: delete the row of the key ({@code TombstonePolicy.DELETE}). */
    public static final int DELETE = 2;

    int kind;
    Binding binding;
    int shard;
    int partition;
    long offset;
    long longKey;
    /** The text key, copied (text-keyed sets only; null when no binding has a text key). */
    final TextKey textKey;
    /**
     * The prepared event the applier's write kernel reads. The consumer prepares into an instance of its own before
     * it claims a slot (a rejected event must not hold one) and swaps it with this one on publication: kernel
     * buffers circulate between the two threads, never a user object.
     */
    PreparedEvent prepared;
    long pollNanos;
    /** The raw record, read only on the applier's bad-record path (a dead letter needs its bytes and headers). */
    ConsumerRecord<byte[], byte[]> record;

    /**
     * @param preparedCapacity capacity of the prepared event (widest set routed through the ring)
     * @param textKeys whether any set routed through the ring has a text key
     */
    Slot(int preparedCapacity, boolean textKeys) {
        this.prepared = new PreparedEvent(preparedCapacity);
        this.textKey = textKeys ? new TextKey(StoreConfig.MAX_KEY_BYTES) : null;
    }

    /** @param kind {@link #RECORD}, {@link #MARKER} or {@link #DELETE} */
    public void kind(int kind) {
        this.kind = kind;
    }

    /** @param offset the record's (or marker's) offset */
    public void offset(long offset) {
        this.offset = offset;
    }

    /** @return the record's (or marker's) offset */
    public long offset() {
        return offset;
    }

    /** @param key the entity key of a LONG-keyed set */
    public void longKey(long key) {
        this.longKey = key;
    }

    /** Drops references the applier no longer needs so that records can be collected. */
    void clear() {
        record = null;
        binding = null;
    }
}
