package io.freshet.kafka;

import io.freshet.core.spi.RowStore;
import io.freshet.kafka.internal.IngestLoop;
import io.freshet.kafka.internal.PipelineCore;
import io.freshet.kafka.internal.PipelineCore.CounterIds;
import io.freshet.kafka.internal.SetRuntime;
import io.freshet.kafka.internal.ShardApplier;
import io.freshet.kafka.internal.StageRecorder;
import io.freshet.kafka.internal.StoreFillWatch;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * Gathers a {@link PipelineMetrics} snapshot: sums every thread's counters, merges the stage recorders' interval
 * histograms (the recording threads are never blocked: each recorder swaps its active histogram, HdrHistogram's
 * writer-reader phaser, and this merges the swapped-out ones) into the interval since the previous snapshot and the
 * totals since start, and copies the published lag.
 *
 * <p>Threading: any thread; snapshots are serialised. Allocation: per snapshot.
 */
final class MetricsCollector {
    static final int STAGES = 3;

    private final PipelineCore core;
    /** Per stage (event → broker, broker → poll, poll → applied): totals since start. Guarded by this. */
    private final Histogram[] totals = {new Histogram(3), new Histogram(3), new Histogram(3)};
    /** Per stage: what the recorders gathered since the previous snapshot. Guarded by this. */
    private final Histogram[] interval = {new Histogram(3), new Histogram(3), new Histogram(3)};
    /** Per set: poll → applied since start (µs), its apply latency; they add up to that stage. Guarded by this. */
    private final Histogram[] applyTotals;
    private long intervalStartMs;

    MetricsCollector(PipelineCore core) {
        this.core = core;
        this.applyTotals = new Histogram[core.sets().size()];
        for (int i = 0; i < applyTotals.length; i++) {
            applyTotals[i] = new Histogram(3);
        }
    }

    /** Starts the first interval (when the threads start). */
    synchronized void started() {
        intervalStartMs = System.currentTimeMillis();
    }

    /**
     * @param set a set
     * @return records applied to its rows since start (late ones included); no allocation
     */
    long applied(SetRuntime set) {
        return core.loops() == null ? 0 : core.count(set.index(), CounterIds.APPLIED);
    }

    /**
     * Copies the stage totals since start, for a metrics binder: takes what the recorders gathered into both the
     * totals and the pending interval of {@link #snapshot}, so that the binder's reads never shorten that interval.
     *
     * @param into {@link #STAGES} histograms, reset first
     * @param applyBySet one histogram per set, reset first: its poll → applied since start (µs), taken in the same
     *     drain as {@code into}
     */
    synchronized void copyTotals(Histogram[] into, Histogram[] applyBySet) {
        if (core.loops() != null) {
            drainRecorders();
        }
        for (int i = 0; i < STAGES; i++) {
            into[i].reset();
            into[i].add(totals[i]);
        }
        for (int i = 0; i < applyTotals.length; i++) {
            applyBySet[i].reset();
            applyBySet[i].add(applyTotals[i]);
        }
    }

    /** @return a snapshot; starts a new interval */
    synchronized PipelineMetrics snapshot() {
        drainRecorders();
        PipelineMetrics.Stage[] totalStages = new PipelineMetrics.Stage[STAGES];
        PipelineMetrics.Stage[] intervalStages = new PipelineMetrics.Stage[STAGES];
        for (int i = 0; i < STAGES; i++) {
            totalStages[i] = new PipelineMetrics.Stage(totals[i]);
            intervalStages[i] = new PipelineMetrics.Stage(interval[i]);
            interval[i].reset();
        }
        final long nowMs = System.currentTimeMillis();
        final long fromMs = intervalStartMs;
        intervalStartMs = nowMs;
        Map<String, PipelineMetrics.SetCounts> counts = new LinkedHashMap<>();
        for (SetRuntime s : core.sets()) {
            int i = s.index();
            long[] bad = new long[BadRecordReason.values().length];
            for (BadRecordReason r : BadRecordReason.values()) {
                bad[r.ordinal()] = core.count(i, CounterIds.BAD_BASE + r.ordinal());
            }
            RowStore store = s.store();
            long rows = store.size();
            long capacity = store.capacity();
            StoreFillWatch watch = s.fill();
            // The snapshot checks the fill too (the warning is logged once per crossing, whoever sees it first).
            PipelineMetrics.StoreFill fill = new PipelineMetrics.StoreFill(rows, capacity,
                watch.checkNow(rows, capacity), watch.waitingShards());
            counts.put(s.featureSet().name(), new PipelineMetrics.SetCounts(core.count(i, CounterIds.APPLIED),
                core.count(i, CounterIds.LATE), core.count(i, CounterIds.DUPLICATES),
                core.count(i, CounterIds.SKIPPED), core.count(i, CounterIds.DEAD_LETTERED), bad,
                core.count(i, CounterIds.FULL_WAITS), fill, core.count(i, CounterIds.DELETED)));
        }
        long pauses = 0;
        for (IngestLoop l : core.loops()) {
            pauses += l.pauses();
        }
        return new PipelineMetrics(nowMs, counts, totalStages, fromMs, intervalStages,
            new HashMap<>(core.lagBoard().lag()), pauses);
    }

    private void drainRecorders() {
        for (IngestLoop l : core.loops()) {
            drain(l.eventToBrokerMs(), 0);
            drain(l.brokerToPollMs(), 1);
        }
        for (ShardApplier a : core.appliers()) {
            Histogram[] bySet = a.pollToAppliedUs().intervalHistograms();
            for (int set = 0; set < bySet.length; set++) {
                interval[2].add(bySet[set]);
                totals[2].add(bySet[set]);
                applyTotals[set].add(bySet[set]);
            }
        }
    }

    private void drain(StageRecorder r, int stage) {
        Histogram h = r.intervalHistogram();
        interval[stage].add(h);
        totals[stage].add(h);
    }
}
