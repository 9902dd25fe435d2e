package io.freshet.examples;

import io.freshet.core.FeatureReader;
import io.freshet.core.FeatureRef;
import io.freshet.core.FeatureVector;
import io.freshet.kafka.PipelineMetrics;
import io.freshet.kafka.SetStatus;
import java.io.PrintStream;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * What a fraud demo run did: totals, freshness per pipeline stage, sample responses and a table of risk scores, and
 * how the demo prints it. Immutable, so any thread may read it.
 */
public final class FraudDemoSummary {
    private final double producedForS;
    private final long produced;
    private final long probes;
    private final long appliedBeforeStart;
    private final long acked;
    private final long failed;
    private final long shortfall;
    private final PipelineMetrics metrics;
    private final long keys;
    private final boolean caughtUp;
    private final SetStatus status;
    private final Histogram freshness;
    private final long probeTimeouts;
    private final String featuresJson;
    private final String scoreJson;
    private final String scoreTable;

    FraudDemoSummary(double producedForS, long produced, long probes, long appliedBeforeStart, long acked, long failed,
        long shortfall, PipelineMetrics metrics, long keys, boolean caughtUp, SetStatus status, Histogram freshness,
        long probeTimeouts, String featuresJson, String scoreJson, String scoreTable) {
        this.producedForS = producedForS;
        this.produced = produced;
        this.probes = probes;
        this.appliedBeforeStart = appliedBeforeStart;
        this.acked = acked;
        this.failed = failed;
        this.shortfall = shortfall;
        this.metrics = metrics;
        this.keys = keys;
        this.caughtUp = caughtUp;
        this.status = status;
        this.freshness = freshness;
        this.probeTimeouts = probeTimeouts;
        this.featuresJson = featuresJson;
        this.scoreJson = scoreJson;
        this.scoreTable = scoreTable;
    }

    /** @return payments sent at the paced rate (probes not included) */
    public long produced() {
        return produced;
    }

    /** @return payments the broker acknowledged */
    public long acked() {
        return acked;
    }

    /** @return records the pipeline applied to the store */
    public long applied() {
        return metrics.set(RiskFeatures.USER_RISK.name()).applied();
    }

    /** @return rows in the store */
    public long keys() {
        return keys;
    }

    /** @return whether the pipeline had applied everything produced before the summary */
    public boolean caughtUp() {
        return caughtUp;
    }

    /** @return probes of produce -> readable, µs */
    public Histogram freshness() {
        return freshness;
    }

    /** @return the pipeline's final metrics */
    public PipelineMetrics metrics() {
        return metrics;
    }

    /** @return the {@code GET /features/1} response at the end */
    public String featuresJson() {
        return featuresJson;
    }

    /** @return the {@code GET /score/97} response at the end */
    public String scoreJson() {
        return scoreJson;
    }

    /** Scores of the busiest users next to risky ones, read through the pipeline's reader like the server does. */
    static String scoreTable(FeatureReader reader) {
        FeatureVector v = RiskFeatures.USER_RISK.newVector();
        RiskScore model = new RiskScore(RiskFeatures.USER_RISK);
        double[] x = new double[RiskScore.TERMS.size()];
        FeatureRef txn5m = RiskFeatures.USER_RISK.ref("txn_5m");
        FeatureRef declineRatio = RiskFeatures.USER_RISK.ref("decline_ratio_1h");
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "  %-8s %-7s %8s %16s %7s  %s%n", "user", "kind", "txn_5m",
            "decline_ratio_1h", "score", "band"));
        for (long user : new long[] {1, 2, 3, 97, 194, 291}) {
            reader.read(user, v);
            double score = model.evaluate(v, x);
            b.append(String.format(Locale.ROOT, "  %-8d %-7s %8d %16.3f %7.3f  %s (%s)%n", user,
                PaymentGenerator.isRisky(user) ? "risky" : "busiest", v.getLong(txn5m), v.getDouble(declineRatio),
                score, RiskScore.band(score), v.status()));
        }
        return b.toString();
    }

    void print(PrintStream out) {
        PipelineMetrics.SetCounts c = metrics.set(RiskFeatures.USER_RISK.name());
        PipelineMetrics.Stage poll = metrics.brokerToPoll();
        PipelineMetrics.Stage apply = metrics.pollToApplied();
        PipelineMetrics.Stage event = metrics.eventToBroker();
        out.println();
        out.printf(Locale.ROOT, "Summary: produced %,d payments in %.1f s (%,.0f/s), acked %,d, failed %,d,"
            + " not sent (producer behind) %,d%n", produced, producedForS, produced / producedForS, acked, failed,
            shortfall);
        out.printf(Locale.ROOT, "  pipeline: applied %,d records (the payments, %,d probes and %,d records already"
            + " in the topic; late for some window %,d, bad %,d), keys in store %,d, %s, status %s%n", c.applied(),
            probes, appliedBeforeStart, c.late(), c.badRecords(), keys,
            caughtUp ? "caught up" : "NOT caught up after " + FraudDemo.DRAIN_TIMEOUT_S + " s", status);
        out.printf(Locale.ROOT, "  freshness, produce -> readable (%,d probes, %d timed out), ms:"
            + "  p50 %.2f  p99 %.2f  p99.9 %.2f  max %.2f%n", freshness.getTotalCount(), probeTimeouts,
            freshness.getValueAtPercentile(50) / 1000.0, freshness.getValueAtPercentile(99) / 1000.0,
            freshness.getValueAtPercentile(99.9) / 1000.0, freshness.getMaxValue() / 1000.0);
        out.println("  pipeline stages over every record since start (warm-up included):");
        out.printf(Locale.ROOT, "    produce -> poll, ms:     p50 %,d  p99 %,d  p99.9 %,d  max %,d%n",
            poll.p50(), poll.p99(), poll.p999(), poll.max());
        out.printf(Locale.ROOT, "    poll -> applied, ms:     p50 %.3f  p99 %.3f  p99.9 %.3f  max %.3f%n",
            apply.p50() / 1000.0, apply.p99() / 1000.0, apply.p999() / 1000.0, apply.max() / 1000.0);
        out.printf(Locale.ROOT, "    event time -> broker, ms (the generator's 0-3 s event-time jitter): p50 %,d"
            + "  p99 %,d%n", event.p50(), event.p99());
        out.println("  GET /features/1  (the busiest user)");
        out.println(FeatureJson.pretty(featuresJson, "    "));
        out.println("  GET /score/97  (a risky user: ten times the usual declines)");
        out.println(FeatureJson.pretty(scoreJson, "    "));
        out.println("  risk scores (GET /score/{user}):");
        out.print(scoreTable);
    }
}
