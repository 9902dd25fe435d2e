package io.freshet.examples;

import io.freshet.core.FeatureReader;
import io.freshet.core.FeatureRef;
import io.freshet.core.FeatureVector;
import io.freshet.core.StoreConfig;
import io.freshet.kafka.BadRecordPolicy;
import io.freshet.kafka.FeaturePipeline;
import io.freshet.kafka.OffsetMismatchException;
import io.freshet.kafka.PipelineException;
import io.freshet.kafka.PipelineMetrics;
import io.freshet.kafka.SetStatus;
import io.freshet.kafka.Source;
import io.freshet.kafka.testing.EmbeddedKafkaBroker;
import io.freshet.store.TableStoreEngine;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.BindException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * The fraud/risk demo, end to end on a real Kafka broker: synthetic payments (Zipf-skewed users, a few risky ones)
 * are produced at a fixed rate to a multi-partition topic; a {@link FeaturePipeline} computes
 * {@link RiskFeatures#USER_RISK} into a memory-mapped {@link TableStoreEngine} store; {@link FeatureServer} serves
 * {@code GET /features/{user}} and {@code GET /score/{user}} as JSON on 127.0.0.1. A status line is printed every
 * second and a summary at the end; the demo stops by itself after {@code --duration} and exits 0.
 *
 * <pre>
 * Usage: FraudDemo [--duration 15s] [--rate 5000] [--port 8080] [--bootstrap host:port] [--topic payments]
 *                  [--partitions 6] [--users 20000] [--store-dir DIR] [--seed 42]
 * </pre>
 *
 * <p>Without {@code --bootstrap} a one-node Kafka 4.3.1 cluster (KRaft) starts inside this JVM. Without
 * {@code --store-dir} the store lives in a new temporary directory (on tmpfs when it has room), deleted at exit.
 * When the default port 8080 is taken, the server falls back to a free port (an explicit {@code --port} is never
 * changed).
 *
 * <p>Threading: {@link #start} and {@link #runToEnd} are called by one owner thread; {@link #requestStop} from any
 * thread (a shutdown hook, for Ctrl-C).
 */
public final class FraudDemo implements AutoCloseable {
    /** The usage text. */
    public static final String USAGE = String.join(System.lineSeparator(),
        "Usage: FraudDemo [options]",
        "  --duration D       how long to produce, e.g. 15s, 90s, 2m, 500ms (default 15s)",
        "  --rate N           payments per second produced (default 5000)",
        "  --port N           HTTP port on 127.0.0.1; 0 = any free port (default 8080, or a free one if taken)",
        "  --bootstrap H:P    use this Kafka cluster instead of starting one in this JVM",
        "  --topic NAME       payments topic, created if absent (default payments)",
        "  --partitions N     partitions of a topic the demo creates (default 6)",
        "  --users N          distinct users, Zipf-skewed; the store holds 1.25 x N rows of ~4.8 KB (default 20000)",
        "  --store-dir DIR    store directory, kept at exit (default: a new one under /dev/shm when it has room,",
        "                     else under java.io.tmpdir, deleted at exit); a store holds the offsets of one",
        "                     cluster, and every embedded broker is a new cluster",
        "  --seed N           random seed of the payments (default 42)",
        "  --help             print this");

    private static final long TOPIC_TIMEOUT_S = 30;
    private static final long DRAIN_TIMEOUT_S = 15;
    private static final long CATCH_UP_TIMEOUT_S = 120;

    private final Options options;
    private final PrintStream out;
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final CountDownLatch closed = new CountDownLatch(1);
    private EmbeddedKafkaBroker broker;
    private Path tempDir;
    private Path storeDir;
    private FeaturePipeline pipeline;
    private FeatureServer server;
    private PaymentProducer producer;
    private FreshnessProbe probe;
    private long startNs;
    private long appliedBeforeStart;
    /** Set on Ctrl-C: Kafka's test kit deletes the broker's files in its own shutdown hook, concurrently. */
    private volatile boolean jvmExiting;

    private FraudDemo(Options options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    /**
     * Runs the demo from the command line; exits 0 after {@code --duration}, 2 on bad options, 1 on failure.
     *
     * @param args options, see {@link #USAGE}
     */
    public static void main(String[] args) {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        if (o.help) {
            System.out.println(USAGE);
            return;
        }
        int code = 0;
        FraudDemo demo = new FraudDemo(o, System.out);
        Thread hook = new Thread(() -> {
            demo.jvmExiting = true;
            demo.requestStop();
            demo.awaitClosed(30, TimeUnit.SECONDS);
        }, "freshet-demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            demo.startComponents();
            demo.runToEnd();
        } catch (Exception e) {
            System.err.println("fraud demo failed: " + e);
            if (e instanceof OffsetMismatchException && o.bootstrap == null) {
                System.err.println("hint: a store directory from an earlier run holds the offsets of that run's"
                    + " embedded broker; pass a new --store-dir, or none");
            }
            if (!(e instanceof IOException || e instanceof PipelineException || e instanceof TimeoutException)) {
                e.printStackTrace();
            }
            code = 1;
        } finally {
            demo.close();
        }
        System.exit(code);
    }

    /**
     * Starts broker (or connects), topic, store, pipeline, HTTP server and producer.
     *
     * @param options the options
     * @param out where status lines and the summary go
     * @return the running demo; call {@link #runToEnd()} then {@link #close()}
     * @throws Exception when a component cannot start (everything started so far is closed)
     */
    public static FraudDemo start(Options options, PrintStream out) throws Exception {
        FraudDemo demo = new FraudDemo(options, out);
        try {
            demo.startComponents();
            return demo;
        } catch (Exception | Error e) {
            demo.close();
            throw e;
        }
    }

    private void startComponents() throws Exception {
        Options o = options;
        out.printf("Freshet fraud demo: %,d payments/s for %s over %,d Zipf-skewed users (every 97th user is risky)%n",
            o.rate, seconds(o.durationMs), o.users);
        Properties kafka = new Properties();
        if (o.bootstrap == null) {
            out.println("starting an embedded Kafka broker (KRaft, in this JVM)...");
            broker = startQuietly();
            kafka.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        } else {
            out.printf("connecting to Kafka at %s...%n", o.bootstrap);
            kafka.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, o.bootstrap);
        }
        int partitions = ensureTopic(kafka, o.topic, o.partitions);
        out.printf("kafka %s, topic %s with %d partitions%n", kafka.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG),
            o.topic, partitions);

        // Every user the generator can draw, the probe user, and head-room for other keys an existing topic holds.
        long capacity = o.users + o.users / 4 + 1024;
        if (o.storeDir == null) {
            tempDir = Files.createTempDirectory(tempRoot(capacity), "freshet-demo-");
            storeDir = tempDir.resolve(RiskFeatures.USER_RISK.name());
        } else {
            storeDir = o.storeDir;
        }
        StoreConfig storeConfig = StoreConfig.builder(RiskFeatures.USER_RISK).directory(storeDir)
            .capacity(capacity).shards(4).build();
        pipeline = FeaturePipeline.builder()
            .kafka(kafka)
            .instanceId("fraud-demo")
            .register(RiskFeatures.USER_RISK, new TableStoreEngine(), storeConfig,
                Source.of(o.topic, new PaymentCodec()).onBadRecord(BadRecordPolicy.SKIP))
            .start();
        out.printf("store: table engine at %s, %,d rows of %,d bytes, 4 shards (%s)%n", storeDir, capacity,
            RiskFeatures.USER_RISK.rowSizeBytes(), pipeline.store(RiskFeatures.USER_RISK).openState());

        // Produce only once the consumers hold their positions: records produced before would wait for the
        // assignment and count as stale. With an existing topic this also applies what it already holds.
        long t0 = System.nanoTime();
        if (!pipeline.awaitCaughtUp(Duration.ofSeconds(CATCH_UP_TIMEOUT_S))) {
            throw new TimeoutException("the pipeline did not catch up with topic=" + o.topic + " in "
                + CATCH_UP_TIMEOUT_S + " s: " + pipeline.status(RiskFeatures.USER_RISK));
        }
        appliedBeforeStart = pipeline.metrics().set(RiskFeatures.USER_RISK.name()).applied();
        out.printf("pipeline caught up in %d ms (%,d records already in the topic applied)%n",
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), appliedBeforeStart);

        server = startServer(o);
        out.printf("serving http://127.0.0.1:%d/features/{user} and /score/{user}  (try: curl -s"
            + " 127.0.0.1:%d/score/97)%n", server.port(), server.port());

        producer = new PaymentProducer(kafka, o.topic, o.rate, new PaymentGenerator(o.seed, o.users, 1.1));
        probe = new FreshnessProbe(producer, pipeline.reader(RiskFeatures.USER_RISK));
        out.printf("every second: records produced and applied per second (%,d payments/s + %d freshness probes/s),"
            + " consumer lag (records), freshness p99 (produce -> readable through the FeatureReader, probes of the"
            + " last second), rows in the store, pipeline status%n", o.rate, 1000 / FreshnessProbe.INTERVAL_MS);
        startNs = System.nanoTime();
        producer.start();
        probe.start();
    }

    /**
     * The table engine writes its file full of zeros at creation (no holes, so a full disk is an error at open, not
     * a SIGBUS later) and applies fastest on tmpfs: a throw-away store goes to {@code /dev/shm} when it has room for
     * twice the file, else to the JVM's temporary directory.
     */
    private static Path tempRoot(long capacity) {
        Path shm = Paths.get("/dev/shm");
        long estimateBytes = capacity * (RiskFeatures.USER_RISK.rowSizeBytes() + 64L);
        try {
            if (Files.isDirectory(shm) && Files.isWritable(shm)
                && Files.getFileStore(shm).getUsableSpace() > 2 * estimateBytes) {
                return shm;
            }
        } catch (IOException e) {
            // Not usable: fall through to the default temporary directory.
        }
        return Paths.get(System.getProperty("java.io.tmpdir"));
    }

    /**
     * Kafka's storage formatter prints its bootstrap records to {@code System.out}; the demo's own output goes to
     * {@link #out}, captured before, so the broker's lines are dropped while it starts (its errors still throw).
     */
    private static EmbeddedKafkaBroker startQuietly() {
        PrintStream stdout = System.out;
        System.setOut(new PrintStream(OutputStream.nullOutputStream(), false, StandardCharsets.UTF_8));
        try {
            return EmbeddedKafkaBroker.startEmbedded();
        } finally {
            System.setOut(stdout);
        }
    }

    private FeatureServer startServer(Options o) throws IOException {
        try {
            return FeatureServer.start(o.port, pipeline.reader(RiskFeatures.USER_RISK));
        } catch (BindException e) {
            if (o.portExplicit) {
                throw new BindException("port=" + o.port + " on 127.0.0.1 is in use (" + e.getMessage()
                    + "): pass another --port, or --port 0 for any free port");
            }
            FeatureServer s = FeatureServer.start(0, pipeline.reader(RiskFeatures.USER_RISK));
            out.printf("port %d is in use; serving on port %d instead%n", o.port, s.port());
            return s;
        }
    }

    /** @return the HTTP server's port (after {@link #start}) */
    public int httpPort() {
        return server.port();
    }

    /**
     * Prints a status line every second until {@code --duration} has passed (or {@link #requestStop}), then stops
     * the producer, lets the pipeline apply what was produced, prints the summary and returns it. The HTTP server
     * keeps serving until {@link #close()}.
     *
     * @return the summary
     * @throws Exception when the pipeline failed or a sample request failed
     */
    public Summary runToEnd() throws Exception {
        long endNs = startNs + TimeUnit.MILLISECONDS.toNanos(options.durationMs);
        long lastNs = startNs;
        long lastSent = 0;
        long lastApplied = appliedBeforeStart;
        long nextNs = startNs + TimeUnit.SECONDS.toNanos(1);
        while (true) {
            long wait = Math.min(nextNs, endNs) - System.nanoTime();
            if (wait > 0 && stopRequested.await(wait, TimeUnit.NANOSECONDS)) {
                break;
            }
            if (pipeline.failure() != null) {
                throw pipeline.failure();
            }
            long now = System.nanoTime();
            if (now >= nextNs) {
                PipelineMetrics m = pipeline.metrics();
                long sent = producer.sent() + producer.sentOutOfBand();
                long applied = m.applied();
                double dt = (now - lastNs) / 1e9;
                SetStatus st = pipeline.status(RiskFeatures.USER_RISK);
                Histogram fresh = probe.intervalHistogram();
                out.printf(Locale.ROOT, "[%3ds] produced %,7.0f/s  applied %,7.0f/s  lag %,6d  freshness p99 %s"
                    + "  keys %,8d  %s%n", Math.round((now - startNs) / 1e9), (sent - lastSent) / dt,
                    (applied - lastApplied) / dt, lag(m), fresh.getTotalCount() == 0 ? "   -   "
                        : String.format(Locale.ROOT, "%5.1f ms", fresh.getValueAtPercentile(99) / 1000.0),
                    pipeline.store(RiskFeatures.USER_RISK).size(), st.state());
                lastNs = now;
                lastSent = sent;
                lastApplied = applied;
                nextNs += TimeUnit.SECONDS.toNanos(1);
            }
            if (now >= endNs) {
                break;
            }
        }
        double producedForS = (System.nanoTime() - startNs) / 1e9;
        probe.close();
        probe.intervalHistogram();
        producer.stop();
        boolean caughtUp = pipeline.awaitCaughtUp(Duration.ofSeconds(DRAIN_TIMEOUT_S));
        PipelineMetrics m = pipeline.metrics();
        String features = get("/features/1");
        String score = get("/score/97");
        Summary s = new Summary(producedForS, producer.sent(), producer.sentOutOfBand(), appliedBeforeStart,
            producer.acked(), producer.failed(), producer.shortfall(), m, pipeline.store(RiskFeatures.USER_RISK).size(),
            caughtUp, pipeline.status(RiskFeatures.USER_RISK), probe.total(), probe.timeouts(), features, score,
            scoreTable());
        s.print(out);
        return s;
    }

    /** Scores of the busiest users next to risky ones, read through the pipeline's reader like the server does. */
    private String scoreTable() {
        FeatureReader reader = pipeline.reader(RiskFeatures.USER_RISK);
        FeatureVector v = RiskFeatures.USER_RISK.newVector();
        RiskScore model = new RiskScore(RiskFeatures.USER_RISK);
        double[] x = new double[RiskScore.TERMS.size()];
        FeatureRef txn5m = RiskFeatures.USER_RISK.ref("txn_5m");
        FeatureRef declineRatio = RiskFeatures.USER_RISK.ref("decline_ratio_1h");
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "  %-8s %-7s %8s %16s %7s  %s%n", "user", "kind", "txn_5m",
            "decline_ratio_1h", "score", "band"));
        for (long user : new long[] {1, 2, 3, 97, 194, 291}) {
            reader.read(user, v);
            double score = model.evaluate(v, x);
            b.append(String.format(Locale.ROOT, "  %-8d %-7s %8d %16.3f %7.3f  %s (%s)%n", user,
                PaymentGenerator.isRisky(user) ? "risky" : "busiest", v.getLong(txn5m), v.getDouble(declineRatio),
                score, RiskScore.band(score), v.status()));
        }
        return b.toString();
    }

    private static long lag(PipelineMetrics m) {
        long lag = 0;
        for (Map.Entry<?, Long> e : m.lagByPartition().entrySet()) {
            if (e.getValue() < 0) {
                return -1;
            }
            lag += e.getValue();
        }
        return lag;
    }

    private String get(String path) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
            + path)).timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET " + path + " answered status=" + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    /** Asks {@link #runToEnd()} to finish early (it still prints the summary). Thread-safe. */
    public void requestStop() {
        stopRequested.countDown();
    }

    private void awaitClosed(long timeout, TimeUnit unit) {
        try {
            closed.await(timeout, unit);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Creates the topic when absent and waits until every partition has a leader that answers.
     *
     * @return the topic's partition count
     */
    private int ensureTopic(Properties kafka, String topic, int partitions) throws Exception {
        if (broker != null) {
            broker.createTopic(topic, partitions);
            return partitions;
        }
        try (Admin admin = Admin.create(kafka)) {
            try {
                admin.createTopics(List.of(new NewTopic(topic, partitions, (short) -1))).all()
                    .get(TOPIC_TIMEOUT_S, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
                out.printf("topic %s exists: the pipeline first applies what it already holds%n", topic);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TOPIC_TIMEOUT_S);
            while (true) {
                try {
                    TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames()
                        .get(TOPIC_TIMEOUT_S, TimeUnit.SECONDS).get(topic);
                    boolean led = true;
                    for (TopicPartitionInfo p : d.partitions()) {
                        led &= p.leader() != null && !p.leader().isEmpty();
                    }
                    if (led) {
                        return d.partitions().size();
                    }
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                        throw e;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("topic=" + topic + " has no leader for every partition after "
                        + TOPIC_TIMEOUT_S + " s");
                }
                Thread.sleep(50);
            }
        }
    }

    /**
     * Closes the producer, HTTP server, pipeline (its store gets the clean-shutdown marker) and broker, in that
     * order, and deletes the temporary store directory. Idempotent. (After Ctrl-C the embedded broker is left to the
     * exiting JVM.)
     */
    @Override
    public synchronized void close() {
        if (closed.getCount() == 0) {
            return;
        }
        try {
            if (probe != null) {
                probe.close();
            }
            if (producer != null) {
                producer.close();
            }
            if (server != null) {
                server.close();
            }
            if (pipeline != null) {
                pipeline.close();
            }
            // On Ctrl-C the test kit's own hook is deleting the broker's files: closing it then only logs errors.
            if (broker != null && !jvmExiting) {
                broker.close();
            }
            if (tempDir != null) {
                deleteTree(tempDir);
            }
        } catch (IOException e) {
            out.println("could not delete the temporary store " + tempDir + ": " + e);
        } finally {
            closed.countDown();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static String seconds(long ms) {
        return ms % 1000 == 0 ? ms / 1000 + " s" : String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }

    /**
     * The demo's command-line options. Immutable once parsed.
     */
    public static final class Options {
        /** Default duration. */
        public static final long DEFAULT_DURATION_MS = 15_000;
        /** Default rate, payments per second. */
        public static final int DEFAULT_RATE = 5000;
        /** Default HTTP port. */
        public static final int DEFAULT_PORT = 8080;

        long durationMs = DEFAULT_DURATION_MS;
        int rate = DEFAULT_RATE;
        int port = DEFAULT_PORT;
        boolean portExplicit;
        String bootstrap;
        String topic = "payments";
        int partitions = 6;
        int users = 20_000;
        Path storeDir;
        long seed = 42;
        boolean help;

        private Options() {
        }

        /**
         * @param args {@code --name value} or {@code --name=value} pairs, see {@link FraudDemo#USAGE}
         * @return the options
         * @throws IllegalArgumentException naming the bad option and what is allowed
         */
        public static Options parse(String... args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.isBlank()) {
                    continue;
                }
                if ("--help".equals(a) || "-h".equals(a)) {
                    o.help = true;
                    continue;
                }
                String name = a;
                String value;
                int eq = a.indexOf('=');
                if (eq > 0) {
                    name = a.substring(0, eq);
                    value = a.substring(eq + 1);
                } else if (i + 1 < args.length) {
                    value = args[++i];
                } else {
                    throw new IllegalArgumentException("option " + a + " needs a value");
                }
                switch (name) {
                    case "--duration":
                        o.durationMs = parseDurationMs(value);
                        break;
                    case "--rate":
                        o.rate = parseInt(name, value, 1, 1_000_000);
                        break;
                    case "--port":
                        o.port = parseInt(name, value, 0, 65535);
                        o.portExplicit = true;
                        break;
                    case "--bootstrap":
                        if (value.isBlank()) {
                            throw new IllegalArgumentException("--bootstrap is blank: use host:port");
                        }
                        o.bootstrap = value;
                        break;
                    case "--topic":
                        if (value.isBlank()) {
                            throw new IllegalArgumentException("--topic is blank: name a topic");
                        }
                        o.topic = value;
                        break;
                    case "--partitions":
                        o.partitions = parseInt(name, value, 1, 256);
                        break;
                    case "--users":
                        o.users = parseInt(name, value, 1, 1_000_000);
                        break;
                    case "--store-dir":
                        o.storeDir = Paths.get(value).toAbsolutePath();
                        break;
                    case "--seed":
                        o.seed = parseLong(name, value);
                        break;
                    default:
                        throw new IllegalArgumentException("unknown option " + name);
                }
            }
            return o;
        }

        private static int parseInt(String name, String value, int min, int max) {
            long v = parseLong(name, value);
            if (v < min || v > max) {
                throw new IllegalArgumentException(name + "=" + value + " is out of range: use " + min + ".." + max);
            }
            return (int) v;
        }

        private static long parseLong(String name, String value) {
            try {
                return Long.parseLong(value.replace("_", ""));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + "=" + value + " is not a whole number");
            }
        }

        /** Accepts {@code 20}, {@code 20s}, {@code 500ms}, {@code 2m}: 100 ms to 24 h. */
        static long parseDurationMs(String value) {
            String v = value.trim().toLowerCase(Locale.ROOT);
            long unitMs = 1000;
            if (v.endsWith("ms")) {
                unitMs = 1;
                v = v.substring(0, v.length() - 2);
            } else if (v.endsWith("s")) {
                v = v.substring(0, v.length() - 1);
            } else if (v.endsWith("m")) {
                unitMs = 60_000;
                v = v.substring(0, v.length() - 1);
            }
            double n;
            try {
                n = Double.parseDouble(v);
            } catch (NumberFormatException e) {
                n = Double.NaN;
            }
            double ms = n * unitMs;
            if (!(ms >= 100 && ms <= TimeUnit.HOURS.toMillis(24))) {
                throw new IllegalArgumentException("--duration=" + value
                    + " is not a duration from 100ms to 24h: use e.g. 20s, 90s, 2m or 500ms");
            }
            return Math.round(ms);
        }

        /** @return how long payments are produced, ms */
        public long durationMs() {
            return durationMs;
        }

        /** @return payments per second */
        public int rate() {
            return rate;
        }

        /** @return the HTTP port asked for (0 = any free port) */
        public int port() {
            return port;
        }

        /** @return the external cluster, or null for the embedded broker */
        public String bootstrap() {
            return bootstrap;
        }

        /** @return whether --help was given */
        public boolean help() {
            return help;
        }
    }

    /**
     * What a run did: totals, freshness per pipeline stage, and sample responses. Immutable.
     */
    public static final class Summary {
        private final double producedForS;
        private final long produced;
        private final long probes;
        private final long appliedBeforeStart;
        private final long acked;
        private final long failed;
        private final long shortfall;
        private final PipelineMetrics metrics;
        private final long keys;
        private final boolean caughtUp;
        private final SetStatus status;
        private final Histogram freshness;
        private final long probeTimeouts;
        private final String featuresJson;
        private final String scoreJson;
        private final String scoreTable;

        Summary(double producedForS, long produced, long probes, long appliedBeforeStart, long acked, long failed,
            long shortfall, PipelineMetrics metrics, long keys, boolean caughtUp, SetStatus status, Histogram freshness,
            long probeTimeouts, String featuresJson, String scoreJson, String scoreTable) {
            this.producedForS = producedForS;
            this.produced = produced;
            this.probes = probes;
            this.appliedBeforeStart = appliedBeforeStart;
            this.acked = acked;
            this.failed = failed;
            this.shortfall = shortfall;
            this.metrics = metrics;
            this.keys = keys;
            this.caughtUp = caughtUp;
            this.status = status;
            this.freshness = freshness;
            this.probeTimeouts = probeTimeouts;
            this.featuresJson = featuresJson;
            this.scoreJson = scoreJson;
            this.scoreTable = scoreTable;
        }

        /** @return payments sent at the paced rate (probes not included) */
        public long produced() {
            return produced;
        }

        /** @return payments the broker acknowledged */
        public long acked() {
            return acked;
        }

        /** @return records the pipeline applied to the store */
        public long applied() {
            return metrics.set(RiskFeatures.USER_RISK.name()).applied();
        }

        /** @return rows in the store */
        public long keys() {
            return keys;
        }

        /** @return whether the pipeline had applied everything produced before the summary */
        public boolean caughtUp() {
            return caughtUp;
        }

        /** @return probes of produce -> readable, µs */
        public Histogram freshness() {
            return freshness;
        }

        /** @return the pipeline's final metrics */
        public PipelineMetrics metrics() {
            return metrics;
        }

        /** @return the {@code GET /features/1} response at the end */
        public String featuresJson() {
            return featuresJson;
        }

        /** @return the {@code GET /score/97} response at the end */
        public String scoreJson() {
            return scoreJson;
        }

        void print(PrintStream out) {
            PipelineMetrics.SetCounts c = metrics.set(RiskFeatures.USER_RISK.name());
            PipelineMetrics.Stage poll = metrics.brokerToPoll();
            PipelineMetrics.Stage apply = metrics.pollToApplied();
            PipelineMetrics.Stage event = metrics.eventToBroker();
            out.println();
            out.printf(Locale.ROOT, "Summary: produced %,d payments in %.1f s (%,.0f/s), acked %,d, failed %,d,"
                + " not sent (producer behind) %,d%n", produced, producedForS, produced / producedForS, acked, failed,
                shortfall);
            out.printf(Locale.ROOT, "  pipeline: applied %,d records (the payments, %,d probes and %,d records already"
                + " in the topic; late for some window %,d, bad %,d), keys in store %,d, %s, status %s%n", c.applied(),
                probes, appliedBeforeStart, c.late(), c.badRecords(), keys,
                caughtUp ? "caught up" : "NOT caught up after " + DRAIN_TIMEOUT_S + " s", status);
            out.printf(Locale.ROOT, "  freshness, produce -> readable (%,d probes, %d timed out), ms:"
                + "  p50 %.2f  p99 %.2f  p99.9 %.2f  max %.2f%n", freshness.getTotalCount(), probeTimeouts,
                freshness.getValueAtPercentile(50) / 1000.0, freshness.getValueAtPercentile(99) / 1000.0,
                freshness.getValueAtPercentile(99.9) / 1000.0, freshness.getMaxValue() / 1000.0);
            out.println("  pipeline stages over every record since start (warm-up included):");
            out.printf(Locale.ROOT, "    produce -> poll, ms:     p50 %,d  p99 %,d  p99.9 %,d  max %,d%n",
                poll.p50(), poll.p99(), poll.p999(), poll.max());
            out.printf(Locale.ROOT, "    poll -> applied, ms:     p50 %.3f  p99 %.3f  p99.9 %.3f  max %.3f%n",
                apply.p50() / 1000.0, apply.p99() / 1000.0, apply.p999() / 1000.0, apply.max() / 1000.0);
            out.printf(Locale.ROOT, "    event time -> broker, ms (the generator's 0-3 s event-time jitter): p50 %,d"
                + "  p99 %,d%n", event.p50(), event.p99());
            out.println("  GET /features/1  (the busiest user)");
            out.println(FeatureJson.pretty(featuresJson, "    "));
            out.println("  GET /score/97  (a risky user: ten times the usual declines)");
            out.println(FeatureJson.pretty(scoreJson, "    "));
            out.println("  risk scores (GET /score/{user}):");
            out.print(scoreTable);
        }
    }
}
