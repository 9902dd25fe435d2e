package io.freshet.benchmarks.harness;

import io.freshet.benchmarks.harness.StreamsFeatures.WindowKind;
import io.freshet.benchmarks.peers.KeySequence;
import io.freshet.kafka.testing.EmbeddedKafkaBroker;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
 * {@code --warmup-seconds} are applied but not recorded. Producer: {@code acks=1}, {@code linger.ms=0} (the goal is
 * end-to-end latency, not producer throughput; Kafka 4's default of 5 ms would add up to 5 ms to every event).
 * Broker in this JVM.
 * HdrHistogram in microseconds, 3 significant digits.
 *
 * <p>Stages, all from the same intended send time and in the same microseconds, so that a high percentile can be
 * pinned on the stage that adds it: {@code sendCall} (intended time → {@code send()} called: the sending thread's own
 * lateness), {@code brokerAck} (→ the producer's acknowledgement callback: producer batching, network, broker
 * append), {@code decoded} (Freshet only: → the pipeline's decoder ran on the consumer thread: fetch and poll),
 * and the total (→ applied). Freshet's own stage histograms ({@code PipelineMetrics}, ms, over the measured interval
 * only; its topic uses {@code LogAppendTime}, so "event → broker" is the intended time → broker append) and the
 * JVM's garbage-collection count and time during the measured interval are reported beside them.
 *
 * <p>The sender parks until an event's intended time, at least {@value #SEND_QUANTUM_NANOS} ns at a time, then sends
 * every event that is due, each still timed from its own intended time (so the wait counts in its latency). No busy
 * spin, and no wake-up per event: on a 2-core machine a spinning sender takes a whole core from the broker and the
 * consumer, and one wake-up and one produce request per event (20,000 a second) load the in-JVM broker far more
 * than a producer on another host would.
 */
public final class FreshnessHarness {
    private static final String USAGE = "FreshnessHarness [--rate events/s] [--seconds N] [--warmup-seconds N] "
        + "[--keys N] [--partitions N] [--systems streams,freshet] [--out file.json]";

    /** Shortest park of the sender, ns: it sends in bursts of the events due within about this long. */
    static final long SEND_QUANTUM_NANOS = 500_000;

    private FreshnessHarness() {
    }

    /**
     * @param args see the class comment
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        Args a = new Args(args, USAGE, "rate", "seconds", "warmup-seconds", "keys", "partitions", "systems", "out");
        String systems = "," + a.string("systems", "streams,freshet") + ",";
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
            if (systems.contains(",streams,")) {
                Map<String, Object> streams = streams(broker.bootstrapServers(), topic, rate, seconds, warmup, keys);
                rows.add(streams);
                System.out.println(streams);
            }
            if (!systems.contains(",freshet,")) {
                Harness.write(out, result);
                return;
            }
            String freshetTopic = "payments-fresh-freshet";
            // LogAppendTime: the pipeline's "event → broker" stage then shows the intended time → broker append.
            broker.createTopic(freshetTopic, partitions, "message.timestamp.type", "LogAppendTime");
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
        row.put("stageSendCallMicros", percentiles(producer.sendCallMicros));
        row.put("stageBrokerAckMicros", percentiles(producer.ackMicros));
        row.put("gcDuringMeasurement", producer.gcDuringMeasurement());
    }

    /** @return p50/p99/p99.9/max of a histogram, for a result row */
    static Map<String, Object> percentiles(Histogram h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("n", h.getTotalCount());
        m.put("p50", h.getValueAtPercentile(50));
        m.put("p99", h.getValueAtPercentile(99));
        m.put("p999", h.getValueAtPercentile(99.9));
        m.put("max", h.getMaxValue());
        return m;
    }

    /** Garbage-collection counts and times of this JVM (every collector), for differences over an interval. */
    static long[] gcTotals() {
        long count = 0;
        long millis = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            count += Math.max(0, gc.getCollectionCount());
            millis += Math.max(0, gc.getCollectionTime());
        }
        return new long[] {count, millis};
    }

    /** Sends events on a fixed schedule from the calling thread. */
    static final class Producer {
        private final KafkaProducer<byte[], byte[]> producer;
        private final String topic;
        private final int rate;
        private final KeySequence users;
        private long maxBehindNanos;
        /** Intended send time → send() called, µs (measured events only; the sending thread). */
        final Histogram sendCallMicros = new Histogram(TimeUnit.MINUTES.toMicros(5), 3);
        /** Intended send time → acknowledgement callback, µs (the producer's I/O thread; read after close). */
        final Histogram ackMicros = new Histogram(TimeUnit.MINUTES.toMicros(5), 3);
        private long[] gcAtStart;
        private long[] gcAtEnd;
        /** Run on another thread when the measured interval begins (e.g. to start a metrics interval), or null. */
        Runnable onMeasureStart;

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
            final long measureFrom = start + warmupEvents * periodNanos;
            for (long i = 0; i < total; i++) {
                long intended = start + i * periodNanos;
                long now;
                while ((now = System.nanoTime()) < intended) {
                    // At least SEND_QUANTUM_NANOS per wake-up: the events that fell due meanwhile go out together.
                    LockSupport.parkNanos(Math.max(intended - now, SEND_QUANTUM_NANOS));
                }
                if (i == warmupEvents) {
                    gcAtStart = gcTotals();
                    if (onMeasureStart != null) {
                        new Thread(onMeasureStart, "measure-start").start();
                    }
                }
                maxBehindNanos = Math.max(maxBehindNanos, now - intended);
                final boolean measured = intended >= measureFrom;
                if (measured) {
                    sendCallMicros.recordValue(Math.min((now - intended) / 1_000, sendCallMicros
                        .getHighestTrackableValue()));
                }
                byte[] key = new byte[PaymentCodec.KEY_BYTES];
                byte[] value = new byte[PaymentCodec.VALUE_BYTES];
                long timeMs = wallStart + (intended - start) / 1_000_000;
                PaymentCodec.encode(key, value, users.key((int) i), timeMs, Math.exp(3 + random.nextGaussian()),
                    1 + random.nextInt(5_000), intended);
                producer.send(new ProducerRecord<>(topic, null, timeMs, key, value), (md, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    } else if (measured) {
                        ackMicros.recordValue(Math.min((System.nanoTime() - intended) / 1_000,
                            ackMicros.getHighestTrackableValue()));
                    }
                });
            }
            producer.flush();
            gcAtEnd = gcTotals();
            producer.close();
            if (failure.get() != null) {
                throw new IllegalStateException("producing to topic=" + topic + " failed: " + failure.get(),
                    failure.get());
            }
            return total;
        }

        /** @return collections and their total time (ms) between the first measured event and the flush */
        Map<String, Object> gcDuringMeasurement() {
            Map<String, Object> m = new LinkedHashMap<>();
            if (gcAtStart != null && gcAtEnd != null) {
                m.put("collections", gcAtEnd[0] - gcAtStart[0]);
                m.put("millis", gcAtEnd[1] - gcAtStart[1]);
            }
            return m;
        }
    }
}
