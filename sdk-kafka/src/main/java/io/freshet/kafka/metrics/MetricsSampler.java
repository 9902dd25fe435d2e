package io.freshet.kafka.metrics;

import io.freshet.core.internal.ServedAges;
import io.freshet.kafka.SetStatus;
import io.freshet.kafka.internal.PipelineTelemetry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.apache.kafka.common.TopicPartition;

/**
 * The state every meter of one binding reads: cumulative figures for counters and timers, and percentiles over the
 * last window, both refreshed by the binding's thread ({@link #refresh}) so that a scrape only reads fields. Stage
 * percentiles and the per-set apply latency (the poll → applied stage of each set's records) come from the
 * pipeline's own HdrHistogram recorders (differences of cumulative copies: nothing is recorded twice), served ages
 * and read latency from the readers' {@link ServedAges}.
 *
 * <p>Threading: {@link #refresh} from the binding's thread; the getters from any thread (a scrape), reading
 * published immutable {@link Figures}. Allocation: per refresh.
 */
final class MetricsSampler {
    /** Stages: the pipeline's three, then applied → served from the readers. */
    static final String[] STAGES = {"event_to_broker", "broker_to_poll", "poll_to_applied", "applied_to_served"};
    static final int APPLIED_TO_SERVED = 3;
    static final double[] QUANTILES = {0.5, 0.9, 0.99, 0.999};
    /** Largest age kept in a histogram: a week in ms (larger ones count as a week). */
    private static final long HIGHEST_MS = 7L * 24 * 3600 * 1000;
    /** Longest read kept in a histogram: a minute in ns (longer ones count as a minute). */
    private static final long HIGHEST_READ_NS = TimeUnit.MINUTES.toNanos(1);

    final PipelineTelemetry telemetry;
    private final int sets;
    private final ServedAges[] served;
    private final Histogram[] stagesNow = new Histogram[PipelineTelemetry.STAGES];
    private Histogram[] stagesBefore = new Histogram[PipelineTelemetry.STAGES];
    private final long[][] agesBefore;
    private final long[][] sinceApplyBefore;
    private final long[][] agesTotal;
    private final long[][] sinceApplyTotal;
    private final long[][] readNsBefore;
    private final long[][] readNsTotal;
    private final Histogram[] applyNow;
    private Histogram[] applyBefore;
    private volatile Figures figures;

    /** One refresh's figures: immutable once published. */
    static final class Figures {
        /** Per stage: values since start. */
        final long[] stageCount = new long[STAGES.length];
        /** Per stage: sum of values since start, in the stage's unit. */
        final double[] stageSum = new double[STAGES.length];
        /** Per stage, per quantile, over the last window (NaN when the window saw no value); then the max. */
        final double[][] stageWindow = new double[STAGES.length][QUANTILES.length + 1];
        final long[] servedCount;
        final double[] servedSumMs;
        /** Per set, per quantile then max, ms over the last window. */
        final double[][] servedWindow;
        /** Per set: poll → applied of its records, count and sum (µs) since start; per quantile then max (µs). */
        final long[] applyCount;
        final double[] applySumUs;
        final double[][] applyWindow;
        /** Per set: reads timed, count and sum (ns) since start; per quantile then max (ns) over the last window. */
        final long[] readCount;
        final double[] readSumNs;
        final double[][] readWindow;
        final SetStatus[] status;
        final long[] storeRows;
        final long[] storeCapacity;
        Map<TopicPartition, Long> lag = Map.of();

        Figures(int sets) {
            servedCount = new long[sets];
            servedSumMs = new double[sets];
            servedWindow = new double[sets][QUANTILES.length + 1];
            applyCount = new long[sets];
            applySumUs = new double[sets];
            applyWindow = new double[sets][QUANTILES.length + 1];
            readCount = new long[sets];
            readSumNs = new double[sets];
            readWindow = new double[sets][QUANTILES.length + 1];
            status = new SetStatus[sets];
            storeRows = new long[sets];
            storeCapacity = new long[sets];
        }
    }

    MetricsSampler(PipelineTelemetry telemetry) {
        this.telemetry = telemetry;
        this.sets = telemetry.sets().size();
        this.served = new ServedAges[sets];
        this.agesBefore = new long[sets][ServedAges.BUCKETS];
        this.sinceApplyBefore = new long[sets][ServedAges.BUCKETS];
        this.agesTotal = new long[sets][ServedAges.BUCKETS];
        this.sinceApplyTotal = new long[sets][ServedAges.BUCKETS];
        this.readNsBefore = new long[sets][ServedAges.BUCKETS];
        this.readNsTotal = new long[sets][ServedAges.BUCKETS];
        this.applyNow = new Histogram[sets];
        this.applyBefore = new Histogram[sets];
        for (int s = 0; s < sets; s++) {
            applyNow[s] = new Histogram(3);
            applyBefore[s] = new Histogram(3);
        }
        for (int i = 0; i < PipelineTelemetry.STAGES; i++) {
            stagesNow[i] = new Histogram(3);
            stagesBefore[i] = new Histogram(3);
        }
        for (int s = 0; s < sets; s++) {
            served[s] = telemetry.recordServedAges(s);
        }
        refresh();
    }

    /** Stops the readers' recording (the binding closed). */
    void stopRecording() {
        for (int s = 0; s < sets; s++) {
            telemetry.stopServedAges(s, served[s]);
        }
    }

    /** Takes new figures: cumulative counts, the window since the previous refresh, status, store fill and lag. */
    synchronized void refresh() {
        Figures f = new Figures(sets);
        telemetry.copyStages(stagesNow, applyNow);
        for (int i = 0; i < PipelineTelemetry.STAGES; i++) {
            Histogram total = stagesNow[i];
            f.stageCount[i] = total.getTotalCount();
            f.stageSum[i] = total.getMean() * total.getTotalCount();
            Histogram window = total.copy();
            window.subtract(stagesBefore[i]);
            windowFigures(window, f.stageWindow[i]);
        }
        Histogram[] swap = stagesBefore;
        stagesBefore = new Histogram[swap.length];
        for (int i = 0; i < swap.length; i++) {
            stagesBefore[i] = stagesNow[i].copy();
        }
        for (int s = 0; s < sets; s++) {
            Histogram total = applyNow[s];
            f.applyCount[s] = total.getTotalCount();
            f.applySumUs[s] = total.getMean() * total.getTotalCount();
            Histogram window = total.copy();
            window.subtract(applyBefore[s]);
            windowFigures(window, f.applyWindow[s]);
            applyBefore[s] = total.copy();
        }
        Histogram appliedToServedWindow = new Histogram(1, HIGHEST_MS, 2);
        Histogram appliedToServedTotal = new Histogram(1, HIGHEST_MS, 2);
        for (int s = 0; s < sets; s++) {
            served[s].copyCounts(agesTotal[s], sinceApplyTotal[s]);
            Histogram ageTotal = new Histogram(1, HIGHEST_MS, 2);
            Histogram ageWindow = new Histogram(1, HIGHEST_MS, 2);
            ServedAges.addDifference(agesTotal[s], new long[ServedAges.BUCKETS], ageTotal);
            ServedAges.addDifference(agesTotal[s], agesBefore[s], ageWindow);
            ServedAges.addDifference(sinceApplyTotal[s], new long[ServedAges.BUCKETS], appliedToServedTotal);
            ServedAges.addDifference(sinceApplyTotal[s], sinceApplyBefore[s], appliedToServedWindow);
            System.arraycopy(agesTotal[s], 0, agesBefore[s], 0, ServedAges.BUCKETS);
            System.arraycopy(sinceApplyTotal[s], 0, sinceApplyBefore[s], 0, ServedAges.BUCKETS);
            served[s].copyReadNs(readNsTotal[s]);
            Histogram readTotal = new Histogram(1, HIGHEST_READ_NS, 2);
            Histogram readWindow = new Histogram(1, HIGHEST_READ_NS, 2);
            ServedAges.addDifference(readNsTotal[s], new long[ServedAges.BUCKETS], readTotal);
            ServedAges.addDifference(readNsTotal[s], readNsBefore[s], readWindow);
            System.arraycopy(readNsTotal[s], 0, readNsBefore[s], 0, ServedAges.BUCKETS);
            f.readCount[s] = readTotal.getTotalCount();
            f.readSumNs[s] = readTotal.getMean() * readTotal.getTotalCount();
            windowFigures(readWindow, f.readWindow[s]);
            f.servedCount[s] = ageTotal.getTotalCount();
            f.servedSumMs[s] = ageTotal.getMean() * ageTotal.getTotalCount();
            windowFigures(ageWindow, f.servedWindow[s]);
            f.status[s] = telemetry.status(s);
            f.storeRows[s] = Math.max(0, f.status[s].storeRows());
            f.storeCapacity[s] = Math.max(0, f.status[s].storeCapacity());
        }
        f.stageCount[APPLIED_TO_SERVED] = appliedToServedTotal.getTotalCount();
        f.stageSum[APPLIED_TO_SERVED] = appliedToServedTotal.getMean() * appliedToServedTotal.getTotalCount();
        windowFigures(appliedToServedWindow, f.stageWindow[APPLIED_TO_SERVED]);
        f.lag = telemetry.lag();
        figures = f;
    }

    private static void windowFigures(Histogram window, double[] into) {
        boolean empty = window.getTotalCount() == 0;
        for (int q = 0; q < QUANTILES.length; q++) {
            into[q] = empty ? Double.NaN : window.getValueAtPercentile(QUANTILES[q] * 100);
        }
        into[QUANTILES.length] = empty ? Double.NaN : window.getMaxValue();
    }

    /** @return the figures of the last refresh */
    Figures figures() {
        return figures;
    }

    /** @return the partitions the last refresh saw, with their lag */
    List<Map.Entry<TopicPartition, Long>> lag() {
        return new ArrayList<>(figures.lag.entrySet());
    }
}
