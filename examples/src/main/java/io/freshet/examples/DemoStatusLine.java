package io.freshet.examples;

import io.freshet.kafka.FeaturePipeline;
import io.freshet.kafka.PipelineMetrics;
import io.freshet.kafka.SetStatus;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The demo's status line, printed once a second: rates since the previous line, consumer lag, the freshness probes'
 * p99 of the last interval, rows in the store and the set's state. Each line is also a point of the live page's
 * {@link LiveSeries}, with the p50 and p99 of every freshness stage. Used by the demo's owner thread only.
 */
final class DemoStatusLine {
    private static final int PRODUCE_TO_READABLE = 3;

    private final FeaturePipeline pipeline;
    private final PaymentProducer producer;
    private final FreshnessProbe probe;
    private final PrintStream out;
    private final LiveSeries series;
    private final long startNs;
    private long lastNs;
    private long lastSent;
    private long lastApplied;

    /**
     * @param appliedBeforeStart records the pipeline had applied when production started
     * @param startNs when production started, {@link System#nanoTime()}
     */
    DemoStatusLine(FeaturePipeline pipeline, PaymentProducer producer, FreshnessProbe probe, PrintStream out,
        LiveSeries series, long appliedBeforeStart, long startNs) {
        this.pipeline = pipeline;
        this.producer = producer;
        this.probe = probe;
        this.out = out;
        this.series = series;
        this.startNs = startNs;
        this.lastNs = startNs;
        this.lastApplied = appliedBeforeStart;
    }

    /**
     * Prints the line of the second that ends now and adds it to the live page's series.
     *
     * @param now {@link System#nanoTime()} now
     */
    void print(long now) {
        LiveSeries.Point p = sample(now);
        out.printf(Locale.ROOT, "[%3ds] produced %,7.0f/s  applied %,7.0f/s  lag %,6d  freshness p99 %s"
            + "  keys %,8d  %s%n", Math.round(p.seconds()), p.producedPerS(), p.appliedPerS(), p.lag(),
            Double.isNaN(p.p99Ms()[PRODUCE_TO_READABLE]) ? "   -   "
                : String.format(Locale.ROOT, "%5.1f ms", p.p99Ms()[PRODUCE_TO_READABLE]),
            p.storeRows(), p.state());
    }

    /**
     * Takes the pipeline's snapshot (which starts its next interval), the probes of the interval and the producer's
     * count, and adds the point to the live page's series.
     *
     * @param now {@link System#nanoTime()} now
     * @return the point of the interval that ends now
     */
    LiveSeries.Point sample(long now) {
        PipelineMetrics m = pipeline.metrics();
        long sent = producer.sent() + producer.sentOutOfBand();
        long applied = m.applied();
        double dt = Math.max(now - lastNs, 1) / 1e9;
        SetStatus st = pipeline.status(RiskFeatures.USER_RISK);
        PipelineMetrics.SetCounts counts = m.set(RiskFeatures.USER_RISK.name());
        Histogram fresh = probe.intervalHistogram();
        double[] p50 = new double[LiveSeries.STAGES.length];
        double[] p99 = new double[LiveSeries.STAGES.length];
        // The pipeline's stages: event -> broker and broker -> poll in ms, poll -> applied in µs.
        stage(m.intervalEventToBroker(), 1, 0, p50, p99);
        stage(m.intervalBrokerToPoll(), 1, 1, p50, p99);
        stage(m.intervalPollToApplied(), 1000, 2, p50, p99);
        boolean probed = fresh.getTotalCount() > 0;
        p50[PRODUCE_TO_READABLE] = probed ? fresh.getValueAtPercentile(50) / 1000.0 : Double.NaN;
        p99[PRODUCE_TO_READABLE] = probed ? fresh.getValueAtPercentile(99) / 1000.0 : Double.NaN;
        LiveSeries.Point p = new LiveSeries.Point((now - startNs) / 1e9, (sent - lastSent) / dt,
            (applied - lastApplied) / dt, lag(m), p50, p99, sent, applied, counts.badRecords(), probe.timeouts(),
            pipeline.storeRows(RiskFeatures.USER_RISK), counts.storeCapacity(), st.state().name(), st.reason());
        series.add(p);
        lastNs = now;
        lastSent = sent;
        lastApplied = applied;
        return p;
    }

    private static void stage(PipelineMetrics.Stage s, double perMs, int index, double[] p50, double[] p99) {
        p50[index] = s.count() == 0 ? Double.NaN : s.p50() / perMs;
        p99[index] = s.count() == 0 ? Double.NaN : s.p99() / perMs;
    }

    /** @return records behind over every partition, -1 while a partition's lag is unknown */
    private static long lag(PipelineMetrics m) {
        long lag = 0;
        for (Map.Entry<?, Long> e : m.lagByPartition().entrySet()) {
            if (e.getValue() < 0) {
                return -1;
            }
            lag += e.getValue();
        }
        return lag;
    }
}
