package io.freshet.kafka.internal;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;

/**
 * One consumer thread's lag: the consumer's own (its last fetch answer's end offset minus its position, plus the
 * records kept pending under back-pressure), except that when no fetch response at all arrived for max(5 s, 3 ×
 * {@code fetch.max.wait.ms} + 1 s) while some partition is not paused (broker down or unreachable) the lag is
 * unknown (-1), so the set reports CATCHING_UP rather than a lag frozen at its last value. Also answers the
 * caught-up checks of {@code awaitCaughtUp} with fresh positions.
 *
 * <p>Threading: {@link #refresh} and {@link #answer} on the consumer thread; the volatile verdicts from any thread.
 * Allocation: per refresh (kafka-clients' lag lookups), a few times a second.
 */
final class LagProbe {
    /** Shortest fetch silence (no fetch response at all) after which the lag counts as unknown, ms. */
    private static final long FETCH_SILENCE_MIN_MS = 5_000;
    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(5);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final PartitionTable table;
    private final LagBoard board;
    private final long fetchSilenceNs;
    /** The consumer's count of fetch responses (null until found), and when it last moved. */
    private Metric fetchResponses;
    private boolean fetchResponsesLookedUp;
    private double lastFetchResponses = -1;
    private long lastFetchResponseNs;
    /** Caught up as of the last refresh (lag 0 everywhere, nothing paused). */
    volatile boolean caughtUp;
    volatile long answeredRequest;
    volatile Map<TopicPartition, Long> answeredPositions = Map.of();
    volatile boolean answeredCaughtUp;

    /**
     * @param fetchMaxWaitMs the consumer's {@code fetch.max.wait.ms}
     */
    LagProbe(KafkaConsumer<byte[], byte[]> consumer, PartitionTable table, LagBoard board, long fetchMaxWaitMs) {
        this.consumer = consumer;
        this.table = table;
        this.board = board;
        // An idle broker still answers every fetch within fetch.max.wait.ms (default 500 ms): a consumer that heard
        // nothing for several of those cannot know its lag, whatever its last answer said.
        this.fetchSilenceNs = TimeUnit.MILLISECONDS.toNanos(Math.max(FETCH_SILENCE_MIN_MS,
            3 * fetchMaxWaitMs + 1_000));
    }

    /** Publishes every assigned partition's lag and this consumer's caught-up verdict. */
    void refresh() {
        boolean all = true;
        final boolean silent = fetchSilent(System.nanoTime());
        for (int i = 0, n = table.assigned.size(); i < n; i++) {
            PartitionState ps = table.assigned.get(i);
            OptionalLong l = consumer.currentLag(ps.tp);
            if (silent && !ps.paused) {
                // The consumer's lag is its last fetch answer's: during a broker outage it would say 0 for ever.
                ps.lag = -1;
            } else if (l.isPresent() && l.getAsLong() >= 0) {
                ps.lag = l.getAsLong() + ps.pendingCount();
            } else {
                // Unknown locally: no fetch answer yet, or (seen after seeking to the store's offsets) an end offset
                // cached from before the seek, which makes the lag negative. Keep the last published verdict,
                // which awaitCaughtUp may have made fresher than anything this consumer knows.
                Long published = board.lag.get(ps.tp);
                if (published != null) {
                    ps.lag = published;
                }
            }
            if (ps.lag != 0 || ps.paused) {
                all = false;
            }
            board.lag.put(ps.tp, ps.lag);
        }
        caughtUp = all;
        board.refreshed();
    }

    /**
     * @param nowNs now, {@link System#nanoTime()}
     * @return true when fetching partitions got no fetch response for longer than the silence bound (broker down
     *     or unreachable): their lag is unknown
     */
    private boolean fetchSilent(long nowNs) {
        if (!fetchResponsesLookedUp) {
            fetchResponsesLookedUp = true;
            lastFetchResponseNs = nowNs;
            for (Map.Entry<MetricName, ? extends Metric> e : consumer.metrics().entrySet()) {
                MetricName n = e.getKey();
                if ("fetch-total".equals(n.name()) && "consumer-fetch-manager-metrics".equals(n.group())) {
                    fetchResponses = e.getValue();
                }
            }
        }
        if (fetchResponses == null) {
            return false; // a client without the metric: no verdict rather than a wrong one
        }
        Object v = fetchResponses.metricValue();
        double count = v instanceof Number ? ((Number) v).doubleValue() : -1;
        if (count != lastFetchResponses || table.paused.size() == table.assigned.size()) {
            // Fully paused consumers do not fetch: their silence says nothing about the broker.
            lastFetchResponses = count;
            lastFetchResponseNs = nowNs;
            return false;
        }
        return nowNs - lastFetchResponseNs > fetchSilenceNs;
    }

    /**
     * Publishes this consumer's positions (records before them routed, markers flushed) for a caught-up check.
     * Local calls only: a ListOffsets request here would queue behind the long-polling fetch on the same
     * connection, so the end offsets are read by the waiting thread through the admin client instead.
     *
     * @return the exception that left the answer "paused" (to log), or null
     */
    KafkaException answer(long request) {
        table.flushMarkers(table.assigned, true);
        Map<TopicPartition, Long> positions = new HashMap<>();
        boolean anyPaused = false;
        KafkaException error = null;
        try {
            for (PartitionState ps : table.assigned) {
                positions.put(ps.tp, consumer.position(ps.tp, METADATA_TIMEOUT) - ps.pendingCount());
                anyPaused |= ps.paused;
            }
        } catch (KafkaException e) {
            error = e;
            anyPaused = true;
        }
        answeredPositions = positions;
        answeredCaughtUp = !anyPaused && table.assignedOnce;
        answeredRequest = request;
        return error;
    }
}
