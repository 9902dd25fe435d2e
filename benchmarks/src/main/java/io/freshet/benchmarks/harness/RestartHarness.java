package io.freshet.benchmarks.harness;

import io.freshet.benchmarks.peers.KeySequence;
import io.freshet.testkit.FreshetKafka;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.CloseOptions.GroupMembershipOperation;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.Stores;

/*
 * Run (after `mvn -q -pl benchmarks -am package -DskipTests -Dfreshet.skipBenchSmoke=true`):
 *
 *   java -Xmx6g -cp benchmarks/target/benchmarks.jar io.freshet.benchmarks.harness.RestartHarness \
 *       --keys 10000000 --out benchmarks/target/comparison/restart.json
 */

/**
 * Restart to serving: the time from starting a Kafka Streams app that owns a {@code --keys}-entry RocksDB key-value
 * store to its first consistent read — every one of {@code --probes} random keys returns exactly the value written.
 * <ul>
 *   <li><b>cold</b>: empty state directory, so Streams restores the store from its changelog topic — a new host, a
 *       lost disk, or any unclean stop under {@code exactly_once_v2} (which wipes local state);</li>
 *   <li><b>warm</b>: the same app restarted after a clean close (leaving the group, so that the restart does not
 *       wait out the old member's session), local RocksDB and checkpoint intact.</li>
 * </ul>
 * The changelog is written directly (compacted topic {@code <app>-rows-changelog}, {@code --partitions} partitions,
 * key = user id as {@code Serdes.Long}, value = a {@code --value-bytes} row, partitioned as Streams would): the
 * content Streams itself writes for {@code stream(in).toTable(Materialized.as(persistentTimestampedKeyValueStore))},
 * without an hour of ingest to get there. Timings are in-process (no JVM start) and include the group join.
 * Freshet's row ({@link FreshetHooks#restart}): a table-engine store of the same number of rows of the same size
 * ({@code --value-bytes} defaults to that row's size), reopened after a clean close.
 */
public final class RestartHarness {
    private static final String USAGE = "RestartHarness [--keys N] [--value-bytes N] [--partitions N] [--probes N] "
        + "[--out file.json]";
    private static final String STORE = "rows";
    private static final long TIMEOUT_MS = Duration.ofMinutes(20).toMillis();

    private RestartHarness() {
    }

    /**
     * @param args see the class comment
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        Args a = new Args(args, USAGE, "keys", "value-bytes", "partitions", "probes", "out");
        long keys = a.longValue("keys", 10_000_000);
        int valueBytes = a.intValue("value-bytes", FreshetHooks.restartSet().rowSizeBytes());
        int partitions = a.intValue("partitions", 4);
        int probes = a.intValue("probes", 1_000);
        Path out = Path.of(a.string("out", "benchmarks/target/comparison/restart.json"));
        if (valueBytes < Long.BYTES) {
            throw new IllegalArgumentException("value-bytes=" + valueBytes + " must hold the 8-byte key");
        }
        Harness.quietLogging();

        Map<String, Object> result = Harness.result("restart");
        result.put("keys", keys);
        result.put("valueBytes", valueBytes);
        result.put("partitions", partitions);
        result.put("probes", probes);
        List<Object> rows = new ArrayList<>();
        result.put("rows", rows);
        String appId = "restart-" + System.currentTimeMillis();
        try (FreshetKafka broker = FreshetKafka.embedded().start()) {
            String input = appId + "-in";
            String changelog = appId + "-" + STORE + "-changelog";
            broker.createTopic(input, partitions);
            broker.createTopic(changelog, partitions, Map.of("cleanup.policy", "compact"));
            long t0 = System.nanoTime();
            fillChangelog(broker.bootstrapServers(), changelog, keys, valueBytes);
            double fillSeconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf("changelog filled: %,d keys in %.1f s%n", keys, fillSeconds);
            result.put("changelogFillSeconds", fillSeconds);

            long[] probeIndex = new SplittableRandom(Harness.SEED).longs(probes, 0, keys).toArray();
            Path stateDir = Harness.tempDir("freshet-restart-streams-");
            try {
                Map<String, Object> cold = restart("kafka-streams cold (changelog restore)", broker, appId, input,
                    stateDir, probeIndex, valueBytes);
                rows.add(cold);
                System.out.println(cold);
                Map<String, Object> warm = restart("kafka-streams warm (local state kept)", broker, appId, input,
                    stateDir, probeIndex, valueBytes);
                rows.add(warm);
                System.out.println(warm);
            } finally {
                Harness.deleteRecursively(stateDir);
            }
            Map<String, Object> freshet = FreshetHooks.restart(keys, probeIndex);
            rows.add(freshet);
            System.out.println(freshet);
        }
        Harness.write(out, result);
    }

    /** The value stored under key index {@code i}: the key, then pseudo-random bytes. */
    static byte[] value(long key, int valueBytes) {
        byte[] v = new byte[valueBytes];
        new SplittableRandom(key).nextBytes(v);
        ByteBuffer.wrap(v).putLong(0, key);
        return v;
    }

    private static void fillChangelog(String bootstrap, String topic, long keys, int valueBytes) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024);
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 256L * 1024 * 1024);
        AtomicReference<Exception> failure = new AtomicReference<>();
        long ts = System.currentTimeMillis();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
            new ByteArraySerializer())) {
            for (long i = 0; i < keys; i++) {
                long key = KeySequence.keyOf(i);
                byte[] k = ByteBuffer.allocate(Long.BYTES).putLong(key).array();
                producer.send(new ProducerRecord<>(topic, null, ts, k, value(key, valueBytes)), (md, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    }
                });
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("filling changelog=" + topic + " failed: " + failure.get(), failure.get());
        }
    }

    private static Topology topology(String input) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(input, Consumed.with(Serdes.Long(), Serdes.ByteArray()))
            .toTable(Materialized.<Long, byte[]>as(Stores.persistentTimestampedKeyValueStore(STORE))
                .withKeySerde(Serdes.Long()).withValueSerde(Serdes.ByteArray()).withCachingDisabled());
        return builder.build();
    }

    private static Map<String, Object> restart(String name, FreshetKafka broker, String appId, String input,
        Path stateDir, long[] probeIndex, int valueBytes) throws Exception {
        AtomicLong restored = new AtomicLong();
        AtomicLong restoreNanos = new AtomicLong();
        long t0 = System.nanoTime();
        KafkaStreams streams = new KafkaStreams(topology(input),
            StreamsFeatures.props(broker.bootstrapServers(), appId, stateDir));
        streams.setGlobalStateRestoreListener(new StateRestoreListener() {
            private final long[] started = new long[1];

            @Override
            public void onRestoreStart(TopicPartition tp, String store, long start, long end) {
                synchronized (started) {
                    if (started[0] == 0) {
                        started[0] = System.nanoTime();
                    }
                }
            }

            @Override
            public void onBatchRestored(TopicPartition tp, String store, long batchEnd, long n) {
                restored.addAndGet(n);
            }

            @Override
            public void onRestoreEnd(TopicPartition tp, String store, long total) {
                synchronized (started) {
                    restoreNanos.set(System.nanoTime() - started[0]);
                }
            }
        });
        long firstRead;
        long runningAt;
        try {
            streams.start();
            Harness.awaitRunning(streams, TIMEOUT_MS);
            runningAt = System.nanoTime();
            firstRead = awaitConsistentRead(streams, probeIndex, valueBytes);
        } finally {
            // Leave the group on close: otherwise the warm restart waits out the old member's session timeout (45 s),
            // which is Streams' behaviour without static membership but not what this harness compares.
            streams.close(CloseOptions.groupMembershipOperation(GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(60)));
        }
        Map<String, Object> row = Harness.row(name, "ok");
        row.put("secondsToFirstConsistentRead", (firstRead - t0) / 1e9);
        row.put("secondsToRunning", (runningAt - t0) / 1e9);
        row.put("recordsRestored", restored.get());
        row.put("restoreSeconds", restoreNanos.get() / 1e9);
        return row;
    }

    /** @return the time at which every probe first read back its exact value */
    private static long awaitConsistentRead(KafkaStreams streams, long[] probeIndex, int valueBytes)
        throws InterruptedException {
        long deadline = System.currentTimeMillis() + TIMEOUT_MS;
        String lastProblem = "";
        while (System.currentTimeMillis() < deadline) {
            try {
                ReadOnlyKeyValueStore<Long, byte[]> store = streams.store(StoreQueryParameters.fromNameAndType(STORE,
                    QueryableStoreTypes.keyValueStore()));
                boolean all = true;
                for (long i : probeIndex) {
                    long key = KeySequence.keyOf(i);
                    byte[] got = store.get(key);
                    if (got == null || !Arrays.equals(got, value(key, valueBytes))) {
                        all = false;
                        lastProblem = "key index=" + i + (got == null ? " missing" : " wrong value");
                        break;
                    }
                }
                if (all) {
                    return System.nanoTime();
                }
            } catch (InvalidStateStoreException e) {
                lastProblem = e.toString();
            }
            Thread.sleep(1);
        }
        throw new IllegalStateException("no consistent read within " + TIMEOUT_MS + " ms: " + lastProblem);
    }
}
