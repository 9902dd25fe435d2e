package io.freshet.kafka;

/**
 * Where a feature set stands against its freshness SLO ({@link FeaturePipelineBuilder#freshnessSlo}): the measured
 * percentile of its end-to-end freshness age over the window, against the bound. Immutable.
 *
 * <p>The age sampled is, per source partition the set reads, now minus the produce time of the newest
 * {@link FreshnessProbe} heartbeat the pipeline routed (now minus the pipeline's start before the first heartbeat),
 * the worst partition counting; an idle partition with heartbeats stays fresh, a stalled consumer or a stopped
 * probe grows it.
 */
public final class SloStatus {
    /** OK or BREACHED. */
    public enum State {
        /** The measured percentile is within the bound. */
        OK,
        /** The measured percentile exceeds the bound. */
        BREACHED
    }

    private final String set;
    private final State state;
    private final double percentile;
    private final long measuredMs;
    private final long boundMs;
    private final long windowMs;
    private final long sinceMs;

    SloStatus(String set, State state, double percentile, long measuredMs, long boundMs, long windowMs,
        long sinceMs) {
        this.set = set;
        this.state = state;
        this.percentile = percentile;
        this.measuredMs = measuredMs;
        this.boundMs = boundMs;
        this.windowMs = windowMs;
        this.sinceMs = sinceMs;
    }

    /** @return the feature set's name */
    public String set() {
        return set;
    }

    /** @return OK or BREACHED */
    public State state() {
        return state;
    }

    /** @return the SLO's percentile, e.g. 99 */
    public double percentile() {
        return percentile;
    }

    /** @return the measured percentile of the age over the window, ms (-1 before the first sample) */
    public long measuredMs() {
        return measuredMs;
    }

    /** @return the SLO's bound, ms */
    public long boundMs() {
        return boundMs;
    }

    /** @return the SLO's window, ms */
    public long windowMs() {
        return windowMs;
    }

    /** @return when the state last changed (epoch ms; the pipeline's start for the first state) */
    public long sinceMs() {
        return sinceMs;
    }

    @Override
    public String toString() {
        return "set=" + set + " freshness SLO " + state + ": p" + percentile + "=" + measuredMs + " ms "
            + (state == State.BREACHED ? ">" : "<=") + " bound=" + boundMs + " ms over window=" + windowMs + " ms";
    }
}
