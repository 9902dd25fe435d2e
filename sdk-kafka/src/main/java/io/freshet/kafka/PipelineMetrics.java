package io.freshet.kafka;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.apache.kafka.common.TopicPartition;

/**
 * A snapshot of a pipeline's counters, per-stage freshness histograms and lag, from
 * {@code FeaturePipeline.metrics()}. Immutable; built off the hot path (it allocates).
 *
 * <p>Stages, each measured per record: {@link #eventToBroker()} (event time to the record's Kafka timestamp, ms),
 * {@link #brokerToPoll()} (Kafka timestamp to the wall clock when {@code poll()} returned it, ms),
 * {@link #pollToApplied()} (poll to the row's commit in the store, µs). Negative differences (clock skew between
 * producers and this host) count as 0. Each stage comes twice: cumulative since start, and over the interval since
 * the previous snapshot of the same pipeline ({@link #intervalEventToBroker()} and siblings, from
 * {@link #intervalStartMs()} to {@link #timestampMs()}), so that a monitor polling {@code metrics()} sees the
 * latency of now rather than an average over the whole run. Every {@code metrics()} call starts a new interval,
 * whoever makes it: one periodic caller should own the interval figures.
 */
public final class PipelineMetrics {
    private final long timestampMs;
    private final Map<String, SetCounts> sets;
    private final Stage eventToBroker;
    private final Stage brokerToPoll;
    private final Stage pollToApplied;
    private final long intervalStartMs;
    private final Stage intervalEventToBroker;
    private final Stage intervalBrokerToPoll;
    private final Stage intervalPollToApplied;
    private final Map<TopicPartition, Long> lagByPartition;
    private final long pauses;

    PipelineMetrics(long timestampMs, Map<String, SetCounts> sets, Stage[] totals, long intervalStartMs,
        Stage[] interval, Map<TopicPartition, Long> lagByPartition, long pauses) {
        this.timestampMs = timestampMs;
        this.sets = Collections.unmodifiableMap(sets);
        this.eventToBroker = totals[0];
        this.brokerToPoll = totals[1];
        this.pollToApplied = totals[2];
        this.intervalStartMs = intervalStartMs;
        this.intervalEventToBroker = interval[0];
        this.intervalBrokerToPoll = interval[1];
        this.intervalPollToApplied = interval[2];
        this.lagByPartition = Collections.unmodifiableMap(lagByPartition);
        this.pauses = pauses;
    }

    /** @return when the snapshot was taken, epoch ms */
    public long timestampMs() {
        return timestampMs;
    }

    /** @return counters per feature set name */
    public Map<String, SetCounts> sets() {
        return sets;
    }

    /**
     * @param setName a feature set's name
     * @return its counters
     * @throws IllegalArgumentException when the pipeline has no such set
     */
    public SetCounts set(String setName) {
        SetCounts c = sets.get(setName);
        if (c == null) {
            throw new IllegalArgumentException("no feature set=" + setName + " in this pipeline; sets: "
                + sets.keySet());
        }
        return c;
    }

    /** @return when the interval of the {@code interval…} stages began (the previous snapshot, or start), epoch ms */
    public long intervalStartMs() {
        return intervalStartMs;
    }

    /** @return event time → broker timestamp since the previous snapshot, ms */
    public Stage intervalEventToBroker() {
        return intervalEventToBroker;
    }

    /** @return broker timestamp → poll since the previous snapshot, ms */
    public Stage intervalBrokerToPoll() {
        return intervalBrokerToPoll;
    }

    /** @return poll → applied since the previous snapshot, µs */
    public Stage intervalPollToApplied() {
        return intervalPollToApplied;
    }

    /** @return event time → broker timestamp since start, ms */
    public Stage eventToBroker() {
        return eventToBroker;
    }

    /** @return broker timestamp → poll since start, ms */
    public Stage brokerToPoll() {
        return brokerToPoll;
    }

    /** @return poll → applied since start, µs */
    public Stage pollToApplied() {
        return pollToApplied;
    }

    /** @return records not yet consumed per assigned partition (as of the last refresh, ≤ 200 ms old) */
    public Map<TopicPartition, Long> lagByPartition() {
        return lagByPartition;
    }

    /** @return how many times a full hand-off queue paused a partition (back-pressure) */
    public long pauses() {
        return pauses;
    }

    /** @return applied records over all sets */
    public long applied() {
        long n = 0;
        for (SetCounts c : sets.values()) {
            n += c.applied;
        }
        return n;
    }

    /** @return dead-lettered records over all sets */
    public long deadLettered() {
        long n = 0;
        for (SetCounts c : sets.values()) {
            n += c.deadLettered;
        }
        return n;
    }

    @Override
    public String toString() {
        return "PipelineMetrics{sets=" + sets + ", eventToBrokerMs=" + eventToBroker + ", brokerToPollMs="
            + brokerToPoll + ", pollToAppliedUs=" + pollToApplied + ", interval{ms=" + (timestampMs - intervalStartMs)
            + ", eventToBrokerMs=" + intervalEventToBroker + ", brokerToPollMs=" + intervalBrokerToPoll
            + ", pollToAppliedUs=" + intervalPollToApplied + "}, lag=" + lagByPartition + ", pauses=" + pauses
            + "}";
    }

    /** Record counts of one feature set since start. Immutable. */
    public static final class SetCounts {
        private final long applied;
        private final long late;
        private final long duplicates;
        private final long skipped;
        private final long deadLettered;
        private final Map<BadRecordReason, Long> badByReason;
        private final long storeFullWaits;
        private final StoreFill fill;
        private final long deleted;

        SetCounts(long applied, long late, long duplicates, long skipped, long deadLettered, long[] badByReason,
            long storeFullWaits, StoreFill fill) {
            this(applied, late, duplicates, skipped, deadLettered, badByReason, storeFullWaits, fill, 0);
        }

        SetCounts(long applied, long late, long duplicates, long skipped, long deadLettered, long[] badByReason,
            long storeFullWaits, StoreFill fill, long deleted) {
            this.deleted = deleted;
            this.storeFullWaits = storeFullWaits;
            this.fill = fill;
            this.applied = applied;
            this.late = late;
            this.duplicates = duplicates;
            this.skipped = skipped;
            this.deadLettered = deadLettered;
            Map<BadRecordReason, Long> m = new EnumMap<>(BadRecordReason.class);
            for (BadRecordReason r : BadRecordReason.values()) {
                if (badByReason[r.ordinal()] != 0) {
                    m.put(r, badByReason[r.ordinal()]);
                }
            }
            this.badByReason = Collections.unmodifiableMap(m);
        }

        /** @return records applied to a row (late ones included) */
        public long applied() {
            return applied;
        }

        /**
         * @return rows deleted: by tombstones of sources with {@link TombstonePolicy#DELETE} and by
         *     {@code FeaturePipeline.delete} (a delete of a key without a row is not counted)
         */
        public long deleted() {
            return deleted;
        }

        /** @return applied records that at least one windowed feature dropped as late */
        public long late() {
            return late;
        }

        /** @return records skipped because the store had already applied them (replay after restart/seek) */
        public long duplicates() {
            return duplicates;
        }

        /** @return bad records, all reasons */
        public long badRecords() {
            long n = 0;
            for (long v : badByReason.values()) {
                n += v;
            }
            return n;
        }

        /** @return bad records per reason (reasons never seen are absent) */
        public Map<BadRecordReason, Long> badByReason() {
            return badByReason;
        }

        /** @return bad records counted and skipped under {@link BadRecordPolicy#SKIP} */
        public long skipped() {
            return skipped;
        }

        /** @return bad records produced to a dead-letter topic */
        public long deadLettered() {
            return deadLettered;
        }

        /** @return bad records the kernels rejected: negative/future time, non-finite value */
        public long rejected() {
            return badByReason.getOrDefault(BadRecordReason.NEGATIVE_TIME, 0L)
                + badByReason.getOrDefault(BadRecordReason.FUTURE_TIME, 0L)
                + badByReason.getOrDefault(BadRecordReason.NON_FINITE_VALUE, 0L);
        }

        /**
         * @return records whose new key found the store full and waited for room (each counted once, however long
         *     it waited); none of them is skipped or dead-lettered: a full store is not bad input
         */
        public long storeFull() {
            return storeFullWaits;
        }

        /** @return rows in the set's store when the snapshot was taken */
        public long storeRows() {
            return fill.rows;
        }

        /** @return the store's capacity in rows */
        public long storeCapacity() {
            return fill.capacity;
        }

        /** @return rows / capacity (may pass 1 on an engine that keeps spare slots per shard) */
        public double storeFill() {
            return fill.capacity <= 0 ? 0 : (double) fill.rows / fill.capacity;
        }

        /**
         * @return true while the store's fill is at or above the builder's {@code storeFillWarning} (default 80 %),
         *     until it falls 5 points below
         */
        public boolean storeFillWarning() {
            return fill.warning;
        }

        /** @return shards of the store that wait for room now (the set's status is STORE_FULL while above 0) */
        public int shardsWaitingForRoom() {
            return fill.shardsWaiting;
        }

        @Override
        public String toString() {
            return "{applied=" + applied + ", late=" + late + ", duplicates=" + duplicates + ", bad=" + badByReason
                + ", skipped=" + skipped + ", deadLettered=" + deadLettered + ", storeRows=" + fill.rows
                + ", storeCapacity=" + fill.capacity + (fill.warning ? ", storeFillWarning" : "")
                + (fill.shardsWaiting > 0 ? ", shardsWaitingForRoom=" + fill.shardsWaiting : "") + ", storeFull="
                + storeFullWaits + (deleted > 0 ? ", deleted=" + deleted : "") + "}";
        }
    }

    /** How full a set's store was at a snapshot (internal carrier of {@link SetCounts}). */
    static final class StoreFill {
        final long rows;
        final long capacity;
        final boolean warning;
        final int shardsWaiting;

        StoreFill(long rows, long capacity, boolean warning, int shardsWaiting) {
            this.rows = rows;
            this.capacity = capacity;
            this.warning = warning;
            this.shardsWaiting = shardsWaiting;
        }
    }

    /** Percentiles of one stage. Immutable. */
    public static final class Stage {
        private final long count;
        private final long p50;
        private final long p90;
        private final long p99;
        private final long p999;
        private final long max;
        private final double mean;

        Stage(Histogram h) {
            this.count = h.getTotalCount();
            this.p50 = h.getValueAtPercentile(50);
            this.p90 = h.getValueAtPercentile(90);
            this.p99 = h.getValueAtPercentile(99);
            this.p999 = h.getValueAtPercentile(99.9);
            this.max = h.getMaxValue();
            this.mean = h.getMean();
        }

        /** @return values recorded */
        public long count() {
            return count;
        }

        /** @return median */
        public long p50() {
            return p50;
        }

        /** @return 90th percentile */
        public long p90() {
            return p90;
        }

        /** @return 99th percentile */
        public long p99() {
            return p99;
        }

        /** @return 99.9th percentile */
        public long p999() {
            return p999;
        }

        /** @return maximum */
        public long max() {
            return max;
        }

        /** @return mean */
        public double mean() {
            return mean;
        }

        @Override
        public String toString() {
            return "{n=" + count + " p50=" + p50 + " p99=" + p99 + " p99.9=" + p999 + " max=" + max + "}";
        }
    }
}
