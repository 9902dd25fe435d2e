package io.freshet.kafka.internal;

import io.freshet.core.internal.kernel.EventPreparer;
import io.freshet.core.internal.kernel.Kernels;
import io.freshet.core.internal.kernel.PreparedEvent;
import io.freshet.core.StoreConfig;
import io.freshet.kafka.BadRecordReason;
import io.freshet.kafka.RecordView;
import io.freshet.kafka.RejectedRecordException;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * All user code of the pipeline, run on the consumer thread: decodes a record in place (the {@link RecordView}
 * flyweight, a reusable event per binding), extracts its entity key and event time, picks the shard, and prepares
 * the event (values, ids, filter bits) into a {@link PreparedEvent} that the caller hands over with a slot. Each
 * rule is checked once: the source's (size, maximum event age) here, the set's (negative time, future skew,
 * finite values) by the preparer. A throw out
 * of user code or a rejection is a {@link BadRecordReason}, never an exception.
 *
 * <p>Threading: one instance per consumer thread. Allocation: none (beyond what the user's code allocates).
 */
final class EventExtractor {
    private final RecordView view = new RecordView();
    /** Per binding: the reusable event the decoder fills. */
    private final Object[] scratch;
    /** Per set: its preparer (user extractors and filters). */
    private final EventPreparer<Object>[] preparers;
    /** The prepared event of the last {@link #extract}; swapped with the slot's on hand-over. */
    PreparedEvent prepared;
    long longKey;
    CharSequence textKey;
    long eventTimeMs;
    int shard;
    /** The last {@link #extract} prepared a tombstone (a delete of {@link #longKey} / {@link #textKey}). */
    boolean tombstone;
    /** The text key of a tombstone, decoded from its Kafka key. */
    private final TextKey tombstoneKey = new TextKey(StoreConfig.MAX_KEY_BYTES);
    /** The user code's exception behind the last bad verdict, or null. */
    Throwable cause;

    @SuppressWarnings("unchecked")
    EventExtractor(Binding[] bindings, List<SetRuntime> sets, int preparedCapacity) {
        scratch = new Object[bindings.length];
        for (Binding b : bindings) {
            scratch[b.index] = b.decoder.newReusable();
        }
        preparers = (EventPreparer<Object>[]) new EventPreparer<?>[sets.size()];
        for (SetRuntime s : sets) {
            preparers[s.index] = (EventPreparer<Object>) Kernels.newPreparer(s.set);
        }
        prepared = new PreparedEvent(preparedCapacity);
    }

    /**
     * @param b the binding the record is read for
     * @param rec the record
     * @param nowMs the applying clock, read once per batch
     * @return null when the record is prepared for {@link #shard}; else why it is bad ({@link #cause} set when
     *     user code threw; {@link #shard} is set, or -1, for the duplicate check)
     */
    BadRecordReason extract(Binding b, ConsumerRecord<byte[], byte[]> rec, long nowMs) {
        cause = null;
        shard = -1;
        textKey = null;
        tombstone = false;
        final byte[] value = rec.value();
        final byte[] k = rec.key();
        if (value == null) {
            return b.deleteOnTombstone ? extractTombstone(b, k) : BadRecordReason.TOMBSTONE;
        }
        if ((long) value.length + (k == null ? 0 : k.length) > b.maxRecordBytes) {
            return BadRecordReason.OVERSIZED;
        }
        final Object event;
        try {
            event = b.decoder.decode(view.wrap(rec), scratch[b.index]);
        } catch (Throwable e) {
            cause = e; // a RejectedRecordException names its reason (JsonDecoder, AvroDecoder); else DECODE_ERROR
            return RejectedRecordException.reasonOf(e);
        }
        if (event == null) {
            return BadRecordReason.NULL_EVENT;
        }
        try {
            if (b.longKey) {
                longKey = b.featureSet.longKeyOf(event);
            } else {
                textKey = b.featureSet.textKeyOf(event);
                if (textKey == null) {
                    return BadRecordReason.NULL_KEY;
                }
            }
        } catch (Throwable e) {
            cause = e;
            return BadRecordReason.KEY_ERROR;
        }
        final long t;
        try {
            t = b.featureSet.eventTimeOf(event);
        } catch (Throwable e) {
            cause = e;
            return BadRecordReason.TIME_ERROR;
        }
        // The set's time rules (negative, beyond the future skew) are the preparer's, checked once below; the
        // source's age bound is checked here. A negative time is left to the preparer: it is not "too old".
        if (t >= 0 && nowMs - t > b.maxEventAgeMs) {
            return BadRecordReason.TOO_OLD;
        }
        eventTimeMs = t;
        if (!b.longKey && textKey.length() > StoreConfig.MAX_KEY_BYTES) {
            // Longer than any store accepts (and than the slot's key buffer): the store would refuse it too.
            return BadRecordReason.KEY_INVALID;
        }
        shard = b.longKey ? b.set.store.shardOf(longKey) : b.set.store.shardOf(textKey);
        int r;
        try {
            r = preparers[b.set.index].prepare(event, t, nowMs, prepared);
        } catch (Throwable e) {
            cause = e;
            return BadRecordReason.EXTRACTOR_ERROR;
        }
        switch (r) {
            case EventPreparer.PREPARED:
                return null;
            case EventPreparer.REJECTED_NEGATIVE_TIME:
                shard = -1; // a time rejection is found before any shard sees the record: no per-shard replay check
                return BadRecordReason.NEGATIVE_TIME;
            case EventPreparer.REJECTED_FUTURE:
                shard = -1;
                return BadRecordReason.FUTURE_TIME;
            case EventPreparer.REJECTED_NON_FINITE:
                return BadRecordReason.NON_FINITE_VALUE;
            default:
                return BadRecordReason.EXTRACTOR_ERROR;
        }
    }

    /**
     * A tombstone of a source that deletes: its entity key is read from the Kafka key (LongSerializer's 8 bytes, or
     * StringSerializer's UTF-8), no user code runs.
     *
     * @return null when prepared ({@link #tombstone} set), else why it is bad
     */
    private BadRecordReason extractTombstone(Binding b, byte[] k) {
        if (k == null) {
            return BadRecordReason.NULL_KEY;
        }
        if (b.longKey) {
            if (k.length != Long.BYTES) {
                cause = new IllegalArgumentException("tombstone key of " + k.length + " bytes: a LONG-keyed set reads "
                    + "a tombstone's key as Kafka's LongSerializer writes it (8 bytes, big-endian)");
                return BadRecordReason.KEY_INVALID;
            }
            long v = 0;
            for (int i = 0; i < Long.BYTES; i++) {
                v = v << 8 | (k[i] & 0xFF);
            }
            longKey = v;
            shard = b.set.store.shardOf(v);
        } else {
            if (!tombstoneKey.copyOfUtf8(k)) {
                cause = new IllegalArgumentException("tombstone key of " + k.length + " bytes is not UTF-8 of at most "
                    + StoreConfig.MAX_KEY_BYTES + " chars: a TEXT-keyed set reads a tombstone's key as Kafka's "
                    + "StringSerializer writes it");
                return BadRecordReason.KEY_INVALID;
            }
            textKey = tombstoneKey;
            shard = b.set.store.shardOf(tombstoneKey);
        }
        tombstone = true;
        return null;
    }

    /**
     * Hands the prepared event over: the slot takes it and gives its previous one back for the next record.
     *
     * @param slot the slot being filled
     */
    void handOver(Slot slot) {
        PreparedEvent mine = prepared;
        prepared = slot.prepared;
        slot.prepared = mine;
    }
}
