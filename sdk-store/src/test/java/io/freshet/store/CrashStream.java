package io.freshet.store;

import io.freshet.core.FeatureSet;
import io.freshet.core.Window;
import io.freshet.core.internal.Fingerprint;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.ShardWriter;
import io.freshet.core.testing.TestApplier;
import java.time.Duration;
import java.util.SplittableRandom;

/**
 * The deterministic record stream of the crash battery: record (partition p, offset i) is a pure function of
 * (seed, p, i), and records are applied in one global order (offset-major, partition-minor), so the state after any
 * applied prefix can be replayed exactly.
 */
final class CrashStream {
    /** One event. */
    record Ev(long key, long timeMs, double amount, long merchant) {
    }

    static final long T0 = 1_700_000_000_000L;
    static final String TOPIC = "crash-events";

    /** Windowed, lifetime, order-sensitive and decayed features: any lost or doubled record changes bytes. */
    static final FeatureSet<Ev> SET = FeatureSet.builder("crash_battery", Ev.class)
        .entity("key", Ev::key)
        .eventTime(Ev::timeMs)
        .latest("last_amount", Ev::amount)
        .count("count")
        .sum("sum", Ev::amount)
        .count("count_1m", Window.sliding(Duration.ofMinutes(1)).tiles(Duration.ofSeconds(5)))
        .max("max_1m", Ev::amount, Window.sliding(Duration.ofMinutes(1)).tiles(Duration.ofSeconds(5)))
        .lastN("last_merchants", Ev::merchant, 4)
        .decayedSum("decayed", Ev::amount, Duration.ofSeconds(30))
        .distinctApprox("merchants", Ev::merchant)
        .build();

    final long seed;
    final int partitions;
    final int keys;
    final long recordsPerPartition;
    /** One record in this many is a tombstone (0: none). */
    final int tombstoneEvery;

    CrashStream(long seed, int partitions, int keys, long recordsPerPartition) {
        this(seed, partitions, keys, recordsPerPartition, 0);
    }

    /**
     * @param tombstoneEvery about one record in this many is a tombstone of a key the partition's recent records
     *     touched (so that most deletes find a row), 0 for none
     */
    CrashStream(long seed, int partitions, int keys, long recordsPerPartition, int tombstoneEvery) {
        this.seed = seed;
        this.partitions = partitions;
        this.keys = keys;
        this.recordsPerPartition = recordsPerPartition;
        this.tombstoneEvery = tombstoneEvery;
    }

    /** @return the key record (p, i) deletes, or -1 when it is an event */
    long tombstoneKey(int p, long i) {
        if (tombstoneEvery == 0 || i == 0) {
            return -1;
        }
        SplittableRandom r = new SplittableRandom(Fingerprint.mix64(seed * 17 + p) ^ Fingerprint.mix64(~i));
        if (r.nextInt(tombstoneEvery) != 0) {
            return -1;
        }
        return record(p, Math.max(0, i - 1 - r.nextInt(50))).key();
    }

    Ev record(int p, long i) {
        SplittableRandom r = new SplittableRandom(Fingerprint.mix64(seed * 31 + p) ^ Fingerprint.mix64(i));
        long key = r.nextInt(keys);
        long time = T0 + i * 20 + r.nextInt(-8_000, 2_000);
        return new Ev(key, time, 1 + r.nextInt(100), r.nextInt(50));
    }

    /** The applying clock for a record: a function of the record, so replays are byte-identical. */
    static long nowFor(Ev e) {
        return e.timeMs() + 1_000;
    }

    /**
     * Applies the stream to a store, resuming from its applied offsets; stops after {@code maxRecords} (or at the
     * end of the stream).
     *
     * @return records applied (not counting duplicates)
     */
    long run(RowStore store, long maxRecords) {
        int topic = store.topicIndex(TOPIC);
        long[] resume = new long[partitions];
        long first = Long.MAX_VALUE;
        for (int p = 0; p < partitions; p++) {
            long min = Long.MAX_VALUE;
            for (int s = 0; s < store.shardCount(); s++) {
                min = Math.min(min, store.appliedOffset(s, topic, p));
            }
            resume[p] = min + 1;
            first = Math.min(first, resume[p]);
        }
        TestApplier<Ev> applier = TestApplier.of(SET);
        long applied = 0;
        for (long i = first; i < recordsPerPartition && applied < maxRecords; i++) {
            for (int p = 0; p < partitions; p++) {
                if (i < resume[p]) {
                    continue;
                }
                long deleted = tombstoneKey(p, i);
                if (deleted >= 0) {
                    int d = store.writer(store.shardOf(deleted)).delete(deleted, topic, p, i);
                    applied += d == ShardWriter.BEGIN_DUPLICATE ? 0 : 1;
                    continue;
                }
                Ev e = record(p, i);
                ShardWriter w = store.writer(store.shardOf(e.key()));
                long now = nowFor(e);
                if (applier.prepare(e, e.timeMs(), now) < 0) {
                    w.advanceOffset(topic, p, i);
                    continue;
                }
                int b = w.begin(e.key(), topic, p, i);
                long fullSinceNs = 0;
                while (b == ShardWriter.BEGIN_FULL) {
                    // A store that grows is full only while its next layout is being made: wait as an applier does,
                    // letting every shard's writer do its upkeep (the copy into the grown layout).
                    fullSinceNs = fullSinceNs == 0 ? System.nanoTime() : fullSinceNs;
                    if (System.nanoTime() - fullSinceNs > 60_000_000_000L) {
                        break;
                    }
                    for (int s = 0; s < store.shardCount(); s++) {
                        store.writer(s).maintain(256);
                    }
                    Thread.onSpinWait();
                    b = w.begin(e.key(), topic, p, i);
                }
                if (b == ShardWriter.BEGIN_DUPLICATE) {
                    continue;
                }
                if (b != ShardWriter.BEGIN_OK) {
                    throw new IllegalStateException("begin returned " + b + " at p=" + p + " i=" + i);
                }
                applier.applyPrepared(w.row(), now);
                w.commit();
                applied++;
            }
        }
        return applied;
    }

    /**
     * Replays into {@code reference} exactly the records that {@code recovered}'s offsets say were applied.
     */
    void replayAppliedPrefix(RowStore recovered, RowStore reference) {
        int topic = recovered.topicIndex(TOPIC);
        int refTopic = reference.topicIndex(TOPIC);
        long[][] applied = new long[recovered.shardCount()][partitions];
        long maxApplied = -1;
        for (int s = 0; s < recovered.shardCount(); s++) {
            for (int p = 0; p < partitions; p++) {
                applied[s][p] = recovered.appliedOffset(s, topic, p);
                maxApplied = Math.max(maxApplied, applied[s][p]);
            }
        }
        TestApplier<Ev> applier = TestApplier.of(SET);
        for (long i = 0; i <= maxApplied; i++) {
            for (int p = 0; p < partitions; p++) {
                long deleted = tombstoneKey(p, i);
                if (deleted >= 0) {
                    if (i <= applied[recovered.shardOf(deleted)][p]) {
                        reference.writer(reference.shardOf(deleted)).delete(deleted, refTopic, p, i);
                    }
                    continue;
                }
                Ev e = record(p, i);
                int s = recovered.shardOf(e.key());
                if (i > applied[s][p]) {
                    continue;
                }
                long now = nowFor(e);
                ShardWriter w = reference.writer(reference.shardOf(e.key()));
                if (applier.prepare(e, e.timeMs(), now) < 0) {
                    continue;
                }
                if (w.begin(e.key(), refTopic, p, i) != ShardWriter.BEGIN_OK) {
                    throw new IllegalStateException("reference refused p=" + p + " i=" + i);
                }
                applier.applyPrepared(w.row(), now);
                w.commit();
            }
        }
    }
}
