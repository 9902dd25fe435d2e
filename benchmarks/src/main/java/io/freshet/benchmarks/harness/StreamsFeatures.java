package io.freshet.benchmarks.harness;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The Kafka Streams peer of the ingest and freshness harnesses: count and sum of the amount per user over a 5-minute
 * window, one aggregate (count, sum, send time of the latest event; {@value #AGG_BYTES} bytes) per user and window in
 * a RocksDB window store, with Streams' defaults apart from what FACTS.md says a fair comparison needs:
 * {@code commit.interval.ms=100} and record caching off (so each event reaches the store, and downstream, at once),
 * one stream thread. The changelog stays on, as in any production Streams app.
 *
 * <p>Windows: {@link WindowKind#TUMBLING} (the cheapest for Streams: one window per event; the default) or
 * {@link WindowKind#HOPPING} with a 10 s advance (30 windows per event — the granularity of Freshet's sliding window
 * with 10 s tiles). Grace 1 min. Thread-safety: build-time only; the callbacks run on the stream thread.
 */
final class StreamsFeatures {
    /** Name of the window store. */
    static final String STORE = "features_5m";
    /** Aggregate value: count (long), sum (double), send nanos of the latest event (long). */
    static final int AGG_BYTES = 24;
    /** Window length. */
    static final Duration WINDOW = Duration.ofMinutes(5);
    /** Hop of {@link WindowKind#HOPPING}: Freshet's default tile of a 5 min window. */
    static final Duration HOP = Duration.ofSeconds(10);
    /** Grace for out-of-order events. */
    static final Duration GRACE = Duration.ofMinutes(1);

    /** Window shape. */
    enum WindowKind {
        /** Non-overlapping 5 min windows. */
        TUMBLING,
        /** 5 min windows every 10 s. */
        HOPPING
    }

    /** Called on the stream thread, after the store holds the new aggregate. */
    interface Applied {
        /**
         * @param userId key
         * @param aggregate the new aggregate (see {@link #AGG_BYTES})
         */
        void applied(long userId, byte[] aggregate);
    }

    private StreamsFeatures() {
    }

    /**
     * @param topic input topic of {@link PaymentCodec} records
     * @param kind window shape
     * @param onInput called for every input record, before aggregation (counts consumption)
     * @param onApplied called after each aggregate update
     * @return the topology
     */
    static Topology topology(String topic, WindowKind kind, Runnable onInput, Applied onApplied) {
        TimeWindows windows = TimeWindows.ofSizeAndGrace(WINDOW, GRACE);
        if (kind == WindowKind.HOPPING) {
            windows = windows.advanceBy(HOP);
        }
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(topic, Consumed.with(Serdes.Long(), Serdes.ByteArray()))
            .peek((k, v) -> onInput.run())
            .groupByKey(Grouped.with(Serdes.Long(), Serdes.ByteArray()))
            .windowedBy(windows)
            .aggregate(() -> new byte[AGG_BYTES], (k, v, agg) -> {
                ByteBuffer a = ByteBuffer.allocate(AGG_BYTES);
                ByteBuffer old = ByteBuffer.wrap(agg);
                a.putLong(0, old.getLong(0) + 1);
                a.putDouble(8, old.getDouble(8) + PaymentCodec.amount(v));
                a.putLong(16, PaymentCodec.sendNanos(v));
                return a.array();
            }, Materialized.<Long, byte[], WindowStore<Bytes, byte[]>>as(STORE)
                .withKeySerde(Serdes.Long()).withValueSerde(Serdes.ByteArray()).withCachingDisabled())
            .toStream()
            .foreach((w, agg) -> onApplied.applied(w.key(), agg));
        return builder.build();
    }

    /**
     * @param bootstrap bootstrap servers
     * @param appId application id (unique per run: a group and internal topics)
     * @param stateDir state directory
     * @return the app's properties
     */
    static Properties props(String bootstrap, String appId, Path stateDir) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        return p;
    }
}
