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
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;

/*
 * Run (after `mvn -q -pl benchmarks -am package -DskipTests -Dfreshet.skipBenchSmoke=true`):
 *
 *   flock /tmp/bench.lock java -Xmx4g -cp benchmarks/target/benchmarks.jar \
 *       io.freshet.benchmarks.harness.FreshnessHarness --rate 20000 --seconds 60 \
 *       --out benchmarks/target/comparison/freshness.json
 *
 * Broker and producer in child JVMs of their own: add `--broker child --producer child`.
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
 * HdrHistogram in microseconds, 3 significant digits.
 *
 * <p>Where things run: {@code --broker in-jvm|child} and {@code --producer in-jvm|child} (default
 * {@value #DEFAULT_PLACEMENT}). As children ({@link BrokerMain}, {@link ProducerMain}, started from this class path by
 * {@link ChildJvm}, which cannot outlive this JVM) they have heaps and collectors of their own, as on other hosts:
 * the system's JVM then saw 5–7 collections (17–35 ms) in a 30 s measured interval instead of 25–37 (209–345 ms).
 * But they still share this machine's cores, now as three JVMs with their own GC and compiler threads, and on 2
 * cores (Freshet, 20,000 events/s, 30 s, 3 runs each, same session) the broker acknowledgement tail grew: ack p99
 * 5.7–11 ms with children vs 4.0–7.8 ms in one JVM, end to end p99 7.1–13.4 ms vs 4.7–9.0 ms. Hence in this JVM by
 * default. The broker child uses Kafka's own start-script JVM options unless {@code --broker-jvm-args} says
 * otherwise ({@value #BROKER_JVM_ARGS}; with ZGC instead, whose concurrent threads compete for the 2 cores, end to
 * end p99 was 6.7–25.7 ms in 3 runs); {@code --child-cpus LIST} pins the children with {@code taskset} (pin this
 * JVM likewise to give each side its own cores: measured, the broker on one core then became the bottleneck). The
 * producer child's {@link System#nanoTime()} is the same clock as this JVM's (CLOCK_MONOTONIC on Linux), so
 * latencies from its intended send times stay exact.
 *
 * <p>Stages, all from the same intended send time and in the same microseconds, so that a high percentile can be
 * pinned on the stage that adds it: {@code sendCall} (intended time → {@code send()} called: the sending thread's own
 * lateness), {@code brokerAck} (→ the producer's acknowledgement callback: producer batching, network, broker
 * append), {@code decoded} (Freshet only: → the pipeline's decoder ran on the consumer thread: fetch and poll),
 * and the total (→ applied). Freshet's own stage histograms ({@code PipelineMetrics}, ms, over the measured interval
 * only; its topic uses {@code LogAppendTime}, so "event → broker" is the intended time → broker append) and the
 * garbage-collection count and time of each JVM (harness, broker child, producer child) during the measured interval
 * are reported beside them.
 *
 * <p>The sender parks until an event's intended time, at least {@value #SEND_QUANTUM_NANOS} ns at a time, then sends
 * every event that is due, each still timed from its own intended time (so the wait counts in its latency). No busy
 * spin, and no wake-up per event: on a 2-core machine a spinning sender takes a whole core from the broker and the
 * consumer, and one wake-up and one produce request per event (20,000 a second) load the broker far more than a
 * producer on another host would.
 */
public final class FreshnessHarness {
    /**
     * Default options of the broker's child JVM: those of Kafka's own {@code kafka-server-start.sh} and
     * {@code kafka-run-class.sh} (1 GiB heap, G1 with a 20 ms pause goal).
     */
    static final String BROKER_JVM_ARGS = "-Xms1g -Xmx1g -XX:+UseG1GC -XX:MaxGCPauseMillis=20 "
        + "-XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent";
    /** Default options of the producer's child JVM. */
    static final String PRODUCER_JVM_ARGS = "-Xms256m -Xmx256m -XX:+UseG1GC";

    private static final String USAGE = "FreshnessHarness [--rate events/s] [--seconds N] [--warmup-seconds N] "
        + "[--keys N] [--partitions N] [--systems streams,freshet] [--out file.json] [--broker child|in-jvm] "
        + "[--broker-jvm-args '" + BROKER_JVM_ARGS + "'] [--producer child|in-jvm] "
        + "[--producer-jvm-args '" + PRODUCER_JVM_ARGS + "'] [--child-cpus taskset-list]";

    /**
     * Where the broker and the producer run unless told: in this JVM. Children isolate the system's JVM from their
     * collections but, on the 2-core machine these figures come from, measured worse end to end (see the class
     * comment), so they are an option, not the default.
     */
    static final String DEFAULT_PLACEMENT = "in-jvm";

    /** Shortest park of the sender, ns: it sends in bursts of the events due within about this long. */
    static final long SEND_QUANTUM_NANOS = 500_000;

    private FreshnessHarness() {
    }

    /**
     * @param args see the class comment
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        Args a = new Args(args, USAGE, "rate", "seconds", "warmup-seconds", "keys", "partitions", "systems", "out",
            "broker", "broker-jvm-args", "producer", "producer-jvm-args", "child-cpus");
        String systems = "," + a.string("systems", "streams,freshet") + ",";
        int rate = a.intValue("rate", 20_000);
        int seconds = a.intValue("seconds", 60);
        int warmup = a.intValue("warmup-seconds", 10);
        int keys = a.intValue("keys", 100_000);
        int partitions = a.intValue("partitions", 4);
        Path out = Path.of(a.string("out", "benchmarks/target/comparison/freshness.json"));
        boolean brokerChild = childMode(a, "broker");
        boolean producerChild = childMode(a, "producer");
        List<String> brokerJvmArgs = jvmArgs(a.string("broker-jvm-args", BROKER_JVM_ARGS));
        String childCpus = a.string("child-cpus", "");
        if (!childCpus.isEmpty()) {
            System.setProperty(ChildJvm.CPUS_PROP_NAME, childCpus);
        }
        Harness.quietLogging();

        Map<String, Object> result = Harness.result("freshness");
        result.put("rate", rate);
        result.put("seconds", seconds);
        result.put("warmupSeconds", warmup);
        result.put("keys", keys);
        result.put("partitions", partitions);
        Setup setup = new Setup();
        setup.producerJvmArgs = producerChild ? jvmArgs(a.string("producer-jvm-args", PRODUCER_JVM_ARGS)) : null;
        List<Object> rows = new ArrayList<>();
        try (ChildJvm child = brokerChild ? BrokerMain.start(brokerJvmArgs) : null;
            EmbeddedKafkaBroker broker = child != null ? EmbeddedKafkaBroker.external(BrokerMain.bootstrap(child))
                : EmbeddedKafkaBroker.startEmbedded()) {
            setup.brokerChild = child;
            result.put("setup", setup.describe(brokerJvmArgs));
            result.put("rows", rows);
            String topic = "payments-fresh";
            broker.createTopic(topic, partitions);
            if (systems.contains(",streams,")) {
                Map<String, Object> streams = streams(setup, broker.bootstrapServers(), topic, rate, seconds, warmup,
                    keys);
                rows.add(streams);
                System.out.println(streams);
            }
            if (systems.contains(",freshet,")) {
                String freshetTopic = "payments-fresh-freshet";
                // LogAppendTime: the pipeline's "event → broker" stage then shows the intended time → broker append.
                broker.createTopic(freshetTopic, partitions, "message.timestamp.type", "LogAppendTime");
                Map<String, Object> freshet = FreshetHooks.freshness(setup, broker.bootstrapServers(), freshetTopic,
                    rate, seconds, warmup, keys);
                rows.add(freshet);
                System.out.println(freshet);
            }
        }
        Harness.write(out, result);
    }

    private static boolean childMode(Args a, String name) {
        String v = a.string(name, DEFAULT_PLACEMENT);
        if (!v.equals("child") && !v.equals("in-jvm")) {
            throw new IllegalArgumentException("--" + name + "=" + v + " is unknown: use child or in-jvm");
        }
        return v.equals("child");
    }

    private static List<String> jvmArgs(String s) {
        List<String> l = new ArrayList<>();
        for (String t : s.trim().split("\\s+")) {
            if (!t.isEmpty()) {
                l.add(t);
            }
        }
        return l;
    }

    /** Kafka Streams at a fixed rate. */
    static Map<String, Object> streams(Setup setup, String bootstrap, String topic, int rate, int seconds, int warmup,
        int keys) throws Exception {
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
        Map<String, Object> gc = new LinkedHashMap<>();
        SendStats stats;
        try {
            app.start();
            Harness.awaitRunning(app, 60_000);
            stats = setup.send(bootstrap, topic, rate, warmup, seconds, keys, recordFromNanos, null, gc);
            long deadline = System.currentTimeMillis() + 60_000;
            while (applied.get() < stats.sent && System.currentTimeMillis() < deadline) {
                Thread.sleep(5);
            }
        } finally {
            app.close(Duration.ofSeconds(30));
            Harness.deleteRecursively(stateDir);
        }
        Map<String, Object> row = Harness.row("kafka-streams", applied.get() == stats.sent ? "ok"
            : "incomplete: applied " + applied.get() + " of sent=" + stats.sent + " within 60 s after the last send");
        fill(row, histogram, stats);
        row.putAll(gc);
        row.put("config", "tumbling 5 min windows, commit.interval.ms=100, caching off, changelog on");
        return row;
    }

    /** Puts the percentiles of a finished run into its result row. */
    static void fill(Map<String, Object> row, Histogram histogram, SendStats stats) {
        row.put("sent", stats.sent);
        row.put("measured", histogram.getTotalCount());
        row.put("p50Micros", histogram.getValueAtPercentile(50));
        row.put("p99Micros", histogram.getValueAtPercentile(99));
        row.put("p999Micros", histogram.getValueAtPercentile(99.9));
        row.put("maxMicros", histogram.getMaxValue());
        row.put("meanMicros", histogram.getMean());
        row.put("producerMaxBehindMicros", stats.maxBehindNanos / 1_000);
        row.put("stageSendCallMicros", percentiles(stats.sendCallMicros));
        row.put("stageBrokerAckMicros", percentiles(stats.ackMicros));
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

    /** What a sender measured: its schedule's lateness, acknowledgements, and its JVM's garbage collections. */
    static final class SendStats {
        /** Events sent. */
        long sent;
        /** Largest lateness of a send() call behind its intended time, ns. */
        long maxBehindNanos;
        /** Intended send time → send() called, µs (measured events only; the sending thread). */
        Histogram sendCallMicros = new Histogram(TimeUnit.MINUTES.toMicros(5), 3);
        /** Intended send time → acknowledgement callback, µs (the producer's I/O thread; read after close). */
        Histogram ackMicros = new Histogram(TimeUnit.MINUTES.toMicros(5), 3);
        /** Collections and their time, ms, of the sender's JVM between the first measured event and the flush. */
        long[] gc = new long[] {-1, -1};

        /** @return one line: the counters, then both histograms in HdrHistogram's compressed form, Base64 */
        String encode() {
            return sent + " " + maxBehindNanos + " " + gc[0] + " " + gc[1] + " " + encode(sendCallMicros) + " "
                + encode(ackMicros);
        }

        private static String encode(Histogram h) {
            ByteBuffer b = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
            int n = h.encodeIntoCompressedByteBuffer(b);
            return Base64.getEncoder().encodeToString(Arrays.copyOf(b.array(), n));
        }

        /** @return stats decoded from {@link #encode()} */
        static SendStats decode(String line) throws DataFormatException {
            String[] f = line.split(" ");
            SendStats s = new SendStats();
            s.sent = Long.parseLong(f[0]);
            s.maxBehindNanos = Long.parseLong(f[1]);
            s.gc = new long[] {Long.parseLong(f[2]), Long.parseLong(f[3])};
            s.sendCallMicros = Histogram.decodeFromCompressedByteBuffer(
                ByteBuffer.wrap(Base64.getDecoder().decode(f[4])), 0);
            s.ackMicros = Histogram.decodeFromCompressedByteBuffer(
                ByteBuffer.wrap(Base64.getDecoder().decode(f[5])), 0);
            return s;
        }
    }

    /**
     * Where the broker and the producer run, and how the harness reaches them. In production the broker runs on
     * another host and so, usually, does the producer: as children they have their own heaps and collectors, and
     * their pauses no longer stop the pipeline (they still share this machine's cores).
     */
    static final class Setup {
        /** The broker's JVM, or null when the broker runs in this JVM. */
        ChildJvm brokerChild;
        /** Options of the producer's child JVM, or null to produce from this JVM. */
        List<String> producerJvmArgs;

        /** @return how the broker and producer run, for the result file */
        Map<String, Object> describe(List<String> brokerJvmArgs) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("broker", brokerChild != null ? "child JVM " + String.join(" ", brokerJvmArgs) : "this JVM");
            m.put("producer", producerJvmArgs != null ? "child JVM " + String.join(" ", producerJvmArgs)
                : "this JVM");
            m.put("harnessJvm", ManagementFactory.getRuntimeMXBean().getInputArguments().toString());
            m.put("childCpus", System.getProperty(ChildJvm.CPUS_PROP_NAME, "any"));
            m.put("harnessCpus", Runtime.getRuntime().availableProcessors());
            return m;
        }

        /**
         * Sends the events of a run from this JVM or from a producer child. The measured interval's garbage
         * collections of this JVM (the system under test), of the broker child and of the producer's JVM are
         * recorded into {@code row}.
         *
         * @param recordFromNanos set to the intended time of the first measured event
         * @param onMeasureStart run on another thread when the measured interval begins, or null
         * @return what the sender measured
         */
        SendStats send(String bootstrap, String topic, int rate, int warmup, int seconds, int keys,
            AtomicLong recordFromNanos, Runnable onMeasureStart, Map<String, Object> row) throws Exception {
            long[][] atStart = new long[2][];
            Runnable measureStart = () -> {
                atStart[0] = gcTotals();
                atStart[1] = brokerGc();
                if (onMeasureStart != null) {
                    onMeasureStart.run();
                }
            };
            SendStats stats;
            if (producerJvmArgs == null) {
                Producer producer = new Producer(bootstrap, topic, rate, keys);
                producer.onMeasureStart = measureStart;
                stats = producer.run(warmup, seconds, recordFromNanos);
            } else {
                stats = sendFromChild(bootstrap, topic, rate, warmup, seconds, keys, recordFromNanos, measureStart);
            }
            long[] thisEnd = gcTotals();
            long[] brokerEnd = brokerGc();
            row.put("gcDuringMeasurement", gcMap(atStart[0], thisEnd));
            if (brokerChild != null) {
                row.put("gcBrokerJvm", gcMap(atStart[1], brokerEnd));
            }
            if (producerJvmArgs != null) {
                row.put("gcProducerJvm", gcMap(new long[] {0, 0}, stats.gc));
            }
            return stats;
        }

        private SendStats sendFromChild(String bootstrap, String topic, int rate, int warmup, int seconds, int keys,
            AtomicLong recordFromNanos, Runnable measureStart) throws Exception {
            try (ChildJvm child = ChildJvm.start("producer", producerJvmArgs, ProducerMain.class, List.of(bootstrap,
                topic, Integer.toString(rate), Integer.toString(warmup), Integer.toString(seconds),
                Integer.toString(keys)))) {
                // System.nanoTime() is CLOCK_MONOTONIC on Linux: one clock for every process on the machine, so
                // the child's intended send times are comparable with this JVM's nanoTime().
                long measureFrom = Long.parseLong(child.await("measureFrom", 120_000));
                recordFromNanos.set(measureFrom);
                Thread starter = new Thread(() -> {
                    long now;
                    while ((now = System.nanoTime()) < measureFrom) {
                        LockSupport.parkNanos(measureFrom - now);
                    }
                    measureStart.run();
                }, "measure-start");
                starter.setDaemon(true);
                starter.start();
                SendStats stats = SendStats.decode(child.await("stats",
                    TimeUnit.SECONDS.toMillis(warmup + seconds + 120L)));
                starter.join(60_000);
                if (starter.isAlive()) {
                    throw new IllegalStateException("the measured interval's start hook did not return in 60 s");
                }
                return stats;
            }
        }

        private long[] brokerGc() {
            if (brokerChild == null) {
                return null;
            }
            try {
                return BrokerMain.gc(brokerChild);
            } catch (Exception e) {
                throw new IllegalStateException("broker child did not report its GC: " + e, e);
            }
        }
    }

    private static Map<String, Object> gcMap(long[] start, long[] end) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (start != null && end != null) {
            m.put("collections", end[0] - start[0]);
            m.put("millis", end[1] - start[1]);
        }
        return m;
    }

    /** Sends events on a fixed schedule from the calling thread. */
    static final class Producer {
        private final KafkaProducer<byte[], byte[]> producer;
        private final String topic;
        private final int rate;
        private final KeySequence users;
        /** Run on another thread when the measured interval begins (e.g. to start a metrics interval), or null. */
        Runnable onMeasureStart;
        /** Called with the intended time of the first measured event before the first send, or null. */
        LongConsumer onSchedule;

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
         * @return what was sent and measured
         */
        SendStats run(int warmupSeconds, int seconds, AtomicLong recordFromNanos) {
            SendStats stats = new SendStats();
            final Histogram sendCallMicros = stats.sendCallMicros;
            final Histogram ackMicros = stats.ackMicros;
            long periodNanos = 1_000_000_000L / rate;
            long total = (long) rate * (warmupSeconds + seconds);
            long warmupEvents = (long) rate * warmupSeconds;
            SplittableRandom random = new SplittableRandom(Harness.SEED);
            AtomicReference<Exception> failure = new AtomicReference<>();
            long[] gcAtStart = null;
            long start = System.nanoTime() + 50_000_000L;
            long wallStart = System.currentTimeMillis() + 50;
            recordFromNanos.set(start + warmupEvents * periodNanos);
            final long measureFrom = start + warmupEvents * periodNanos;
            if (onSchedule != null) {
                onSchedule.accept(measureFrom);
            }
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
                stats.maxBehindNanos = Math.max(stats.maxBehindNanos, now - intended);
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
            long[] gcAtEnd = gcTotals();
            producer.close();
            if (failure.get() != null) {
                throw new IllegalStateException("producing to topic=" + topic + " failed: " + failure.get(),
                    failure.get());
            }
            if (gcAtStart != null) {
                stats.gc = new long[] {gcAtEnd[0] - gcAtStart[0], gcAtEnd[1] - gcAtStart[1]};
            }
            stats.sent = total;
            return stats;
        }
    }
}
