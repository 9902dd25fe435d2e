package io.freshet.benchmarks.harness;

import io.freshet.benchmarks.harness.StreamsFeatures.WindowKind;
import io.freshet.benchmarks.peers.KeySequence;
import io.freshet.kafka.testing.EmbeddedKafkaBroker;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;

/*
 * Run (after `mvn -q -pl benchmarks -am package -DskipTests -Dfreshet.skipBenchSmoke=true`):
 *
 *   java -Xmx4g -cp benchmarks/target/benchmarks.jar io.freshet.benchmarks.harness.FreshnessHarness \
 *       --rate 20000 --seconds 60 --out benchmarks/target/comparison/freshness.json
 */

/**
 * Freshness at a fixed rate: a producer sends payment events at {@code --rate} per second on a fixed schedule, and
 * for each event the consuming system records {@code now - intended send time} at the moment its store holds the
 * update. Measuring from the intended time (not the actual send) corrects for coordinated omission: when the
 * producer or the broker stalls, the events that should have been sent meanwhile carry the stall in their latency.
 *
 * <p>Kafka Streams: {@link StreamsFeatures} (tumbling 5 min windows, caching off, commit 100 ms); the latency is taken
 * in a {@code foreach} after the windowed aggregate, which runs after the store put (caching off forwards each
 * update at once), reading the send time the aggregator copied from the event. Freshet:
 * {@link FreshetHooks#freshness}: the pipeline on the table engine, timed inside the apply. Events sent during
 * {@code --warmup-seconds} are applied but not recorded. Producer: {@code acks=1}, {@code linger.ms=0}.
 * Broker in this JVM.
 * HdrHistogram in microseconds, 3 significant digits.
 */
public final class FreshnessHarness {
    private static final String USAGE = "FreshnessHarness [--rate events/s] [--seconds N] [--warmup-seconds N] "
        + "[--keys N] [--partitions N] [--out file.json]";

    private FreshnessHarness() {
    }

    /**
     * @param args see the class comment
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        Args a = new Args(args, USAGE, "rate", "seconds", "warmup-seconds", "keys", "partitions", "out");
        int rate = a.intValue("rate", 20_000);
        int seconds = a.intValue("seconds", 60);
        int warmup = a.intValue("warmup-seconds", 10);
        int keys = a.intValue("keys", 100_000);
        int partitions = a.intValue("partitions", 4);
        Path out = Path.of(a.string("out", "benchmarks/target/comparison/freshness.json"));
        Harness.quietLogging();

        Map<String, Object> result = Harness.result("freshness");
        result.put("rate", rate);
        result.put("seconds", seconds);
        result.put("warmupSeconds", warmup);
        result.put("keys", keys);
        result.put("partitions", partitions);
        List<Object> rows = new ArrayList<>();
        result.put("rows", rows);
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startEmbedded()) {
            String topic = "payments-fresh";
            broker.createTopic(topic, partitions);
            Map<String, Object> streams = streams(broker.bootstrapServers(), topic, rate, seconds, warmup, keys);
            rows.add(streams);
            System.out.println(streams);
            String freshetTopic = "payments-fresh-freshet";
            broker.createTopic(freshetTopic, partitions);
            Map<String, Object> freshet = FreshetHooks.freshness(broker.bootstrapServers(), freshetTopic, rate,
                seconds, warmup, keys);
            rows.add(freshet);
            System.out.println(freshet);
        }
        Harness.write(out, result);
    }

    /** Kafka Streams at a fixed rate. */
    static Map<String, Object> streams(String bootstrap, String topic, int rate, int seconds, int warmup, int keys)
        throws Exception {
        Histogram histogram = new Histogram(TimeUnit.MINUTES.toMicros(5), 3);
        AtomicLong applied = new AtomicLong();
        AtomicLong recordFromNanos = new AtomicLong(Long.MAX_VALUE);
        StreamsFeatures.Applied onApplied = (user, agg) -> {
            long sent = ByteBuffer.wrap(agg).getLong(16);
            if (sent >= recordFromNanos.get()) {
                long micros = (System.nanoTime() - sent) / 1_000;
                histogram.recordValue(Math.min(micros, histogram.getHighestTrackableValue()));
            }
            applied.incrementAndGet();
        };
        Path stateDir = Harness.tempDir("freshet-fresh-streams-");
        KafkaStreams app = new KafkaStreams(StreamsFeatures.topology(topic, WindowKind.TUMBLING, () -> { }, onApplied),
            StreamsFeatures.props(bootstrap, "fresh-streams-" + System.currentTimeMillis(), stateDir));
        long sent;
        Producer producer;
        try {
            app.start();
            Harness.awaitRunning(app, 60_000);
            producer = new Producer(bootstrap, topic, rate, keys);
            sent = producer.run(warmup, seconds, recordFromNanos);
            long deadline = System.currentTimeMillis() + 60_000;
            while (applied.get() < sent && System.currentTimeMillis() < deadline) {
                Thread.sleep(5);
            }
        } finally {
            app.close(Duration.ofSeconds(30));
            Harness.deleteRecursively(stateDir);
        }
        Map<String, Object> row = Harness.row("kafka-streams", applied.get() == sent ? "ok"
            : "incomplete: applied " + applied.get() + " of sent=" + sent + " within 60 s after the last send");
        fill(row, sent, histogram, producer);
        row.put("config", "tumbling 5 min windows, commit.interval.ms=100, caching off, changelog on");
        return row;
    }

    /** Puts the percentiles of a finished run into its result row. */
    static void fill(Map<String, Object> row, long sent, Histogram histogram, Producer producer) {
        row.put("sent", sent);
        row.put("measured", histogram.getTotalCount());
        row.put("p50Micros", histogram.getValueAtPercentile(50));
        row.put("p99Micros", histogram.getValueAtPercentile(99));
        row.put("p999Micros", histogram.getValueAtPercentile(99.9));
        row.put("maxMicros", histogram.getMaxValue());
        row.put("meanMicros", histogram.getMean());
        row.put("producerMaxBehindMicros", producer.maxBehindNanos / 1_000);
    }

    /** Sends events on a fixed schedule from the calling thread. */
    static final class Producer {
        private final KafkaProducer<byte[], byte[]> producer;
        private final String topic;
        private final int rate;
        private final KeySequence users;
        private long maxBehindNanos;

        Producer(String bootstrap, String topic, int rate, int keys) {
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ProducerConfig.ACKS_CONFIG, "1");
            p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
            this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
            this.topic = topic;
            this.rate = rate;
            this.users = KeySequence.of(KeySequence.ZIPF, keys, Harness.SEED);
        }

        /**
         * @param recordFromNanos set to the intended time of the first measured event
         * @return events sent
         */
        long run(int warmupSeconds, int seconds, AtomicLong recordFromNanos) {
            long periodNanos = 1_000_000_000L / rate;
            long total = (long) rate * (warmupSeconds + seconds);
            long warmupEvents = (long) rate * warmupSeconds;
            SplittableRandom random = new SplittableRandom(Harness.SEED);
            AtomicReference<Exception> failure = new AtomicReference<>();
            long start = System.nanoTime() + 50_000_000L;
            long wallStart = System.currentTimeMillis() + 50;
            recordFromNanos.set(start + warmupEvents * periodNanos);
            for (long i = 0; i < total; i++) {
                long intended = start + i * periodNanos;
                long now;
                while ((now = System.nanoTime()) < intended) {
                    long gap = intended - now;
                    if (gap > 200_000) {
                        LockSupport.parkNanos(gap - 100_000);
                    } else {
                        Thread.onSpinWait();
                    }
                }
                maxBehindNanos = Math.max(maxBehindNanos, now - intended);
                byte[] key = new byte[PaymentCodec.KEY_BYTES];
                byte[] value = new byte[PaymentCodec.VALUE_BYTES];
                long timeMs = wallStart + (intended - start) / 1_000_000;
                PaymentCodec.encode(key, value, users.key((int) i), timeMs, Math.exp(3 + random.nextGaussian()),
                    1 + random.nextInt(5_000), intended);
                producer.send(new ProducerRecord<>(topic, null, timeMs, key, value), (md, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    }
                });
            }
            producer.flush();
            producer.close();
            if (failure.get() != null) {
                throw new IllegalStateException("producing to topic=" + topic + " failed: " + failure.get(),
                    failure.get());
            }
            return total;
        }
    }
}
