package io.freshet.kafka.internal;

/**
 * The newest {@code FreshnessProbe} heartbeat a consumer routed from one partition: when the probe produced it (the
 * probe's wall clock) and when this pipeline routed it (after every earlier record of the partition). Written by the
 * partition's consumer thread, read by the SLO monitor and the metrics binder.
 *
 * <p>Threading: one writer, any readers. Allocation: none.
 */
public final class HeartbeatSeen {
    private volatile long producedMs = -1;
    private volatile long routedMs = -1;

    void seen(long produced, long routed) {
        producedMs = produced;
        routedMs = routed;
    }

    /** @return the newest heartbeat's produce time (epoch ms), -1 before the first */
    public long producedMs() {
        return producedMs;
    }

    /** @return when it was routed (epoch ms), -1 before the first */
    public long routedMs() {
        return routedMs;
    }
}
