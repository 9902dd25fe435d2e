package io.freshet.kafka.internal.training;

import io.freshet.core.FeatureReader;
import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureVector;
import io.freshet.core.KeyType;
import io.freshet.core.ManualClock;
import io.freshet.core.StoreConfig;
import io.freshet.core.internal.CoreInternals;
import io.freshet.core.internal.kernel.EventPreparer;
import io.freshet.core.internal.kernel.Kernels;
import io.freshet.core.internal.kernel.PreparedEvent;
import io.freshet.core.internal.kernel.RowWriteKernel;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.ShardWriter;
import io.freshet.kafka.BadRecordReason;
import io.freshet.kafka.RecordDecoder;
import io.freshet.kafka.RecordView;
import io.freshet.kafka.RejectedRecordException;
import io.freshet.kafka.internal.TextKey;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The running rows of one feature set in a training run: each key's row as of the records that qualify so far, and
 * the records that do not qualify yet.
 *
 * <p>A record qualifies for a label at {@code t} when its event time is below {@code t} (the caller only offers
 * records whose known time is within {@code t + lag}, and offers them in log order). A key's records are applied to
 * its <em>checkpoint</em> row (in {@code checkpoint}) while every record before them has qualified: the checkpoint is
 * the longest qualifying prefix of the key's log. The first record that does not qualify yet (an event time at or
 * after the current label time) and every later record of the key wait in the key's pending queue, in log order,
 * until the label time passes them ({@link #advanceTo}). A read at {@code t} of a key with pending records that
 * qualify at {@code t} copies the checkpoint into a scratch row and applies those records on it, so the row read is
 * always "exactly the qualifying records, in log order". Pending queues are short: a record waits only while an
 * earlier record of its key is ahead of the label time, i.e. for at most {@code lag + futureSkew}.
 *
 * <p>A tombstone of a source that deletes ({@code TombstonePolicy.DELETE}) qualifies as soon as it is offered (it has
 * no event time; the caller offers it once its known time is within {@code t + lag}): it deletes the key's checkpoint
 * row and drops the key's pending records, which precede it in the log.
 *
 * <p>Threading: one thread. Allocation: a pending record keeps its own decoded event; reads allocate nothing.
 *
 * @param <E> the event type
 */
public final class RunningRows<E> implements AutoCloseable {
    private final FeatureSet<E> set;
    private final RowStore checkpoint;
    private final ShardWriter[] checkpointWriters;
    private final HeapRunningStore scratch;
    private final ShardWriter scratchWriter;
    private final ManualClock clock = new ManualClock(0);
    private final FeatureReader checkpointReader;
    private final FeatureReader scratchReader;
    private final EventPreparer<E> preparer;
    private final RowWriteKernel kernel;
    private final PreparedEvent prepared;
    private final RecordView view = new RecordView();
    private final TextKey tombstoneKey = new TextKey(StoreConfig.MAX_KEY_BYTES);
    private final Map<Object, Pending> pendingByKey = new HashMap<>();
    private final PriorityQueue<Pending> byHeadTime = new PriorityQueue<>(
        (a, b) -> Long.compare(a.records.peekFirst().eventTimeMs, b.records.peekFirst().eventTimeMs));
    private Throwable cause;
    private long applied;
    private long late;
    private long pendingRecords;
    private long scratchReads;
    private long tombstones;
    private long deletedRows;
    private long maxPendingRecords;

    /**
     * @param set the definition
     * @param checkpoint an empty store of that definition for the checkpoint rows; closed with this
     */
    public RunningRows(FeatureSet<E> set, RowStore checkpoint) {
        this.set = set;
        this.checkpoint = checkpoint;
        this.checkpointWriters = new ShardWriter[checkpoint.shardCount()];
        for (int s = 0; s < checkpointWriters.length; s++) {
            checkpointWriters[s] = checkpoint.writer(s);
        }
        this.scratch = new HeapRunningStore(StoreConfig.builder(set).capacity(1L << 20).shards(1).build());
        this.scratchWriter = scratch.writer(0);
        this.checkpointReader = CoreInternals.newReader(set, checkpoint, clock);
        this.scratchReader = CoreInternals.newReader(set, scratch, clock);
        this.preparer = Kernels.newPreparer(set);
        this.kernel = Kernels.newWriteKernel(set);
        this.prepared = new PreparedEvent(Kernels.preparedCapacity(set));
    }

    /** A record that waits: its own event, its time and the applying clock it will be applied with. */
    private static final class Record<E> {
        final E event;
        final long eventTimeMs;
        final long knownMs;

        Record(E event, long eventTimeMs, long knownMs) {
            this.event = event;
            this.eventTimeMs = eventTimeMs;
            this.knownMs = knownMs;
        }
    }

    /** A key's pending records, in log order. */
    private final class Pending {
        final Object key;
        final ArrayDeque<Record<E>> records = new ArrayDeque<>();

        Pending(Object key) {
            this.key = key;
        }
    }

    /**
     * Takes one record of a source of this set, in log order: decodes it, checks it as the live pipeline does (the
     * same reasons make it bad), and applies it to the key's checkpoint row or queues it.
     *
     * @param rec the record
     * @param decoder the source's decoder
     * @param reusable the run's reusable event for this source (or null)
     * @param maxRecordBytes the source's bound on key plus value bytes
     * @param maxEventAgeMs the source's bound on event age
     * @param knownMs the record's known time (running maximum of its partition's record timestamps): its clock
     * @param labelTimeMs the time of the label being served now
     * @return null when taken; else why the record is bad (it changed nothing; {@link #cause()} says what user code
     *     threw, if it threw)
     */
    public BadRecordReason offer(ConsumerRecord<byte[], byte[]> rec, RecordDecoder<E> decoder, E reusable,
        int maxRecordBytes, long maxEventAgeMs, long knownMs, long labelTimeMs) {
        return offer(rec, decoder, reusable, maxRecordBytes, maxEventAgeMs, knownMs, labelTimeMs, false);
    }

    /**
     * {@link #offer(ConsumerRecord, RecordDecoder, Object, int, long, long, long)} for a source whose tombstones may
     * delete ({@code TombstonePolicy.DELETE}).
     *
     * @param rec the record
     * @param decoder the source's decoder
     * @param reusable the run's reusable event for this source (or null)
     * @param maxRecordBytes the source's bound on key plus value bytes
     * @param maxEventAgeMs the source's bound on event age
     * @param knownMs the record's known time
     * @param labelTimeMs the time of the label being served now
     * @param deleteOnTombstone true when a tombstone deletes its Kafka key's row, false when it is a bad record
     * @return null when taken; else why the record is bad
     */
    public BadRecordReason offer(ConsumerRecord<byte[], byte[]> rec, RecordDecoder<E> decoder, E reusable,
        int maxRecordBytes, long maxEventAgeMs, long knownMs, long labelTimeMs, boolean deleteOnTombstone) {
        if (rec.value() == null) {
            return deleteOnTombstone ? delete(rec.key()) : BadRecordReason.TOMBSTONE;
        }
        if ((long) rec.value().length + (rec.key() == null ? 0 : rec.key().length) > maxRecordBytes) {
            return BadRecordReason.OVERSIZED;
        }
        cause = null;
        final E event;
        try {
            event = decoder.decode(view.wrap(rec), reusable);
        } catch (Throwable e) {
            cause = e; // a RejectedRecordException names its reason (JsonDecoder, AvroDecoder); else DECODE_ERROR
            return RejectedRecordException.reasonOf(e);
        }
        if (event == null) {
            return BadRecordReason.NULL_EVENT;
        }
        CharSequence textKey = null;
        long longKey = 0;
        try {
            if (set.keyType() == KeyType.LONG) {
                longKey = set.longKeyOf(event);
            } else {
                textKey = set.textKeyOf(event);
            }
        } catch (Throwable e) {
            cause = e;
            return BadRecordReason.KEY_ERROR;
        }
        if (set.keyType() == KeyType.TEXT && textKey == null) {
            return BadRecordReason.NULL_KEY;
        }
        if (textKey != null && textKey.length() > StoreConfig.MAX_KEY_BYTES) {
            return BadRecordReason.KEY_INVALID;
        }
        final long t;
        try {
            t = set.eventTimeOf(event);
        } catch (Throwable e) {
            cause = e;
            return BadRecordReason.TIME_ERROR;
        }
        if (t >= 0 && knownMs - t > maxEventAgeMs) {
            return BadRecordReason.TOO_OLD;
        }
        final int r;
        try {
            r = preparer.prepare(event, t, knownMs, prepared);
        } catch (Throwable e) {
            cause = e;
            return BadRecordReason.EXTRACTOR_ERROR;
        }
        if (r == EventPreparer.REJECTED_NEGATIVE_TIME) {
            return BadRecordReason.NEGATIVE_TIME;
        }
        if (r == EventPreparer.REJECTED_FUTURE) {
            return BadRecordReason.FUTURE_TIME;
        }
        if (r != EventPreparer.PREPARED) {
            return BadRecordReason.NON_FINITE_VALUE;
        }
        // The usual case, no key waiting and the record qualifying, makes no key object.
        Pending p = null;
        Object key = null;
        if (!pendingByKey.isEmpty()) {
            key = textKey != null ? textKey.toString() : (Object) longKey;
            p = pendingByKey.get(key);
        }
        if (p == null && t < labelTimeMs) {
            if (textKey != null) {
                applyToCheckpoint(textKey, knownMs);
            } else {
                applyToCheckpoint(longKey, knownMs);
            }
            return null;
        }
        if (key == null) {
            key = textKey != null ? textKey.toString() : (Object) longKey;
        }
        // It waits: it needs an event of its own, since the run reuses the decoded one.
        E own = reusable == null ? event : decodeOwn(rec, decoder);
        if (p == null) {
            p = new Pending(key);
            pendingByKey.put(key, p);
            p.records.add(new Record<>(own, t, knownMs));
            byHeadTime.add(p);
        } else {
            p.records.add(new Record<>(own, t, knownMs));
        }
        pendingRecords++;
        maxPendingRecords = Math.max(maxPendingRecords, pendingRecords);
        return null;
    }

    /**
     * A tombstone, known now: the key's row is deleted for this label and every later one. Its key's records before it
     * in the log are gone with the row, those still pending included (a pending record that qualified later would
     * still precede the tombstone in log order, so the live row would not hold it either); records after it start a
     * new row. The key is read from the Kafka key as the live pipeline reads it.
     */
    private BadRecordReason delete(byte[] k) {
        cause = null;
        if (k == null) {
            return BadRecordReason.NULL_KEY;
        }
        Object key;
        if (set.keyType() == KeyType.LONG) {
            if (k.length != Long.BYTES) {
                cause = new IllegalArgumentException("tombstone key of " + k.length + " bytes: a LONG-keyed set reads "
                    + "a tombstone's key as Kafka's LongSerializer writes it (8 bytes, big-endian)");
                return BadRecordReason.KEY_INVALID;
            }
            long v = 0;
            for (int i = 0; i < Long.BYTES; i++) {
                v = v << 8 | (k[i] & 0xFF);
            }
            ShardWriter w = checkpointWriters[checkpoint.shardOf(v)];
            deletedRows += w.delete(v, ShardWriter.NO_SOURCE, 0, 0) == ShardWriter.DELETED ? 1 : 0;
            key = v;
        } else {
            if (!tombstoneKey.copyOfUtf8(k)) {
                cause = new IllegalArgumentException("tombstone key of " + k.length + " bytes is not UTF-8 of at most "
                    + StoreConfig.MAX_KEY_BYTES + " chars: a TEXT-keyed set reads a tombstone's key as Kafka's "
                    + "StringSerializer writes it");
                return BadRecordReason.KEY_INVALID;
            }
            ShardWriter w = checkpointWriters[checkpoint.shardOf(tombstoneKey)];
            deletedRows += w.delete(tombstoneKey, ShardWriter.NO_SOURCE, 0, 0) == ShardWriter.DELETED ? 1 : 0;
            key = pendingByKey.isEmpty() ? null : tombstoneKey.toString();
        }
        Pending p = key == null ? null : pendingByKey.remove(key);
        if (p != null) {
            byHeadTime.remove(p);
            pendingRecords -= p.records.size();
        }
        tombstones++;
        return null;
    }

    private E decodeOwn(ConsumerRecord<byte[], byte[]> rec, RecordDecoder<E> decoder) {
        try {
            return decoder.decode(view.wrap(rec), decoder.newReusable());
        } catch (Exception e) {
            throw new IllegalStateException("set=" + set.name() + ": the decoder decoded " + rec.topic() + "-"
                + rec.partition() + "@" + rec.offset() + " once and threw the second time: decoders must be pure", e);
        }
    }

    /** @return what user code threw for the last bad record, or null */
    public Throwable cause() {
        return cause;
    }

    /**
     * Moves the label time forward: every key's pending records that now qualify, up to the first that does not,
     * join its checkpoint row.
     *
     * @param labelTimeMs the label time now (never decreasing)
     */
    public void advanceTo(long labelTimeMs) {
        while (!byHeadTime.isEmpty() && byHeadTime.peek().records.peekFirst().eventTimeMs < labelTimeMs) {
            Pending p = byHeadTime.poll();
            while (!p.records.isEmpty() && p.records.peekFirst().eventTimeMs < labelTimeMs) {
                Record<E> rec = p.records.pollFirst();
                pendingRecords--;
                prepare(rec);
                applyToCheckpoint(p.key, rec.knownMs);
            }
            if (p.records.isEmpty()) {
                pendingByKey.remove(p.key);
            } else {
                byHeadTime.add(p);
            }
        }
    }

    private void prepare(Record<E> rec) {
        int r = preparer.prepare(rec.event, rec.eventTimeMs, rec.knownMs, prepared);
        if (r != EventPreparer.PREPARED) {
            // offer() prepared the same event with the same clock and found it good: preparing is a pure function.
            throw new IllegalStateException("set=" + set.name() + ": a queued event no longer prepares (code=" + r
                + "): its extractors are not deterministic");
        }
    }

    private void applyToCheckpoint(Object key, long nowMs) {
        if (key instanceof Long) {
            applyToCheckpoint((long) (Long) key, nowMs);
        } else {
            applyToCheckpoint((CharSequence) key, nowMs);
        }
    }

    private void applyToCheckpoint(long key, long nowMs) {
        ShardWriter w = checkpointWriters[checkpoint.shardOf(key)];
        applyBegun(w, w.begin(key, ShardWriter.NO_SOURCE, 0, 0), nowMs);
    }

    private void applyToCheckpoint(CharSequence key, long nowMs) {
        ShardWriter w = checkpointWriters[checkpoint.shardOf(key)];
        applyBegun(w, w.begin(key, ShardWriter.NO_SOURCE, 0, 0), nowMs);
    }

    private void applyBegun(ShardWriter w, int begin, long nowMs) {
        if (begin != ShardWriter.BEGIN_OK) {
            throw new IllegalStateException("set=" + set.name() + ": the running-rows store refused a row (code="
                + begin + ", rows=" + checkpoint.size() + ", capacity=" + checkpoint.capacity() + "): give the "
                + "training set a store that can grow, or a larger one");
        }
        if (kernel.apply(prepared, w.row(), nowMs) == RowWriteKernel.APPLIED_LATE) {
            late++;
        }
        w.commit();
        applied++;
    }

    /**
     * Reads the key's row as a read at {@code labelTimeMs} of exactly its qualifying records would.
     *
     * @param key a numeric key (LONG sets)
     * @param labelTimeMs the label time; {@link #advanceTo} was called with it
     * @param into a vector of the set
     */
    public void read(long key, long labelTimeMs, FeatureVector into) {
        clock.setMs(labelTimeMs);
        Pending p = pendingByKey.isEmpty() ? null : pendingByKey.get(key);
        if (p == null || !applyPending(p, labelTimeMs)) {
            checkpointReader.read(key, into);
            return;
        }
        scratchReader.read(key, into);
        scratchWriter.delete(key, ShardWriter.NO_SOURCE, 0, 0);
        scratchReads++;
    }

    /**
     * Text-key variant of {@link #read(long, long, FeatureVector)}.
     *
     * @param key a text key (TEXT sets)
     * @param labelTimeMs the label time
     * @param into a vector of the set
     */
    public void read(CharSequence key, long labelTimeMs, FeatureVector into) {
        clock.setMs(labelTimeMs);
        Pending p = pendingByKey.isEmpty() ? null : pendingByKey.get(key.toString());
        if (p == null || !applyPending(p, labelTimeMs)) {
            checkpointReader.read(key, into);
            return;
        }
        scratchReader.read(key, into);
        scratchWriter.delete(key, ShardWriter.NO_SOURCE, 0, 0);
        scratchReads++;
    }

    /** Builds the scratch row: checkpoint plus the pending records that qualify; false when none does. */
    private boolean applyPending(Pending p, long labelTimeMs) {
        boolean open = false;
        for (Record<E> rec : p.records) {
            if (rec.eventTimeMs >= labelTimeMs) {
                continue;
            }
            prepare(rec);
            int begin = p.key instanceof Long ? scratchWriter.begin((Long) p.key, ShardWriter.NO_SOURCE, 0, 0)
                : scratchWriter.begin((CharSequence) p.key, ShardWriter.NO_SOURCE, 0, 0);
            if (begin != ShardWriter.BEGIN_OK) {
                throw new IllegalStateException("set=" + set.name() + ": the scratch row was refused (code=" + begin
                    + ")");
            }
            if (!open) {
                open = true;
                // The row begin() just created starts as the checkpoint's image (a key with no checkpoint row keeps
                // the freshly initialised one).
                if (p.key instanceof Long) {
                    checkpoint.readRow((long) (Long) p.key, scratchWriter.row());
                } else {
                    checkpoint.readRow((CharSequence) p.key, scratchWriter.row());
                }
            }
            kernel.apply(prepared, scratchWriter.row(), rec.knownMs);
            scratchWriter.commit();
        }
        return open;
    }

    /** @return records applied to checkpoint rows */
    public long appliedCount() {
        return applied;
    }

    /** @return applies a windowed feature dropped as late */
    public long lateCount() {
        return late;
    }

    /** @return records waiting now */
    public long pendingCount() {
        return pendingRecords;
    }

    /** @return the most records that waited at once: the run's memory beyond the rows */
    public long maxPendingCount() {
        return maxPendingRecords;
    }

    /** @return reads that applied pending records on a scratch copy of the checkpoint */
    public long scratchReadCount() {
        return scratchReads;
    }

    /** @return tombstones taken (each deleted its key's row, if it had one) */
    public long tombstoneCount() {
        return tombstones;
    }

    /** @return checkpoint rows deleted by tombstones */
    public long deletedCount() {
        return deletedRows;
    }

    /** @return the set */
    public FeatureSet<E> featureSet() {
        return set;
    }

    @Override
    public void close() {
        scratch.close();
        checkpoint.close();
    }
}
