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
 * p99 of the last interval, rows in the store and the set's state. Used by the demo's owner thread only.
 */
final class DemoStatusLine {
    private final FeaturePipeline pipeline;
    private final PaymentProducer producer;
    private final FreshnessProbe probe;
    private final PrintStream out;
    private final long startNs;
    private long lastNs;
    private long lastSent;
    private long lastApplied;

    /**
     * @param appliedBeforeStart records the pipeline had applied when production started
     * @param startNs when production started, {@link System#nanoTime()}
     */
    DemoStatusLine(FeaturePipeline pipeline, PaymentProducer producer, FreshnessProbe probe, PrintStream out,
        long appliedBeforeStart, long startNs) {
        this.pipeline = pipeline;
        this.producer = producer;
        this.probe = probe;
        this.out = out;
        this.startNs = startNs;
        this.lastNs = startNs;
        this.lastApplied = appliedBeforeStart;
    }

    /** @param now {@link System#nanoTime()} now */
    void print(long now) {
        PipelineMetrics m = pipeline.metrics();
        long sent = producer.sent() + producer.sentOutOfBand();
        long applied = m.applied();
        double dt = (now - lastNs) / 1e9;
        SetStatus st = pipeline.status(RiskFeatures.USER_RISK);
        Histogram fresh = probe.intervalHistogram();
        out.printf(Locale.ROOT, "[%3ds] produced %,7.0f/s  applied %,7.0f/s  lag %,6d  freshness p99 %s"
            + "  keys %,8d  %s%n", Math.round((now - startNs) / 1e9), (sent - lastSent) / dt,
            (applied - lastApplied) / dt, lag(m), fresh.getTotalCount() == 0 ? "   -   "
                : String.format(Locale.ROOT, "%5.1f ms", fresh.getValueAtPercentile(99) / 1000.0),
            pipeline.storeRows(RiskFeatures.USER_RISK), st.state());
        lastNs = now;
        lastSent = sent;
        lastApplied = applied;
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
