package io.freshet.examples;

import com.sun.management.ThreadMXBean;
import io.freshet.core.FeatureReader;
import io.freshet.core.FeatureView;
import io.freshet.core.ViewReader;
import io.freshet.core.ViewRequest;
import io.freshet.core.ViewVector;
import io.freshet.core.StoreConfig;
import io.freshet.kafka.BadRecordPolicy;
import io.freshet.kafka.FeaturePipeline;
import io.freshet.kafka.Source;
import io.freshet.kafka.TrainingProgress;
import io.freshet.kafka.TrainingSet;
import io.freshet.testkit.FreshetKafka;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.BindException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.LongSerializer;
import org.tribuo.classification.evaluation.LabelEvaluation;

/**
 * The fraud demo's {@code --train}: the whole life of a feature, on a real broker. Defined once
 * ({@link RiskFeatures#USER_RISK}), served live, turned into training rows, used to train a model that is then served
 * on the same vectors.
 * <ol>
 *   <li><b>Generate</b> ({@code --duration}): payments with a hidden fraud rule ({@link FraudPaymentGenerator}) to the
 *   payments topic, the live pipeline applying them; each payment's outcome goes to the {@value #LABELS_TOPIC} topic
 *   {@value #LABEL_DELAY_MS} ms later, as chargebacks arrive late.</li>
 *   <li><b>Train</b>: {@link TrainingSet} over the labels topic and the payments' history, as of known time (lag 0:
 *   what the broker had when the payment was scored), one row per label at the payment's time; split by label time
 *   (the first {@value #TRAIN_PERCENT}% train, the rest test); a Tribuo logistic regression over {@link ModelColumns};
 *   AUC and precision at a {@value #ALERT_PERCENT}% alert rate on the held-out slice against the hand-set
 *   {@link RiskScore}; the model file written beside the store and read back.</li>
 *   <li><b>Serve</b> (a third of {@code --duration}, at least 2 s): payments continue; {@code /score/{user}} answers
 *   with the model, reading its {@code FeatureView} with {@code ?amount=A}, the payment being scored, as the request
 *   parameter. Once a second production pauses,
 *   the pipeline catches up, and {@value #SAMPLES_PER_PAUSE} requests are recorded with the vectors served.</li>
 *   <li><b>Report</b>: in-process score latency (read + model, HdrHistogram) and allocation per score (ThreadMXBean),
 *   with the model's weights and through Tribuo's {@code predict}; then zero skew: the training rows recomputed for
 *   the recorded (user, read time) pairs must equal the served vectors, all of them.</li>
 * </ol>
 *
 * <p>Threading: one owner thread runs it all (production is paced on it, so a pause is exact); the HTTP server has its
 * own threads.
 */
final class TrainServeDemo implements AutoCloseable {
    /** The labels topic. */
    static final String LABELS_TOPIC = "labels";
    /** How long after its payment an outcome is published. */
    static final long LABEL_DELAY_MS = 3000;
    /** Percent of the rows, by label time, that train the model. */
    static final int TRAIN_PERCENT = 70;
    /** The alert rate precision is reported at, percent. */
    static final int ALERT_PERCENT = 2;
    /** Served requests recorded per pause. */
    static final int SAMPLES_PER_PAUSE = 40;
    /** In-process scores measured, per path. */
    static final int MEASURED_SCORES = 20_000;
    private static final long CATCH_UP_TIMEOUT_S = 120;
    private static final String MODEL_FILE = "fraud-model.tribuo";
    /**
     * The training runs keep their rows in memory and name these files, never written: their sidecar JSON goes
     * beside, as the name plus {@code .json}.
     */
    private static final String TRAINING_ROWS = "training-rows";
    private static final String SKEW_ROWS = "zero-skew-rows";
    /** The view's own training rows (CSV), written to check the in-memory rows against; deleted at exit. */
    private static final String VIEW_ROWS = "view-rows";

    /**
     * What a run found.
     *
     * @param payments payments produced
     * @param rows training rows
     * @param trainRows rows of the train slice
     * @param fraudShare share of fraud labels
     * @param modelAuc the model's AUC on the held-out slice (own computation)
     * @param tribuoAuc Tribuo's {@code LabelEvaluation.AUCROC} of the model on the same slice
     * @param baselineAuc the hand-set score's AUC on the held-out slice
     * @param modelPrecision the model's precision at the alert rate
     * @param baselinePrecision the hand-set score's precision at the alert rate
     * @param skewChecked served vectors checked
     * @param skewEqual served vectors equal to their recomputed training rows (values, event times, status, score)
     * @param scoreP50Ns in-process score latency p50, with the model's weights
     * @param scoreP99Ns its p99
     * @param bytesPerScore bytes allocated per score, with the model's weights
     * @param tribuoP50Ns the latency p50 through Tribuo's predict
     * @param tribuoP99Ns its p99
     * @param tribuoBytesPerScore bytes allocated per score through Tribuo's predict
     * @param maxScoreDifference the largest difference between the two paths' probabilities
     * @param viewRowsChecked rows of the view's training CSV ({@code TrainingSet...view}) checked; -1: not its header
     * @param viewRowsEqual those equal to the in-memory training row of the same label
     */
    record Report(long payments, int rows, int trainRows, double fraudShare, double modelAuc, double tribuoAuc,
        double baselineAuc, double modelPrecision, double baselinePrecision, int skewChecked, int skewEqual,
        long scoreP50Ns, long scoreP99Ns, double bytesPerScore, long tribuoP50Ns, long tribuoP99Ns,
        double tribuoBytesPerScore, double maxScoreDifference, int viewRowsChecked, int viewRowsEqual) {
    }

    private final FraudDemoOptions options;
    private final PrintStream out;
    private final ServedScores servedScores = new ServedScores();
    private FreshetKafka broker;
    private Properties kafka;
    private DemoStoreDirectory storeDirectory;
    private FeaturePipeline pipeline;
    private KafkaProducer<Long, byte[]> producer;
    private FeatureServer server;
    private final FraudPaymentGenerator generator;
    private final Payment payment = new Payment();
    private final ArrayDeque<FraudOutcome> pendingLabels = new ArrayDeque<>();
    private final long[] recentUsers = new long[256];
    private final SplittableRandom sampling;
    private long payments;
    private long frauds;
    private long lastEventMs;

    private TrainServeDemo(FraudDemoOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
        this.generator = new FraudPaymentGenerator(options.seed(), options.users());
        this.sampling = new SplittableRandom(options.seed() ^ 0x5a3b1eL);
    }

    /**
     * Runs generate, train, serve and report, and closes everything.
     *
     * @param options the demo's options ({@code --duration}, {@code --rate}, {@code --users}, {@code --seed},
     *     {@code --port}, {@code --bootstrap}, {@code --topic}, {@code --partitions}, {@code --store-dir})
     * @param out where the report goes
     * @return the report
     * @throws Exception when a component fails
     */
    static Report run(FraudDemoOptions options, PrintStream out) throws Exception {
        try (TrainServeDemo demo = new TrainServeDemo(options, out)) {
            return demo.runAll();
        }
    }

    private Report runAll() throws Exception {
        long runStartNs = System.nanoTime();
        FraudDemoOptions o = options;
        long serveMs = Math.max(2000, o.durationMs() / 3);
        out.printf("Freshet train and serve: %s of payments at %,d/s over %,d users with a hidden fraud rule;"
            + " outcomes to topic %s %d s after each payment; then train, serve %s, report%n",
            seconds(o.durationMs()), o.rate(), o.users(), LABELS_TOPIC, LABEL_DELAY_MS / 1000, seconds(serveMs));
        startComponents();
        out.printf("  ready after %.1f s%n", (System.nanoTime() - runStartNs) / 1e9);

        // 1. Generate.
        long t0 = System.nanoTime();
        produce(o.durationMs(), false);
        flushLabels();
        out.printf("1 generate: %,d payments (%.1f%% fraud) and as many outcomes in %d ms%n", payments,
            100.0 * frauds / Math.max(1, payments), ms(System.nanoTime() - t0));

        // 2. Train.
        ModelColumns columns = new ModelColumns(ModelColumns.VIEW);
        ModelRows rows = new ModelRows(demoFile(TRAINING_ROWS), columns);
        t0 = System.nanoTime();
        TrainingProgress done = TrainingSet.forLabelTopic(LABELS_TOPIC, FraudOutcome.decoder(),
                FraudOutcome::paymentTimeMs)
            .labelColumn("fraud", FraudOutcome::fraud)
            .labelColumn("amount", FraudOutcome::amount)
            .labelColumn("merchant", FraudOutcome::merchantId)
            .features(RiskFeatures.USER_RISK, FraudOutcome::userId, paymentsSource())
            .asOfKnownTime(Duration.ZERO)
            .kafka(kafka)
            .build()
            .write(rows);
        int n = rows.rows();
        int train = n * TRAIN_PERCENT / 100;
        out.printf("2 train: %,d training rows as of known time (lag 0) from %,d history records in %d ms;"
            + " split by label time at %s: %,d train, %,d test%n", n, done.recordsRead(),
            ms(System.nanoTime() - t0), Instant.ofEpochMilli(rows.labelTimeMs()[train]), train, n - train);
        int[] viewRows = viewRowsCheck(rows, columns.view());
        t0 = System.nanoTime();
        FraudModel trained = FraudModel.train(columns, rows.x(), rows.fraud(), 0, train);
        long trainMs = ms(System.nanoTime() - t0);
        Path modelFile = demoFile(MODEL_FILE);
        trained.save(modelFile);
        FraudModel model = FraudModel.load(modelFile, columns);
        out.printf("  model input: view %s, %d columns: %s%n", columns.view().name(), columns.width(),
            String.join(", ", columns.view().columns()));
        out.printf("  Tribuo logistic regression over the view's %d columns trained in %d ms; model file %s (%,d"
            + " bytes), read back to serve%n", columns.width(), trainMs, modelFile, Files.size(modelFile));
        Report partial = evaluate(model, rows, train);

        // 3. Serve.
        server = startServer(model);
        out.printf("3 serve: http://127.0.0.1:%d/score/{user}?amount=A with the model on view %s for %s while"
            + " payments continue (try: curl -s '127.0.0.1:%d/score/1?amount=250')%n", server.port(),
            columns.view().name(),
            seconds(serveMs), server.port());
        produce(serveMs, true);
        flushLabels();
        awaitCaughtUp();
        String example = "/score/1?amount=250";
        out.printf("  GET %s -> %s%n", example, get(example));

        // 4. Report.
        out.printf("  served for %.1f s; at %.1f s%n", serveMs / 1e3, (System.nanoTime() - runStartNs) / 1e9);
        Report r = measure(model, partial);
        int[] skew = zeroSkew(model);
        out.printf("done in %.1f s%n", (System.nanoTime() - runStartNs) / 1e9);
        return new Report(r.payments(), r.rows(), r.trainRows(), r.fraudShare(), r.modelAuc(), r.tribuoAuc(),
            r.baselineAuc(), r.modelPrecision(), r.baselinePrecision(), skew[0], skew[1], r.scoreP50Ns(),
            r.scoreP99Ns(), r.bytesPerScore(), r.tribuoP50Ns(), r.tribuoP99Ns(), r.tribuoBytesPerScore(),
            r.maxScoreDifference(), viewRows[0], viewRows[1]);
    }

    /**
     * The same labels through {@code TrainingSet...view(view).viewParam("amount", ...)} to the view's CSV, each row
     * checked against the in-memory row of the same label: the model trains on the view's own training rows.
     */
    private int[] viewRowsCheck(ModelRows rows, FeatureView view) throws IOException {
        long t0 = System.nanoTime();
        Path csv = demoFile(VIEW_ROWS + ".csv");
        TrainingSet.forLabelTopic(LABELS_TOPIC, FraudOutcome.decoder(), FraudOutcome::paymentTimeMs)
            .labelColumn("fraud", FraudOutcome::fraud)
            .labelColumn("amount", FraudOutcome::amount)
            .labelColumn("merchant", FraudOutcome::merchantId)
            .features(RiskFeatures.USER_RISK, FraudOutcome::userId, paymentsSource())
            .asOfKnownTime(Duration.ZERO)
            .view(view)
            .viewParam(ModelColumns.AMOUNT, FraudOutcome::amount)
            .kafka(kafka)
            .build()
            .writeCsv(csv);
        int[] counts = ViewRowsCheck.run(rows, view, csv, out);
        out.printf("  the view's own training rows (TrainingSet...view(%s), CSV, %,d bytes): checked %,d, equal %,d"
            + " to the model's rows, in %d ms%n", view.name(), Files.size(csv), counts[0], counts[1],
            ms(System.nanoTime() - t0));
        return counts;
    }

    private void startComponents() throws Exception {
        FraudDemoOptions o = options;
        kafka = new Properties();
        if (o.bootstrap() == null) {
            broker = FraudDemo.startQuietly();
            kafka.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        } else {
            kafka.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, o.bootstrap());
        }
        DemoTopic.ensure(broker, kafka, o.topic(), o.partitions(), out);
        DemoTopic.ensure(broker, kafka, LABELS_TOPIC, o.partitions(), out);
        long capacity = o.users() + o.users() / 4 + 1024;
        storeDirectory = DemoStoreDirectory.of(o.storeDir(), capacity);
        StoreConfig storeConfig = storeDirectory.config(capacity);
        pipeline = FeaturePipeline.builder()
            .kafka(kafka)
            .instanceId("train-serve-demo")
            .register(RiskFeatures.USER_RISK, storeDirectory.engine(), storeConfig, paymentsSource())
            .start();
        awaitCaughtUp();
        Properties p = new Properties();
        p.putAll(kafka);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "2");
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "freshet-train-serve-producer");
        producer = new KafkaProducer<>(p, new LongSerializer(), new ByteArraySerializer());
        out.printf("kafka %s, topics %s and %s, store %s%n", kafka.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG),
            o.topic(), LABELS_TOPIC, storeDirectory.storeDir());
    }

    /** On the default port, or a free one when it is taken and {@code --port} was not given. */
    private FeatureServer startServer(FraudModel model) throws IOException {
        FeatureReader reader = pipeline.reader(RiskFeatures.USER_RISK);
        try {
            return FeatureServer.start(options.port(), reader, null, model, servedScores);
        } catch (BindException e) {
            if (options.portExplicit()) {
                throw new BindException("port=" + options.port() + " on 127.0.0.1 is in use (" + e.getMessage()
                    + "): pass another --port, or --port 0 for any free port");
            }
            return FeatureServer.start(0, reader, null, model, servedScores);
        }
    }

    /** @return a file of the demo's own, beside the store (in its temporary directory unless --store-dir) */
    private Path demoFile(String name) {
        return storeDirectory.storeDir().resolveSibling(name);
    }

    private Source<Payment> paymentsSource() {
        return Source.of(options.topic(), new PaymentCodec()).onBadRecord(BadRecordPolicy.SKIP);
    }

    /**
     * Produces payments at the rate for {@code durationMs} (not counting pauses), outcomes as they fall due, and,
     * when {@code sample}, pauses once a second to record served scores.
     */
    private void produce(long durationMs, boolean sample) throws Exception {
        long startNs = System.nanoTime();
        long pausedNs = 0;
        long sentHere = 0;
        long nextPauseNs = startNs + TimeUnit.SECONDS.toNanos(1);
        long durationNs = TimeUnit.MILLISECONDS.toNanos(durationMs);
        while (true) {
            long now = System.nanoTime();
            long elapsedNs = now - startNs - pausedNs;
            if (elapsedNs >= durationNs) {
                return;
            }
            long due = (long) (elapsedNs / 1e9 * options.rate());
            for (; sentHere < due; sentHere++) {
                sendPayment();
            }
            sendLabelsDueBy(System.currentTimeMillis());
            if (sample && now >= nextPauseNs) {
                long pauseStart = System.nanoTime();
                recordServedScores();
                pausedNs += System.nanoTime() - pauseStart;
                nextPauseNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    private void sendPayment() {
        // Event times never go back, so each partition of the labels topic is in label time order.
        long nowMs = Math.max(System.currentTimeMillis(), lastEventMs);
        lastEventMs = nowMs;
        generator.next(nowMs, payment);
        producer.send(new ProducerRecord<>(options.topic(), payment.userId(), PaymentCodec.encode(payment)));
        pendingLabels.add(new FraudOutcome(payment.userId(), nowMs, payment.amount(), payment.merchantId(),
            generator.lastFraud()));
        recentUsers[(int) (payments % recentUsers.length)] = payment.userId();
        payments++;
        frauds += generator.lastFraud() ? 1 : 0;
    }

    private void sendLabelsDueBy(long nowMs) {
        while (!pendingLabels.isEmpty() && pendingLabels.peekFirst().paymentTimeMs() + LABEL_DELAY_MS <= nowMs) {
            FraudOutcome l = pendingLabels.pollFirst();
            producer.send(new ProducerRecord<>(LABELS_TOPIC, l.userId(), l.encode()));
        }
    }

    /** Publishes the outcomes not yet due (the demo is short) and waits until the broker has every record. */
    private void flushLabels() {
        sendLabelsDueBy(Long.MAX_VALUE);
        producer.flush();
    }

    /**
     * The zero-skew sample: with nothing in flight (every payment acknowledged and applied), requests to
     * {@code /score} for recently active users, each recorded with the vector it served.
     */
    private void recordServedScores() throws Exception {
        producer.flush();
        awaitCaughtUp();
        // Reads strictly after the newest event time: a live read serves an event of its very millisecond, a training
        // row at that time does not (event time < t), so a read in the same millisecond is not a fair comparison.
        while (System.currentTimeMillis() <= lastEventMs) {
            Thread.sleep(1);
        }
        servedScores.recording(true);
        try {
            for (int i = 0; i < SAMPLES_PER_PAUSE; i++) {
                long user = recentUsers[sampling.nextInt((int) Math.min(payments, recentUsers.length))];
                double amount = Math.round(FraudPaymentGenerator.typicalAmount(user)
                    * Math.exp(sampling.nextGaussian()) * 100) / 100.0;
                get("/score/" + user + "?amount=" + amount);
            }
        } finally {
            servedScores.recording(false);
        }
    }

    private Report evaluate(FraudModel model, ModelRows rows, int train) {
        int n = rows.rows();
        int test = n - train;
        int w = model.columns().width();
        double[] modelScores = new double[test];
        double[] baselineScores = new double[test];
        boolean[] positive = new boolean[test];
        double[] x = new double[w];
        for (int i = 0; i < test; i++) {
            System.arraycopy(rows.x(), (train + i) * w, x, 0, w);
            modelScores[i] = model.probability(x);
            baselineScores[i] = rows.baselineScore()[train + i];
            positive[i] = rows.fraud()[train + i];
        }
        LabelEvaluation tribuo = model.evaluate(rows.x(), rows.fraud(), train, n);
        double alert = ALERT_PERCENT / 100.0;
        Report r = new Report(payments, n, train, share(rows.fraud(), n), Auc.rocAuc(modelScores, positive),
            tribuo.AUCROC(FraudModel.FRAUD), Auc.rocAuc(baselineScores, positive),
            Auc.precisionAt(modelScores, positive, alert), Auc.precisionAt(baselineScores, positive, alert), 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0);
        out.printf("  held-out slice (%,d rows, %.1f%% fraud)   AUC     precision at a %d%% alert rate%n", test,
            100 * share(positive, test), ALERT_PERCENT);
        out.printf("    trained model (Tribuo)            %.3f   %.3f   (Tribuo's LabelEvaluation.AUCROC: %.3f)%n",
            r.modelAuc(), r.modelPrecision(), r.tribuoAuc());
        out.printf("    hand-set RiskScore (baseline)     %.3f   %.3f%n", r.baselineAuc(), r.baselinePrecision());
        return r;
    }

    /** In-process: read + score, N times per path, over recently active users. */
    private Report measure(FraudModel model, Report r) {
        FeatureView view = model.columns().view();
        ViewReader reader = view.reader(pipeline.reader(RiskFeatures.USER_RISK));
        ViewRequest request = view.newRequest();
        ViewVector v = view.newVector();
        int userSlot = view.keySlot("user_id");
        int amountSlot = view.paramSlot(ModelColumns.AMOUNT);
        double[] x = new double[model.columns().width()];
        long[] users = new long[MEASURED_SCORES];
        double[] amounts = new double[MEASURED_SCORES];
        for (int i = 0; i < users.length; i++) {
            users[i] = recentUsers[sampling.nextInt(recentUsers.length)];
            amounts[i] = Math.round(FraudPaymentGenerator.typicalAmount(users[i]) * 100) / 100.0;
        }
        Histogram readOnly = new Histogram(TimeUnit.SECONDS.toNanos(1), 3);
        Histogram weights = new Histogram(TimeUnit.SECONDS.toNanos(1), 3);
        Histogram tribuo = new Histogram(TimeUnit.SECONDS.toNanos(1), 3);
        double[] bytes = new double[3];
        double maxDifference = 0;
        // Twice: the first round warms the paths up (JIT), the second is reported.
        for (int round = 0; round < 2; round++) {
            readOnly.reset();
            weights.reset();
            tribuo.reset();
            bytes[0] = scoreLoop(reader, request, v, model, ScorePath.WEIGHTS, users, amounts, x, weights);
            bytes[1] = scoreLoop(reader, request, v, model, ScorePath.TRIBUO, users, amounts, x, tribuo);
            bytes[2] = scoreLoop(reader, request, v, model, ScorePath.READ_ONLY, users, amounts, x, readOnly);
        }
        for (int i = 0; i < 1000; i++) {
            request.key(userSlot, users[i]).param(amountSlot, amounts[i]);
            reader.read(request, v);
            maxDifference = Math.max(maxDifference, Math.abs(model.score(v, x) - model.scoreWithTribuo(v, x)));
        }
        out.printf("4 report: in-process score = ViewReader.read (view %s, %d columns) + model, %,d scores per path on"
            + " this thread:%n", view.name(), view.width(),
            MEASURED_SCORES);
        out.printf("    model weights read out of the Tribuo model   p50 %,6d ns  p99 %,6d ns  %6.1f B/score%n",
            weights.getValueAtPercentile(50), weights.getValueAtPercentile(99), bytes[0]);
        out.printf("    Tribuo's Model.predict(ArrayExample)        p50 %,6d ns  p99 %,6d ns  %6.1f B/score"
            + "  (the two agree within %.1e)%n", tribuo.getValueAtPercentile(50), tribuo.getValueAtPercentile(99),
            bytes[1], maxDifference);
        out.printf("    ViewReader.read alone (for reference)        p50 %,6d ns  p99 %,6d ns  %6.1f B/read%n",
            readOnly.getValueAtPercentile(50), readOnly.getValueAtPercentile(99), bytes[2]);
        return new Report(r.payments(), r.rows(), r.trainRows(), r.fraudShare(), r.modelAuc(), r.tribuoAuc(),
            r.baselineAuc(), r.modelPrecision(), r.baselinePrecision(), 0, 0, weights.getValueAtPercentile(50),
            weights.getValueAtPercentile(99), bytes[0], tribuo.getValueAtPercentile(50),
            tribuo.getValueAtPercentile(99), bytes[1], maxDifference, 0, 0);
    }

    /** What a measured loop does per iteration. */
    private enum ScorePath { READ_ONLY, WEIGHTS, TRIBUO }

    /** @return bytes allocated per iteration by this thread over the loop */
    private static double scoreLoop(ViewReader reader, ViewRequest request, ViewVector v, FraudModel model,
        ScorePath path, long[] users, double[] amounts, double[] x, Histogram latency) {
        FeatureView view = v.view();
        int userSlot = view.keySlot("user_id");
        int amountSlot = view.paramSlot(ModelColumns.AMOUNT);
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        double sink = 0;
        long before = threads.getThreadAllocatedBytes(thread);
        for (int i = 0; i < users.length; i++) {
            long t0 = System.nanoTime();
            request.key(userSlot, users[i]).param(amountSlot, amounts[i]);
            reader.read(request, v);
            if (path == ScorePath.WEIGHTS) {
                sink += model.score(v, x);
            } else if (path == ScorePath.TRIBUO) {
                sink += model.scoreWithTribuo(v, x);
            }
            latency.recordValue(Math.min(System.nanoTime() - t0, latency.getHighestTrackableValue()));
        }
        long allocated = threads.getThreadAllocatedBytes(thread) - before;
        if (sink == -1) {
            throw new AssertionError("unreachable: keeps the scores alive");
        }
        return allocated / (double) users.length;
    }

    /** Zero skew: the recorded served scores against their recomputed training rows. */
    private int[] zeroSkew(FraudModel model) {
        int[] counts = ZeroSkewCheck.run(servedScores.served(), model, paymentsSource(), kafka, demoFile(SKEW_ROWS),
            out);
        out.printf("  zero skew: checked %d, equal %d  (served /score view vectors and scores against training rows"
            + " recomputed for the same user, read time and amount: every column's bits, status and event time, and"
            + " the user's vector)%n", counts[0], counts[1]);
        return counts;
    }

    private void awaitCaughtUp() throws Exception {
        if (!pipeline.awaitCaughtUp(Duration.ofSeconds(CATCH_UP_TIMEOUT_S))) {
            throw new TimeoutException("the pipeline did not catch up with topic=" + options.topic() + " in "
                + CATCH_UP_TIMEOUT_S + " s: " + pipeline.status(RiskFeatures.USER_RISK));
        }
    }

    private String get(String path) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
            + path)).timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET " + path + " answered status=" + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    private static double share(boolean[] b, int n) {
        int k = 0;
        for (int i = 0; i < n; i++) {
            k += b[i] ? 1 : 0;
        }
        return k / (double) Math.max(1, n);
    }

    private static long ms(long ns) {
        return TimeUnit.NANOSECONDS.toMillis(ns);
    }

    private static String seconds(long ms) {
        return ms % 1000 == 0 ? ms / 1000 + " s" : String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }

    /** Closes server, producer, pipeline and broker; deletes a temporary store and the model file beside it. */
    @Override
    public void close() throws Exception {
        if (server != null) {
            server.close();
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
        if (pipeline != null) {
            pipeline.close();
        }
        if (broker != null) {
            broker.close();
        }
        if (storeDirectory != null && storeDirectory.tempDir() != null) {
            Files.deleteIfExists(demoFile(MODEL_FILE));
            Files.deleteIfExists(demoFile(TRAINING_ROWS + ".json"));
            Files.deleteIfExists(demoFile(SKEW_ROWS + ".json"));
            Files.deleteIfExists(demoFile(VIEW_ROWS + ".csv"));
            Files.deleteIfExists(demoFile(VIEW_ROWS + ".json"));
            storeDirectory.deleteIfTemporary();
        }
    }
}
