package io.freshet.benchmarks.harness;

import io.freshet.benchmarks.harness.StreamsFeatures.WindowKind;
import io.freshet.testkit.FreshetKafka;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
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
 * <p>Freshet's own part: beside the pipeline, a bare consumer on the same topic ({@link BareConsumerProbe}: broker
 * append → poll returned); for every event, the moment the applier released its row ({@link CommitStampProbe}: the
 * applier stamps its commits into a preallocated ring, no reader thread: broker append → readable, poll → readable,
 * the primary figure of Freshet's own part); and, as a cross-check through {@code FeatureReader}, per probe event the
 * moment it is readable ({@link ReadableProbe}: every 1,000th event at 20,000/s, producer in this JVM only; its
 * reader parks between reads unless {@code --readable-probe spin} asks for the old spinning reader).
 *
 * <p>The sender parks until an event's intended time, at least {@value #SEND_QUANTUM_NANOS} ns at a time, then sends
 * every event that is due, each still timed from its own intended time (so the wait counts in its latency). No busy
 * spin, and no wake-up per event: on a 2-core machine a spinning sender takes a whole core from the broker and the
 * consumer, and one wake-up and one produce request per event (20,000 a second) load the broker far more than a
 * producer on another host would.
 *
 * <p>The parts: {@link FreshnessSetup} (where the broker and the producer run), {@link ScheduledProducer} (the
 * sender), {@link SendStats} (what it measured); this class runs the systems and writes the result rows.
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
        + "[--producer-jvm-args '" + PRODUCER_JVM_ARGS + "'] [--child-cpus taskset-list] "
        + "[--readable-probe park|spin|off]";

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
            "broker", "broker-jvm-args", "producer", "producer-jvm-args", "child-cpus", "readable-probe");
        String systems = "," + a.string("systems", "streams,freshet") + ",";
        int rate = a.intValue("rate", 20_000);
        int seconds = a.intValue("seconds", 60);
        int warmup = a.intValue("warmup-seconds", 10);
        int keys = a.intValue("keys", 100_000);
        int partitions = a.intValue("partitions", 4);
        if (partitions > CommitStampProbe.MAX_PARTITIONS) {
            throw new IllegalArgumentException("--partitions=" + partitions + " exceeds the commit-stamp probe's "
                + CommitStampProbe.MAX_PARTITIONS + ": use fewer partitions");
        }
        Path out = Path.of(a.string("out", "benchmarks/target/comparison/freshness.json"));
        boolean brokerChild = childMode(a, "broker");
        boolean producerChild = childMode(a, "producer");
        List<String> brokerJvmArgs = jvmArgs(a.string("broker-jvm-args", BROKER_JVM_ARGS));
        String childCpus = a.string("child-cpus", "");
        ReadableProbe.Mode readableMode = readableMode(a.string("readable-probe", "park"));
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
        FreshnessSetup setup = new FreshnessSetup();
        setup.producerJvmArgs = producerChild ? jvmArgs(a.string("producer-jvm-args", PRODUCER_JVM_ARGS)) : null;
        List<Object> rows = new ArrayList<>();
        try (ChildJvm child = brokerChild ? BrokerMain.start(brokerJvmArgs) : null;
            FreshetKafka broker = child != null ? FreshetKafka.external(BrokerMain.bootstrap(child)).start()
                : FreshetKafka.embedded().start()) {
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
                broker.createTopic(freshetTopic, partitions, Map.of("message.timestamp.type", "LogAppendTime"));
                Map<String, Object> freshet = FreshetHooks.freshness(setup, broker.bootstrapServers(), freshetTopic,
                    rate, seconds, warmup, keys, readableMode);
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

    /** @return the readable probe's mode, or null for none */
    private static ReadableProbe.Mode readableMode(String v) {
        switch (v) {
            case "park":
                return ReadableProbe.Mode.PARK;
            case "spin":
                return ReadableProbe.Mode.SPIN;
            case "off":
                return null;
            default:
                throw new IllegalArgumentException("--readable-probe=" + v + " is unknown: use park, spin or off");
        }
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
    static Map<String, Object> streams(FreshnessSetup setup, String bootstrap, String topic, int rate, int seconds,
        int warmup, int keys) throws Exception {
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
        row.put("stageSendCallMicros", Harness.percentiles(stats.sendCallMicros));
        row.put("stageBrokerAckMicros", Harness.percentiles(stats.ackMicros));
    }
}
