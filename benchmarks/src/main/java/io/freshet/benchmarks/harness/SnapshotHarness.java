package io.freshet.benchmarks.harness;

import io.freshet.benchmarks.harness.FreshetHooks.MutablePayment;
import io.freshet.core.FeatureSet;
import io.freshet.core.StoreConfig;
import io.freshet.core.StoreGrowth;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.ShardWriter;
import io.freshet.kafka.FeaturePipeline;
import io.freshet.kafka.Source;
import io.freshet.kafka.StoreSnapshot;
import io.freshet.store.TableStoreEngine;
import io.freshet.testkit.FreshetKafka;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/*
 * Run (after `mvn -q -pl benchmarks -am package -DskipTests -Dfreshet.skipBenchSmoke=true`):
 *
 *   java -Xmx3g -cp benchmarks/target/benchmarks.jar io.freshet.benchmarks.harness.SnapshotHarness \
 *       --keys 10000000 --dir /dev/shm --out benchmarks/target/comparison/snapshot.json
 */

/**
 * Warm start from a snapshot versus a replay of the topic, and the cost of a snapshot to the writer.
 * <ul>
 *   <li><b>replay</b>: a topic of {@code --keys} records, one per key ({@code --partitions} partitions, 100-byte
 *       values), is applied by a pipeline (1 consumer, 2 appliers) into an empty table store: time from start to the
 *       last record applied (a new replica without a snapshot).</li>
 *   <li><b>snapshot</b>: {@code StoreSnapshot.of(pipeline, set).to(dir)} of that pipeline's store, the pipeline
 *       running and idle (its appliers copy in {@code maintain}).</li>
 *   <li><b>copy</b>: the snapshot directory copied file by file (the transfer to another host, here on one file
 *       system: a lower bound).</li>
 *   <li><b>restore</b>: a second pipeline opened on the copy: time from start to caught up; it must apply nothing
 *       (0 records replayed) and hold every key.</li>
 *   <li><b>apply cost</b>: in-process, one thread applies random updates through the store's shard writers to a
 *       store of {@code --apply-keys} rows while another takes snapshots; every apply is timed into a histogram by
 *       whether a snapshot was running, and the applying thread's allocated bytes are read before and after.</li>
 * </ul>
 * Stores live under {@code --dir} (default {@code /dev/shm}) and are deleted at the end.
 */
public final class SnapshotHarness {
    private static final String USAGE = "SnapshotHarness [--keys N] [--partitions N] [--apply-keys N] [--dir DIR] "
        + "[--out file.json]";
    private static final long TIMEOUT_MS = Duration.ofMinutes(30).toMillis();

    private SnapshotHarness() {
    }

    /** The set: lifetime aggregates only (a row of about a hundred bytes). */
    private static final FeatureSet<MutablePayment> SET = FeatureSet.builder("snapshot_rows", MutablePayment.class)
        .entity("user", MutablePayment::userId)
        .eventTime(MutablePayment::timeMs)
        .latest("last_amount", MutablePayment::amount)
        .count("txn_total")
        .sum("amount_total", MutablePayment::amount)
        .build();

    static FeatureSet<MutablePayment> set() {
        return SET;
    }

    /**
     * @param args see the class comment
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        Args a = new Args(args, USAGE, "keys", "partitions", "apply-keys", "dir", "out");
        long keys = a.longValue("keys", 10_000_000);
        int partitions = a.intValue("partitions", 4);
        long applyKeys = a.longValue("apply-keys", 2_000_000);
        Path base = Path.of(a.string("dir", "/dev/shm"));
        Path out = Path.of(a.string("out", "benchmarks/target/comparison/snapshot.json"));
        Harness.quietLogging();
        Map<String, Object> result = Harness.result("snapshot");
        result.put("keys", keys);
        result.put("partitions", partitions);
        result.put("dir", base.toString());
        Path work = Files.createTempDirectory(base, "freshet-snapshot-");
        try {
            result.put("warmStart", warmStart(keys, partitions, work));
            result.put("applyCost", applyCost(applyKeys, work.resolve("apply")));
        } finally {
            Harness.deleteRecursively(work);
        }
        System.out.println(result);
        Harness.write(out, result);
    }

    private static StoreConfig config(Path dir, long keys) {
        return StoreConfig.builder(set()).directory(dir).capacity(keys + keys / 10).shards(2)
            .growth(StoreGrowth.disabled()).build();
    }

    private static Properties consumerProps(String bootstrap) {
        Properties p = new Properties();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "10000");
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(64 * 1024 * 1024));
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(16 * 1024 * 1024));
        return p;
    }

    private static FeaturePipeline pipeline(String bootstrap, String topic, String id, Path store, long keys) {
        return FeaturePipeline.builder().kafka(consumerProps(bootstrap)).instanceId(id)
            .register(set(), new TableStoreEngine(), config(store, keys), Source.of(topic, FreshetHooks.decoder()))
            .consumerThreads(1).applierThreads(2).start();
    }

    private static Map<String, Object> warmStart(long keys, int partitions, Path work) throws Exception {
        Map<String, Object> row = Harness.row("freshet", "ok");
        FeatureSet<MutablePayment> set = set();
        try (FreshetKafka broker = FreshetKafka.embedded().start()) {
            String topic = "snapshot-" + System.currentTimeMillis();
            broker.createTopic(topic, partitions);
            long t0 = System.nanoTime();
            fill(broker.bootstrapServers(), topic, keys);
            row.put("produceSeconds", seconds(t0));
            System.out.printf("topic filled: %,d records in %.1f s%n", keys, seconds(t0));

            Path live = work.resolve("live");
            Path snap = work.resolve("snap");
            Path copy = work.resolve("copy");
            long rows;
            try (FeaturePipeline p = pipeline(broker.bootstrapServers(), topic, "replay", live, keys)) {
                long start = System.nanoTime();
                long deadline = System.currentTimeMillis() + TIMEOUT_MS;
                while (p.appliedRecords(set) < keys) {
                    check(p, deadline);
                    Thread.sleep(10);
                }
                row.put("replaySeconds", seconds(start));
                row.put("replayRecordsPerSec", keys / seconds(start));
                System.out.printf("replay: %,d records in %.1f s%n", keys, seconds(start));
                long s0 = System.nanoTime();
                rows = StoreSnapshot.of(p, set).to(snap);
                row.put("snapshotSeconds", seconds(s0));
                row.put("snapshotRows", rows);
                System.out.printf("snapshot: %,d rows in %.2f s%n", rows, seconds(s0));
            }
            row.put("snapshotBytes", bytesOf(snap));
            long c0 = System.nanoTime();
            copyTree(snap, copy);
            row.put("copySeconds", seconds(c0));
            Harness.deleteRecursively(live);
            try (FeaturePipeline p = pipeline(broker.bootstrapServers(), topic, "restored", copy, keys)) {
                long start = System.nanoTime();
                if (!p.awaitCaughtUp(Duration.ofMillis(TIMEOUT_MS))) {
                    throw new IllegalStateException("restored pipeline did not catch up: " + p.failure());
                }
                row.put("restoreSeconds", seconds(start));
                row.put("restoreReplayedRecords", p.appliedRecords(set));
                row.put("restoreRows", p.storeRows(set));
                System.out.printf("restore: caught up in %.2f s, replayed %,d records, rows %,d%n", seconds(start),
                    p.appliedRecords(set), p.storeRows(set));
                if (p.storeRows(set) != keys || p.appliedRecords(set) != 0) {
                    throw new IllegalStateException("restored store holds rows=" + p.storeRows(set) + " (expected "
                        + keys + ") and replayed " + p.appliedRecords(set) + " records (expected 0)");
                }
            }
        }
        row.put("config", "1 consumer + 2 appliers, table engine, 2 shards, capacity keys*1.1, growth off");
        return row;
    }

    /** One record per key, keys 0..n-1 in order, spread over the partitions by the default partitioner. */
    private static void fill(String bootstrap, String topic, long n) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 256L * 1024 * 1024);
        AtomicReference<Exception> failure = new AtomicReference<>();
        long nowMs = System.currentTimeMillis();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
            new ByteArraySerializer())) {
            for (long i = 0; i < n; i++) {
                byte[] key = new byte[PaymentCodec.KEY_BYTES];
                byte[] value = new byte[PaymentCodec.VALUE_BYTES];
                PaymentCodec.encode(key, value, i, nowMs, 1 + (i % 500), i % 5_000, 0);
                producer.send(new ProducerRecord<>(topic, null, nowMs, key, value), (md, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    }
                });
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("fill of topic=" + topic + " failed: " + failure.get(), failure.get());
        }
    }

    private static void check(FeaturePipeline p, long deadline) {
        if (p.failure() != null) {
            throw new IllegalStateException("pipeline failed: " + p.failure(), p.failure());
        }
        if (System.currentTimeMillis() > deadline) {
            throw new IllegalStateException("pipeline timed out");
        }
    }

    private static double seconds(long startNs) {
        return (System.nanoTime() - startNs) / 1e9;
    }

    private static long bytesOf(Path dir) throws IOException {
        long n = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                n += Files.size(f);
            }
        }
        return n;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (!f.getFileName().toString().endsWith(".lock")) {
                    Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    // ---- apply cost --------------------------------------------------------------------------------------------

    private static Map<String, Object> applyCost(long keys, Path dir) throws Exception {
        StoreConfig c = StoreConfig.builder(set()).directory(dir.resolve("store")).capacity(keys + keys / 10)
            .shards(4).maxTopics(1).maxPartitions(1).growth(StoreGrowth.disabled()).build();
        Histogram idle = new Histogram(60_000_000_000L, 2);
        Histogram during = new Histogram(60_000_000_000L, 2);
        AtomicBoolean snapshotRunning = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long[] allocated = new long[2];
        long[] counts = new long[2];
        List<Double> snapshotSeconds = new ArrayList<>();
        try (RowStore s = new TableStoreEngine().open(c)) {
            int topic = s.topicIndex("t");
            long offset = 0;
            for (long k = 0; k < keys; k++) {
                applyOne(s, k, topic, offset++);
            }
            final long firstOffset = offset;
            com.sun.management.ThreadMXBean mx =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            Thread writer = new Thread(() -> {
                try {
                    SplittableRandom random = new SplittableRandom(Harness.SEED);
                    long off = firstOffset;
                    long tid = Thread.currentThread().getId();
                    int phase = -1;
                    long phaseBytes = 0;
                    while (!stop.get()) {
                        int now = snapshotRunning.get() ? 1 : 0;
                        if (now != phase) {
                            long b = mx.getThreadAllocatedBytes(tid);
                            if (phase >= 0) {
                                allocated[phase] += b - phaseBytes;
                            }
                            phase = now;
                            phaseBytes = mx.getThreadAllocatedBytes(tid);
                        }
                        long k = random.nextLong(keys);
                        long t0 = System.nanoTime();
                        applyOne(s, k, topic, off++);
                        long ns = System.nanoTime() - t0;
                        (now == 1 ? during : idle).recordValue(Math.min(ns, 59_000_000_000L));
                        counts[now]++;
                    }
                    allocated[phase] += mx.getThreadAllocatedBytes(tid) - phaseBytes;
                } catch (Throwable t) {
                    failure.set(t);
                }
            }, "snapshot-apply");
            writer.start();
            for (int i = 0; i < 3; i++) {
                Thread.sleep(2_000);
                Path target = dir.resolve("snap" + i);
                snapshotRunning.set(true);
                long t0 = System.nanoTime();
                s.snapshotTo(target);
                snapshotSeconds.add(seconds(t0));
                snapshotRunning.set(false);
                Harness.deleteRecursively(target);
            }
            Thread.sleep(2_000);
            stop.set(true);
            writer.join();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("apply thread failed: " + failure.get(), failure.get());
        }
        Map<String, Object> row = Harness.row("freshet", "ok");
        row.put("keys", keys);
        row.put("snapshotSeconds", snapshotSeconds);
        row.put("appliesIdle", counts[0]);
        row.put("appliesDuringSnapshot", counts[1]);
        row.put("applyNsIdle", Harness.percentiles(idle));
        row.put("applyNsDuringSnapshot", Harness.percentiles(during));
        row.put("bytesPerApplyIdle", allocated[0] / (double) Math.max(1, counts[0]));
        row.put("bytesPerApplyDuringSnapshot", allocated[1] / (double) Math.max(1, counts[1]));
        row.put("config", "1 writer thread (random updates, 4 shards, default 16 rows copied per apply) beside 3 "
            + "snapshots taken on another thread; the writer also does the copying");
        System.out.println(row);
        return row;
    }

    private static void applyOne(RowStore s, long key, int topic, long offset) {
        ShardWriter w = s.writer(s.shardOf(key));
        if (w.begin(key, topic, 0, offset) != ShardWriter.BEGIN_OK) {
            throw new IllegalStateException("begin refused for key=" + key);
        }
        RowBuffer r = w.row();
        r.putLong(24, r.getLong(24) + 1);
        w.commit();
    }
}
