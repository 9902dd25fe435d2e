package io.freshet.benchmarks.harness;

import io.freshet.core.FeatureSet;
import io.freshet.core.StoreConfig;
import io.freshet.core.spi.InMemoryRowStore;
import io.freshet.core.Window;
import io.freshet.kafka.RecordDecoder;
import io.freshet.kafka.Source;
import io.freshet.kafka.TrainingProgress;
import io.freshet.kafka.TrainingSet;
import io.freshet.kafka.internal.training.HeapRunningStore;
import io.freshet.kafka.internal.training.RunningRows;
import io.freshet.kafka.parquet.ParquetSink;
import io.freshet.store.StoreEngines;
import io.freshet.testkit.FreshetKafka;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.Future;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/*
 * Run (after `mvn -ntp -q package -pl benchmarks -am -DskipTests -Dfreshet.skipBenchSmoke=true`; not in any build):
 *
 *   flock /tmp/bench.lock java -Xmx3g -cp benchmarks/target/benchmarks.jar \
 *       io.freshet.benchmarks.harness.TrainingRowsHarness --events 10000000 --labels 1000000 --keys 100000 \
 *       --out benchmarks/target/comparison/training-rows.json
 *
 * `--child-heap 1g` sets the children's -Xmx (default 1g); `--dir DIR` where the Parquet files go (default a new
 * temporary directory, deleted at the end).
 */

/**
 * Issue #15 point 9: {@code --events} feature events and {@code --labels} labels to Parquet; label rows/s and the
 * peak RSS, and the memory bound: the same labels over half of the history and over all of it must peak alike.
 *
 * <p>Set-up (this JVM): the test kit's embedded broker, one topic of {@code --partitions} partitions filled with the
 * events ({@code --keys} users, uniform; event times one every {@code 24 h / events}, up to 2 s before the record's
 * create timestamp, so a little out of order). Each measurement then runs in a fresh child JVM (same class path,
 * {@code -Xmx} {@code --child-heap}, ParallelGC), so that its VmHWM (peak resident set, read from
 * {@code /proc/self/status}) is its own:
 * <ul>
 *   <li>{@code floor}: a bare {@link KafkaConsumer} (the training run's fetch settings) reads every event, first
 *       only polling, then decoding and applying each to the running rows ({@link RunningRows}, on the heap, every
 *       record qualifying): the decode-and-apply floor of any training run over this history, records/s; then,
 *       without the broker, the first 1M records held in memory and offered twice (the second pass measured: every
 *       key has its row) to the run's heap store ({@link HeapRunningStore}) and to the store it replaced
 *       ({@link InMemoryRowStore}), alternately: records/s, reads/s and bytes allocated per record and per read of
 *       each, a same-run ratio;</li>
 *   <li>{@code half}: {@code --labels} labels at times spread evenly over the first half of the history, to
 *       Parquet ({@link ParquetSink}): the run reads half of the events;</li>
 *   <li>{@code full}: the same number of labels over the whole history: all the events;</li>
 *   <li>{@code full-table}: as {@code full}, with the running rows in the table engine under {@code /dev/shm}.</li>
 * </ul>
 * Reported per run: label rows/s (labels / run time, history reading included), records read, time, peak RSS, the
 * Parquet file's size; and the ratio of the full run's peak RSS to the half run's (bounded memory: about 1).
 *
 * <p>Main thread only; allocates freely (a harness).
 */
public final class TrainingRowsHarness {
    private static final long T0 = 1_700_000_000_000L;
    private static final long SPAN_MS = Duration.ofHours(24).toMillis();
    private static final String RESULT = "result";

    private static final String USAGE = "TrainingRowsHarness [--events 10000000] [--labels 1000000] [--keys 100000]"
        + " [--partitions 4] [--child-heap 1g] [--dir DIR] [--out benchmarks/target/comparison/training-rows.json]";

    /** A payment, decoded in place. */
    public static final class Txn {
        long userId;
        long timeMs;
        double amount;
        long merchantId;

        long userId() {
            return userId;
        }

        long timeMs() {
            return timeMs;
        }

        double amount() {
            return amount;
        }

        long merchantId() {
            return merchantId;
        }
    }

    /** A training row's features: the usual kinds, two windows and a last-N list. */
    public static final FeatureSet<Txn> SET = FeatureSet.builder("user_risk",
            Txn.class)
        .entity("user", Txn::userId)
        .eventTime(Txn::timeMs)
        .latest("last_amount", Txn::amount)
        .count("txn_total")
        .count("txn_5m", Window.sliding(Duration.ofMinutes(5)))
        .sum("amount_1h", Txn::amount, Window.sliding(Duration.ofHours(1)))
        .max("max_amount_1h", Txn::amount, Window.sliding(Duration.ofHours(1)))
        .mean("mean_amount", Txn::amount)
        .decayedCount("activity", Duration.ofMinutes(30))
        .lastN("last_merchants", Txn::merchantId, 5)
        .build();

    /** Decodes into the reusable event; a new one when asked for none (a record that waits). */
    public static final RecordDecoder<Txn> DECODER = new RecordDecoder<>() {
        @Override
        public Txn decode(io.freshet.kafka.RecordView record,
            Txn reuse) {
            Txn p = reuse == null ? new Txn() : reuse;
            byte[] v = record.value();
            p.userId = PaymentCodec.userId(v);
            p.timeMs = PaymentCodec.timeMs(v);
            p.amount = PaymentCodec.amount(v);
            p.merchantId = PaymentCodec.merchantId(v);
            return p;
        }

        @Override
        public Txn newReusable() {
            return new Txn();
        }
    };

    private TrainingRowsHarness() {
    }

    /**
     * @param args see the run command above
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--child")) {
            child(args);
            return;
        }
        Args a = new Args(args, USAGE, "events", "labels", "keys", "partitions", "child-heap", "dir", "out");
        long events = a.longValue("events", 10_000_000);
        long labels = a.longValue("labels", 1_000_000);
        int keys = a.intValue("keys", 100_000);
        int partitions = a.intValue("partitions", 4);
        String heap = a.string("child-heap", "1g");
        Path out = Path.of(a.string("out", "benchmarks/target/comparison/training-rows.json"));
        boolean ownDir = a.string("dir", null) == null;
        Path dir = ownDir ? Files.createTempDirectory("freshet-training-rows-") : Path.of(a.string("dir", null));
        Files.createDirectories(dir);

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("events", events);
        result.put("labels", labels);
        result.put("keys", keys);
        result.put("partitions", partitions);
        result.put("childHeap", heap);
        try (FreshetKafka broker = FreshetKafka.embedded().start()) {
            String topic = "training-history";
            broker.createTopic(topic, partitions, Map.of("retention.ms", "-1"));
            long produceNs = System.nanoTime();
            produce(broker.clientProperties(), topic, events, keys);
            double produceS = (System.nanoTime() - produceNs) / 1e9;
            System.out.printf("produced %,d events in %.1f s%n", events, produceS);
            result.put("produceSeconds", produceS);
            String bootstrap = broker.bootstrapServers();
            for (String mode : List.of("floor", "half", "full", "full-table")) {
                List<String> childArgs = List.of("--child", mode.replace("-table", ""), bootstrap, topic,
                    Long.toString(events), Long.toString(labels), Integer.toString(keys), dir.toString(),
                    mode.endsWith("-table") ? "table" : "heap");
                List<String> jvm = List.of("-Xmx" + heap, "-XX:+UseParallelGC");
                try (ChildJvm child = ChildJvm.start("training-" + mode, jvm, TrainingRowsHarness.class, childArgs)) {
                    String line = child.await(RESULT, Duration.ofMinutes(60).toMillis());
                    System.out.println(mode + ": " + line);
                    result.put(mode, line);
                }
            }
        } finally {
            if (ownDir) {
                try (var files = Files.list(dir)) {
                    for (Path f : (Iterable<Path>) files::iterator) {
                        Files.deleteIfExists(f);
                    }
                }
                Files.deleteIfExists(dir);
            }
        }
        Files.createDirectories(out.toAbsolutePath().getParent());
        StringBuilder json = new StringBuilder("{");
        for (Map.Entry<String, Object> e : result.entrySet()) {
            json.append(json.length() == 1 ? "\n  " : ",\n  ").append('"').append(e.getKey()).append("\": ")
                .append(e.getValue());
        }
        Files.writeString(out, json.append("\n}\n"));
        System.out.println("written " + out);
    }

    private static void produce(Properties base, String topic, long events, int keys) throws Exception {
        Properties p = new Properties();
        p.putAll(base);
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 << 10));
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        SplittableRandom r = new SplittableRandom(15);
        List<Future<RecordMetadata>> window = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
            new ByteArraySerializer())) {
            for (long i = 0; i < events; i++) {
                long timestamp = T0 + i * SPAN_MS / events;
                long user = r.nextInt(keys);
                byte[] key = new byte[PaymentCodec.KEY_BYTES];
                byte[] value = new byte[PaymentCodec.VALUE_BYTES];
                PaymentCodec.encode(key, value, user, timestamp - r.nextInt(2000), 1 + r.nextInt(50_000) / 100.0,
                    r.nextInt(500), 0);
                window.add(producer.send(new ProducerRecord<>(topic, null, timestamp, key, value)));
                if (window.size() == 100_000) {
                    window.get(window.size() - 1).get();
                    window.clear();
                }
            }
            producer.flush();
        }
        for (Future<RecordMetadata> f : window) {
            f.get();
        }
    }

    // ---- child side ----

    private static void child(String[] args) throws Exception {
        ChildJvm.watchParent(command -> { }, () -> { });
        String mode = args[1];
        Properties kafka = new Properties();
        kafka.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, args[2]);
        String topic = args[3];
        long events = Long.parseLong(args[4]);
        long labels = Long.parseLong(args[5]);
        int keys = Integer.parseInt(args[6]);
        Path dir = Path.of(args[7]);
        // Where the running rows live: the heap (TrainingSet's default) or the table engine under /dev/shm.
        boolean table = args.length > 8 && args[8].equals("table");
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("runningRows", table ? "\"table\"" : "\"heap\"");
        if (mode.equals("floor")) {
            floor(kafka, topic, events, r);
            stores(kafka, topic, Math.min(events, 1_000_000), r);
        } else {
            long spanMs = mode.equals("half") ? SPAN_MS / 2 : SPAN_MS;
            rows(kafka, topic, labels, keys, spanMs, dir.resolve(mode + ".parquet"), table, r);
        }
        r.put("peakRssBytes", peakRssBytes());
        StringBuilder json = new StringBuilder("{");
        for (Map.Entry<String, Object> e : r.entrySet()) {
            json.append(json.length() == 1 ? "" : ", ").append('"').append(e.getKey()).append("\": ")
                .append(e.getValue());
        }
        ChildJvm.reply(RESULT, json.append('}'));
        Thread.sleep(Long.MAX_VALUE); // the parent's STOP halts this JVM
    }

    private static void rows(Properties kafka, String topic, long labels, int keys, long spanMs, Path file,
        boolean table, Map<String, Object> r) {
        TrainingSet.Builder<Label> b = TrainingSet.forLabels(new Labels(labels, keys, spanMs), Label::timeMs);
        if (table) {
            b.runningRows(StoreEngines.table(), Path.of("/dev/shm"));
        }
        TrainingSet<Label> training = b
            .labelColumn("fraud", Label::fraud)
            .features(SET, Label::user, Source.of(topic, DECODER))
            .kafka(kafka)
            .progress(Duration.ofSeconds(10), p -> System.out.println(p))
            .build();
        TrainingProgress done = training.write(ParquetSink.to(file));
        double seconds = done.elapsed().toNanos() / 1e9;
        r.put("labelRows", done.labelsDone());
        r.put("recordsRead", done.recordsRead());
        r.put("seconds", seconds);
        r.put("labelRowsPerSecond", done.labelsDone() / seconds);
        r.put("recordsPerSecond", done.recordsRead() / seconds);
        try {
            r.put("parquetBytes", Files.size(file));
        } catch (IOException e) {
            r.put("parquetBytes", -1);
        }
    }

    /** Poll only, then poll + decode + apply: the floors of a run over this history. */
    private static void floor(Properties kafka, String topic, long events, Map<String, Object> r) {
        for (boolean apply : new boolean[] {false, true}) {
            // The run's own heap store, as TrainingSet uses it by default.
            RunningRows<Txn> rows = new RunningRows<>(SET, new HeapRunningStore(
                StoreConfig.builder(SET).capacity(1L << 40).build()));
            Txn reusable = DECODER.newReusable();
            long read = 0;
            long bad = 0;
            long startNs = System.nanoTime();
            try (KafkaConsumer<byte[], byte[]> c = consumer(kafka)) {
                List<TopicPartition> tps = new ArrayList<>();
                for (PartitionInfo pi : c.partitionsFor(topic)) {
                    tps.add(new TopicPartition(topic, pi.partition()));
                }
                c.assign(tps);
                c.seekToBeginning(tps);
                while (read < events) {
                    ConsumerRecords<byte[], byte[]> batch = c.poll(Duration.ofMillis(500));
                    for (ConsumerRecord<byte[], byte[]> rec : batch) {
                        read++;
                        if (apply) {
                            // Every record qualifies (label time at the end of time): the checkpoint takes it all.
                            if (rows.offer(rec, DECODER, reusable, Integer.MAX_VALUE, Long.MAX_VALUE, rec.timestamp(),
                                Long.MAX_VALUE) != null) {
                                bad++;
                            }
                        }
                    }
                }
            }
            double seconds = (System.nanoTime() - startNs) / 1e9;
            String name = apply ? "decodeApply" : "pollOnly";
            r.put(name + "RecordsPerSecond", read / seconds);
            r.put(name + "Seconds", seconds);
            if (apply) {
                r.put("applied", rows.appliedCount());
                r.put("bad", bad);
            }
            rows.close();
        }
    }

    /**
     * The running rows' store alone, without the broker: the first {@code n} records, held in memory, offered twice
     * (the second pass measured) to fresh running rows on the run's heap store ({@link HeapRunningStore}) and on the
     * store it replaced ({@link InMemoryRowStore}), alternately, three rounds each; then a read of every record's
     * key. Records/s and reads/s per store (best round), and bytes allocated per record and per read of the last
     * round (this thread's allocation counter: the store's own work, the decoder's included).
     */
    private static void stores(Properties kafka, String topic, long n, Map<String, Object> r) {
        List<ConsumerRecord<byte[], byte[]>> held = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = consumer(kafka)) {
            List<TopicPartition> tps = new ArrayList<>();
            for (PartitionInfo pi : c.partitionsFor(topic)) {
                tps.add(new TopicPartition(topic, pi.partition()));
            }
            c.assign(tps);
            c.seekToBeginning(tps);
            while (held.size() < n) {
                for (ConsumerRecord<byte[], byte[]> rec : c.poll(Duration.ofMillis(500))) {
                    if (held.size() < n) {
                        held.add(rec);
                    }
                }
            }
        }
        com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long self = Thread.currentThread().getId();
        Txn reusable = DECODER.newReusable();
        io.freshet.core.FeatureVector vector = SET.newVector();
        for (String store : List.of("heapRunningStore", "inMemoryRowStore")) {
            r.put(store + "ApplyRecordsPerSecond", 0.0);
            r.put(store + "ReadsPerSecond", 0.0);
        }
        for (int round = 0; round < 3; round++) {
            for (String store : List.of("heapRunningStore", "inMemoryRowStore")) {
                StoreConfig config = StoreConfig.builder(SET).capacity(1L << 40).build();
                try (RunningRows<Txn> rows = new RunningRows<>(SET, store.startsWith("heap")
                    ? new HeapRunningStore(config) : new InMemoryRowStore(config))) {
                    // A first pass makes the keys' rows; the second, measured, is the run's steady state.
                    for (int i = 0; i < held.size(); i++) {
                        ConsumerRecord<byte[], byte[]> rec = held.get(i);
                        rows.offer(rec, DECODER, reusable, Integer.MAX_VALUE, Long.MAX_VALUE, rec.timestamp(),
                            Long.MAX_VALUE);
                    }
                    long bytes0 = threads.getThreadAllocatedBytes(self);
                    long t0 = System.nanoTime();
                    for (int i = 0; i < held.size(); i++) {
                        ConsumerRecord<byte[], byte[]> rec = held.get(i);
                        rows.offer(rec, DECODER, reusable, Integer.MAX_VALUE, Long.MAX_VALUE, rec.timestamp(),
                            Long.MAX_VALUE);
                    }
                    long t1 = System.nanoTime();
                    long bytes1 = threads.getThreadAllocatedBytes(self);
                    long labelTime = T0 + SPAN_MS + 1;
                    for (int i = 0; i < held.size(); i++) {
                        rows.read(PaymentCodec.userId(held.get(i).value()), labelTime, vector);
                    }
                    long t2 = System.nanoTime();
                    long bytes2 = threads.getThreadAllocatedBytes(self);
                    double applyRate = held.size() / ((t1 - t0) / 1e9);
                    double readRate = held.size() / ((t2 - t1) / 1e9);
                    r.put(store + "ApplyRecordsPerSecond", Math.max((double) r.get(store + "ApplyRecordsPerSecond"),
                        applyRate));
                    r.put(store + "ReadsPerSecond", Math.max((double) r.get(store + "ReadsPerSecond"), readRate));
                    // The last round's allocation: the first rounds include the JIT's warm-up.
                    r.put(store + "ApplyBytesPerRecord", (double) (bytes1 - bytes0) / held.size());
                    r.put(store + "ReadBytesPerRead", (double) (bytes2 - bytes1) / held.size());
                    System.out.printf("round %d %s: apply %.0f records/s, read %.0f reads/s%n", round, store,
                        applyRate, readRate);
                }
            }
        }
        r.put("storeRecords", held.size());
    }

    private static KafkaConsumer<byte[], byte[]> consumer(Properties kafka) {
        Properties p = new Properties();
        p.putAll(kafka);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "10000");
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(64 << 20));
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(16 << 20));
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** VmHWM of /proc/self/status: the peak resident set of this JVM, bytes; -1 where there is none. */
    static long peakRssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.substring(6).trim().split("\\s+")[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** A label, reused for every label of the stream: the run reads it before asking for the next. */
    static final class Label {
        long user;
        long timeMs;
        boolean fraud;

        long user() {
            return user;
        }

        long timeMs() {
            return timeMs;
        }

        boolean fraud() {
            return fraud;
        }
    }

    /** {@code count} labels, times evenly spread over {@code [T0, T0 + span)}, users uniform; made as read. */
    static final class Labels implements Iterable<Label> {
        private final long count;
        private final int keys;
        private final long spanMs;

        Labels(long count, int keys, long spanMs) {
            this.count = count;
            this.keys = keys;
            this.spanMs = spanMs;
        }

        @Override
        public Iterator<Label> iterator() {
            SplittableRandom r = new SplittableRandom(97);
            Label label = new Label();
            return new Iterator<>() {
                private long i;

                @Override
                public boolean hasNext() {
                    return i < count;
                }

                @Override
                public Label next() {
                    if (i >= count) {
                        throw new NoSuchElementException();
                    }
                    label.timeMs = T0 + 1 + i * spanMs / count;
                    label.user = r.nextInt(keys);
                    label.fraud = r.nextInt(100) < 3;
                    i++;
                    return label;
                }
            };
        }
    }
}
