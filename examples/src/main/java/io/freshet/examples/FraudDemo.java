package io.freshet.examples;

import io.freshet.core.StoreConfig;
import io.freshet.core.StoreException;
import io.freshet.kafka.BadRecordPolicy;
import io.freshet.kafka.FeaturePipeline;
import io.freshet.kafka.OffsetMismatchException;
import io.freshet.kafka.PipelineException;
import io.freshet.kafka.PipelineMetrics;
import io.freshet.kafka.Source;
import io.freshet.kafka.metrics.FreshetMetrics;
import io.freshet.testkit.FreshetKafka;
import io.freshet.store.TableStoreEngine;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.BindException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.CommonClientConfigs;

/**
 * The fraud/risk demo, end to end on a real Kafka broker: synthetic payments (Zipf-skewed users, a few risky ones)
 * are produced at a fixed rate to a multi-partition topic; a {@link FeaturePipeline} computes
 * {@link RiskFeatures#USER_RISK} into a memory-mapped {@link TableStoreEngine} store; {@link FeatureServer} serves
 * {@code GET /features/{user}} and {@code GET /score/{user}} as JSON on 127.0.0.1, with a live page of plots at
 * {@code /} ({@link LivePage}) and the Prometheus scrape at {@code /metrics}. A status line is printed every second
 * (and plotted) and a summary at the end; the demo stops by itself after {@code --duration} and exits 0.
 *
 * <pre>
 * Usage: FraudDemo [--duration 15s] [--rate 5000] [--port 8080] [--bootstrap host:port] [--topic payments]
 *                  [--partitions 6] [--users 20000] [--store-dir DIR] [--seed 42] [--migrate-after 20s]
 * </pre>
 *
 * <p>Without {@code --bootstrap} a one-node Kafka 4.3.1 cluster (KRaft) starts inside this JVM. Without
 * {@code --store-dir} the store lives in a new temporary directory (on tmpfs when it has room), deleted at exit.
 * When the default port 8080 is taken, the server falls back to a free port (an explicit {@code --port} is never
 * changed).
 *
 * <p>Options: {@link FraudDemoOptions}; the summary: {@link FraudDemoSummary}.
 *
 * <p>Threading: {@link #start} and {@link #runToEnd} are called by one owner thread; {@link #requestStop} from any
 * thread (a shutdown hook, for Ctrl-C).
 */
public final class FraudDemo implements AutoCloseable {
    /** How long the summary waits for the pipeline to apply what was produced. */
    static final long DRAIN_TIMEOUT_S = 15;
    private static final long CATCH_UP_TIMEOUT_S = 120;

    private final FraudDemoOptions options;
    private final PrintStream out;
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final CountDownLatch closed = new CountDownLatch(1);
    private FreshetKafka broker;
    private DemoStoreDirectory storeDirectory;
    private FeaturePipeline pipeline;
    private FeatureServer server;
    private PaymentProducer producer;
    private FreshnessProbe probe;
    private final LiveSeries series = new LiveSeries();
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private FreshetMetrics pipelineMetrics;
    private long startNs;
    /** Wall clock when production started, and the client properties: for {@code --training-rows}. */
    private long startWallMs;
    private Properties kafka;
    private long appliedBeforeStart;
    /** Rows of the store (and of the next definition's, {@code --migrate-after}). */
    private long capacity;
    /** Set on Ctrl-C: Kafka's test kit deletes the broker's files in its own shutdown hook, concurrently. */
    private volatile boolean jvmExiting;

    private FraudDemo(FraudDemoOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    /**
     * Runs the demo from the command line; exits 0 after {@code --duration}, 2 on bad options, 1 on failure.
     *
     * @param args options, see {@link FraudDemoOptions#USAGE}
     */
    public static void main(String[] args) {
        FraudDemoOptions o;
        try {
            o = FraudDemoOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(FraudDemoOptions.USAGE);
            System.exit(2);
            return;
        }
        if (o.help()) {
            System.out.println(FraudDemoOptions.USAGE);
            return;
        }
        if (o.train()) {
            trainAndServe(o);
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
            if (e instanceof OffsetMismatchException && o.bootstrap() == null) {
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

    /** {@code --train}: {@link TrainServeDemo}; exits 0 when zero skew held, 1 otherwise or on failure. */
    private static void trainAndServe(FraudDemoOptions o) {
        int code;
        try {
            TrainServeDemo.Report r = TrainServeDemo.run(o, System.out);
            code = r.skewChecked() > 0 && r.skewEqual() == r.skewChecked() ? 0 : 1;
        } catch (Exception e) {
            System.err.println("train-and-serve demo failed: " + e);
            e.printStackTrace();
            code = 1;
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
    public static FraudDemo start(FraudDemoOptions options, PrintStream out) throws Exception {
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
        FraudDemoOptions o = options;
        out.printf("Freshet fraud demo: %,d payments/s for %s over %,d Zipf-skewed users (every 97th user is risky)%n",
            o.rate(), seconds(o.durationMs()), o.users());
        kafka = new Properties();
        if (o.bootstrap() == null) {
            out.println("starting an embedded Kafka broker (KRaft, in this JVM)...");
            broker = startQuietly();
            kafka.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        } else {
            out.printf("connecting to Kafka at %s...%n", o.bootstrap());
            kafka.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, o.bootstrap());
        }
        int partitions = DemoTopic.ensure(broker, kafka, o.topic(), o.partitions(), out);
        out.printf("kafka %s, topic %s with %d partitions%n", kafka.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG),
            o.topic(), partitions);

        // Every user the generator can draw, the probe user, and head-room for other keys an existing topic holds.
        capacity = o.users() + o.users() / 4 + 1024;
        storeDirectory = DemoStoreDirectory.of(o.storeDir(), capacity);
        StoreConfig storeConfig = storeDirectory.config(capacity);
        pipeline = FeaturePipeline.builder()
            .kafka(kafka)
            .instanceId("fraud-demo")
            .register(RiskFeatures.USER_RISK, storeDirectory.engine(), storeConfig,
                Source.of(o.topic(), new PaymentCodec()).onBadRecord(BadRecordPolicy.SKIP))
            .start();
        out.printf("store: table engine at %s, %,d rows of %,d bytes, 4 shards (%s)%n", storeDirectory.storeDir(),
            capacity, RiskFeatures.USER_RISK.rowSizeBytes(),
            pipeline.storeOpenState(RiskFeatures.USER_RISK));

        // Produce only once the consumers hold their positions: records produced before would wait for the
        // assignment and count as stale. With an existing topic this also applies what it already holds.
        long t0 = System.nanoTime();
        if (!pipeline.awaitCaughtUp(Duration.ofSeconds(CATCH_UP_TIMEOUT_S))) {
            throw new TimeoutException("the pipeline did not catch up with topic=" + o.topic() + " in "
                + CATCH_UP_TIMEOUT_S + " s: " + pipeline.status(RiskFeatures.USER_RISK));
        }
        appliedBeforeStart = pipeline.metrics().set(RiskFeatures.USER_RISK.name()).applied();
        out.printf("pipeline caught up in %d ms (%,d records already in the topic applied)%n",
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), appliedBeforeStart);

        producer = new PaymentProducer(kafka, o.topic(), o.rate(), new PaymentGenerator(o.seed(), o.users(), 1.1));
        probe = new FreshnessProbe(producer, pipeline.reader(RiskFeatures.USER_RISK));
        bindMetrics();
        server = startServer(o);
        out.printf("serving http://127.0.0.1:%d/features/{user} and /score/{user}  (try: curl -s"
            + " 127.0.0.1:%d/score/97)%n", server.port(), server.port());
        out.printf("live page: http://127.0.0.1:%d/   Prometheus: http://127.0.0.1:%d/metrics%n", server.port(),
            server.port());
        out.printf("every second: records produced and applied per second (%,d payments/s + %d freshness probes/s),"
            + " consumer lag (records), freshness p99 (produce -> readable through the FeatureReader, probes of the"
            + " last second), rows in the store, pipeline status%n", o.rate(), 1000 / FreshnessProbe.INTERVAL_MS);
        startNs = System.nanoTime();
        startWallMs = System.currentTimeMillis();
        producer.start();
        probe.start();
    }

    /**
     * Binds the pipeline to the registry {@code /metrics} scrapes, and adds the demo's own meters: what only the demo
     * knows (what it produced, its probes).
     */
    private void bindMetrics() {
        pipelineMetrics = FreshetMetrics.bind(pipeline, registry);
        FunctionCounter.builder("freshet.demo.records.produced", producer, p -> p.sent() + p.sentOutOfBand())
            .description("Payments and freshness probes the demo's producer sent")
            .baseUnit("records")
            .register(registry);
        FunctionCounter.builder("freshet.demo.probe.timeouts", probe, FreshnessProbe::timeouts)
            .description("Freshness probes not readable through the FeatureReader within "
                + FreshnessProbe.TIMEOUT_MS + " ms")
            .register(registry);
    }

    /**
     * Kafka's storage formatter prints its bootstrap records to {@code System.out}; the demo's own output goes to
     * {@link #out}, captured before, so the broker's lines are dropped while it starts (its errors still throw).
     */
    static FreshetKafka startQuietly() {
        PrintStream stdout = System.out;
        System.setOut(new PrintStream(OutputStream.nullOutputStream(), false, StandardCharsets.UTF_8));
        try {
            return FreshetKafka.embedded().start();
        } finally {
            System.setOut(stdout);
        }
    }

    private FeatureServer startServer(FraudDemoOptions o) throws IOException {
        LivePage page = new LivePage(series, registry);
        try {
            return FeatureServer.start(o.port(), pipeline.reader(RiskFeatures.USER_RISK), page);
        } catch (BindException e) {
            if (o.portExplicit()) {
                throw new BindException("port=" + o.port() + " on 127.0.0.1 is in use (" + e.getMessage()
                    + "): pass another --port, or --port 0 for any free port");
            }
            FeatureServer s = FeatureServer.start(0, pipeline.reader(RiskFeatures.USER_RISK), page);
            out.printf("port %d is in use; serving on port %d instead%n", o.port(), s.port());
            return s;
        }
    }

    /** @return the HTTP server's port (after {@link #start}) */
    public int httpPort() {
        return server.port();
    }

    /**
     * Prints a status line every second until {@code --duration} has passed (or {@link #requestStop}), then stops
     * the producer, lets the pipeline apply what was produced, adds the last point to the live page, prints the
     * summary and returns it. The HTTP server (and the live page) keeps serving until {@link #close()}.
     *
     * @return the summary
     * @throws Exception when the pipeline failed or a sample request failed
     */
    public FraudDemoSummary runToEnd() throws Exception {
        long endNs = startNs + TimeUnit.MILLISECONDS.toNanos(options.durationMs());
        DemoStatusLine status = new DemoStatusLine(pipeline, producer, probe, out, series, appliedBeforeStart,
            startNs);
        long migrateAtNs = options.migrateAfterMs() < 0 ? Long.MAX_VALUE
            : startNs + TimeUnit.MILLISECONDS.toNanos(options.migrateAfterMs());
        DemoMigration migration = new DemoMigration(pipeline, storeDirectory, capacity, out);
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
                status.print(now);
                if (now >= migrateAtNs) {
                    migration.tick();
                    migration.reportTo(series);
                }
                nextNs += TimeUnit.SECONDS.toNanos(1);
                // Behind by a whole second (a stalled machine): the next line covers a second from now, rather than
                // lines back to back whose rates are over a few ms (the live page plots them).
                if (nextNs <= now) {
                    nextNs = now + TimeUnit.SECONDS.toNanos(1);
                }
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
        // The page's last point: what was applied once production stopped; the page says the run is over.
        status.sample(System.nanoTime());
        series.finish();
        PipelineMetrics m = pipeline.metrics();
        String features = get("/features/1");
        String score = get("/score/97");
        FraudDemoSummary s = new FraudDemoSummary(producedForS, producer.sent(), producer.sentOutOfBand(),
            appliedBeforeStart, producer.acked(), producer.failed(), producer.shortfall(), m,
            pipeline.storeRows(RiskFeatures.USER_RISK), caughtUp, pipeline.status(RiskFeatures.USER_RISK),
            probe.total(), probe.timeouts(), features, score,
            FraudDemoSummary.scoreTable(pipeline.reader(RiskFeatures.USER_RISK)));
        s.print(out);
        if (options.trainingRows() != null) {
            // Labels over the second half of the run: by then most users the labels draw have some history.
            long endWallMs = System.currentTimeMillis();
            DemoTrainingRows.write(kafka, options.topic(), startWallMs + (endWallMs - startWallMs) / 2, endWallMs,
                options.users(), options.seed(), options.trainingRows(), out);
        }
        return s;
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
            if (pipelineMetrics != null) {
                pipelineMetrics.close();
            }
            if (pipeline != null) {
                pipeline.close();
            }
            // On Ctrl-C the test kit's own hook is deleting the broker's files: closing it then only logs errors.
            if (broker != null && !jvmExiting) {
                broker.close();
            }
            registry.close();
            if (storeDirectory != null) {
                storeDirectory.deleteIfTemporary();
            }
        } catch (IOException | StoreException e) {
            out.println("could not delete the temporary store " + storeDirectory.tempDir() + ": " + e);
        } finally {
            closed.countDown();
        }
    }

    private static String seconds(long ms) {
        return ms % 1000 == 0 ? ms / 1000 + " s" : String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }
}
