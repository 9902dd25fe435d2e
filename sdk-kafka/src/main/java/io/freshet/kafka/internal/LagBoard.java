package io.freshet.kafka.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;

/**
 * The lag the consumer threads publish, per partition, and the requests for a fresh caught-up verdict. Consumers
 * write it and call {@link #refreshed()}; the status monitor and {@code awaitCaughtUp} read it.
 *
 * <p>Threading: any thread.
 */
public final class LagBoard {
    /** Partition → consumer lag (records), as last published by the owning consumer thread. */
    final Map<TopicPartition, Long> lag = new ConcurrentHashMap<>();
    /** Partition → its newest FreshnessProbe heartbeat (an entry once the first one arrives). */
    final Map<TopicPartition, HeartbeatSeen> heartbeats = new ConcurrentHashMap<>();
    /** Bumped by awaitCaughtUp: each loop answers with a fresh end-offset comparison. */
    volatile long request;
    private volatile Runnable onRefresh;

    /** @param listener run by consumer threads after each lag refresh; must be cheap, thread-safe, allocation-free */
    public void onRefresh(Runnable listener) {
        this.onRefresh = listener;
    }

    void refreshed() {
        Runnable l = onRefresh;
        if (l != null) {
            l.run();
        }
    }

    /** @return the newest heartbeat per partition that has seen one (live view) */
    public Map<TopicPartition, HeartbeatSeen> heartbeats() {
        return heartbeats;
    }

    /** @return the published lag per partition (live view) */
    public Map<TopicPartition, Long> lag() {
        return lag;
    }
}
