package io.freshet.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureView;
import io.freshet.core.ManualClock;
import io.freshet.core.ViewReader;
import io.freshet.core.ViewRequest;
import io.freshet.core.ViewVector;
import io.freshet.testkit.FreshetKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@link FeatureView}'s training rows (issue 19 points 5 and 6): a live pipeline on the real broker serves view reads
 * of a user set and a merchant set, with a request parameter, at random moments; the same (keys, parameter, time) as
 * labels give CSV rows whose header is exactly {@code label_time_ms}, the label column and
 * {@link FeatureView#columns()}, and whose cells are exactly the served {@link ViewVector#copyTo(double[])},
 * request-time features included. The moments keep the zero-skew rules of {@link TrainingSkewTest}: every record is
 * known at its step's start, applied at that clock, with an event time before it; one partition, so the live apply
 * order is the log order.
 */
class TrainingViewTest {
    @RegisterExtension
    static final FreshetKafka KAFKA = FreshetKafka.create();

    private static final FeatureSet<Payment> USERS = TrainingFixtures.USERS;
    private static final FeatureSet<Payment> MERCHANTS = PipelineFixtures.MERCHANT_STATS;
    private static final long T0 = PipelineFixtures.T0;
    private static final long STEP_MS = Duration.ofMinutes(5).toMillis();

    static final FeatureView VIEW = FeatureView.builder("payment")
        .from(USERS, "user_id", "last_amount", "txn_10m", "mean_amount", "amount_1h", "last_seen", "decline_ratio",
            "since_last", "activity", "last_merchants")
        .from(MERCHANTS, "merchant_id", "txn_total", "amount_total", "txn_1d", "max_amount")
        .requestParam("amount")
        .derived("amount", r -> r.param("amount"))
        .derived("amount_over_mean", r -> r.ratio("amount", "users__mean_amount"))
        .derived("amount_minus_max", r -> r.difference("amount", "merchant_stats__max_amount"))
        .derived("seconds_since_last", r -> r.secondsSince("users__last_seen"))
        .build();

    /** A served view read: its keys, parameter and time, and the model input as served. */
    record Served(int id, long user, String merchant, double amount, long timeMs, double[] input) {
    }

    @Test
    void trainingRowsOfAViewHoldItsColumnsAndEqualTheServedCopyTo(FreshetKafka broker, @TempDir Path dir)
        throws Exception {
        String topic = broker.uniqueName("view-pay");
        broker.createTopic(topic, 1, Map.of("retention.ms", "-1"));
        Source<Payment> source = Source.of(topic, new PaymentCodec()).onBadRecord(BadRecordPolicy.SKIP);
        Random r = new Random(191905);
        ManualClock clock = new ManualClock(T0);
        List<Served> served = new ArrayList<>();
        try (FeaturePipeline p = FeaturePipeline.builder()
            .kafka(PipelineFixtures.pipelineProps(broker))
            .clock(clock)
            .register(USERS, PipelineFixtures.MEMORY, PipelineFixtures.storeConfig(USERS, 1), source)
            .register(MERCHANTS, PipelineFixtures.MEMORY, PipelineFixtures.storeConfig(MERCHANTS, 1), source)
            .start();
            KafkaProducer<Long, byte[]> producer = PipelineFixtures.producer(broker)) {
            ViewReader reader = VIEW.reader(p.reader(USERS), p.reader(MERCHANTS));
            ViewRequest request = VIEW.newRequest();
            ViewVector vector = VIEW.newVector();
            int userSlot = VIEW.keySlot("user_id");
            int merchantSlot = VIEW.keySlot("merchant_id");
            int amountSlot = VIEW.paramSlot("amount");
            long produced = 0;
            for (int step = 0; step < 5; step++) {
                long x = T0 + step * STEP_MS;
                clock.setMs(x);
                List<Future<?>> acks = new ArrayList<>();
                for (int i = 0; i < 30; i++) {
                    // Event times before the step: every applied record qualifies for a label at t >= x.
                    Payment e = new Payment(r.nextInt(8), PipelineFixtures.MERCHANTS[r.nextInt(4)],
                        x - 1 - r.nextInt(600_000), 1 + r.nextInt(50_000) / 100.0, r.nextInt(6) == 0);
                    acks.add(producer.send(new ProducerRecord<>(topic, null, x, e.userId, PaymentCodec.encode(e))));
                }
                producer.flush();
                for (Future<?> f : acks) {
                    f.get();
                }
                produced += acks.size();
                awaitApplied(p, produced);
                List<long[]> moments = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    moments.add(new long[] {x + (i % 4 == 0 ? 0 : (long) (r.nextDouble() * STEP_MS)), r.nextInt(10),
                        r.nextInt(6)});
                }
                moments.sort(Comparator.comparingLong(m -> m[0]));
                for (long[] m : moments) {
                    clock.setMs(m[0]);
                    // Users 8, 9 and merchants 4, 5 are never seen: their columns are missing, live and in training.
                    String merchant = PipelineFixtures.MERCHANTS[(int) m[2]];
                    double amount = r.nextInt(7) == 0 ? Double.NaN : r.nextInt(100_000) / 100.0;
                    request.key(userSlot, m[1]).key(merchantSlot, merchant).param(amountSlot, amount);
                    reader.read(request, vector);
                    double[] input = new double[VIEW.width()];
                    vector.copyTo(input);
                    served.add(new Served(served.size(), m[1], merchant, amount, m[0], input));
                }
            }
        }
        assertThat(served).as("reads with missing and present request-time values")
            .anyMatch(s -> Double.isNaN(s.input()[VIEW.columnIndex("payment__amount_over_mean")]))
            .anyMatch(s -> !Double.isNaN(s.input()[VIEW.columnIndex("payment__amount_over_mean")]))
            .anyMatch(s -> Double.isNaN(s.input()[VIEW.columnIndex("merchant_stats__txn_total")]));

        Path csv = dir.resolve("train.csv");
        TrainingProgress done = TrainingSet.forLabels(served, Served::timeMs)
            .labelColumn("read_id", Served::id)
            .features(USERS, Served::user, source)
            .featuresByTextKey(MERCHANTS, Served::merchant, source)
            .view(VIEW)
            .viewParam("amount", Served::amount)
            .kafka(broker.clientProperties())
            .build()
            .writeCsv(csv);
        assertThat(done.labelsDone()).isEqualTo(served.size());

        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        List<String> expectedHeader = new ArrayList<>(List.of(TrainingSink.LABEL_TIME_COLUMN, "read_id"));
        expectedHeader.addAll(VIEW.columns());
        assertThat(List.of(lines.get(0).split(",", -1))).isEqualTo(expectedHeader);
        assertThat(lines).hasSize(served.size() + 1);
        List<String> diffs = new ArrayList<>();
        int presentCells = 0;
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",", -1);
            Served s = served.get(Integer.parseInt(cells[1]));
            assertThat(Long.parseLong(cells[0])).isEqualTo(s.timeMs());
            for (int c = 0; c < VIEW.width(); c++) {
                String cell = cells[2 + c];
                double value = cell.isEmpty() ? Double.NaN : Double.parseDouble(cell);
                presentCells += cell.isEmpty() ? 0 : 1;
                if (Double.compare(value, s.input()[c]) != 0) {
                    diffs.add("read " + s.id() + " t=" + s.timeMs() + " " + VIEW.columns().get(c) + ": served "
                        + s.input()[c] + ", training " + cell);
                }
            }
        }
        assertThat(diffs).as("training cells that differ from the served copyTo").isEmpty();
        assertThat(presentCells).as("most cells have values").isGreaterThan(served.size() * VIEW.width() / 2);
        String sidecar = Files.readString(dir.resolve("train.json"));
        assertThat(sidecar).contains("\"view\": {\"name\": \"payment\", \"fingerprint\": \""
            + Long.toHexString(VIEW.fingerprint()) + "\"");
    }

    /** Waits until the pipeline applied {@code records} records of each set and reads RUNNING. */
    private static void awaitApplied(FeaturePipeline p, long records) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (true) {
            assertThat(p.awaitCaughtUp(Duration.ofSeconds(120))).as("caught up").isTrue();
            if (p.status(USERS).state() == SetStatus.State.RUNNING
                && p.status(MERCHANTS).state() == SetStatus.State.RUNNING
                && p.appliedRecords(USERS) >= records && p.appliedRecords(MERCHANTS) >= records) {
                return;
            }
            assertThat(System.nanoTime()).as("applied and RUNNING").isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    @Test
    void aViewsKeysAndParamsMustBeBoundToTheLabels() {
        Source<Payment> src = Source.of("t", new PaymentCodec());
        Properties kafka = new Properties();
        kafka.put("bootstrap.servers", "localhost:1");
        assertThatThrownBy(() -> TrainingSet.forLabels(List.<Served>of(), Served::timeMs)
            .features(USERS, Served::user, src).view(VIEW).viewParam("amount", Served::amount).kafka(kafka).build())
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("key=merchant_id of set=merchant_stats is not bound to the labels")
            .hasMessageContaining("featuresByTextKey(merchant_stats, label -> its merchant_id, sources)");
        assertThatThrownBy(() -> TrainingSet.forLabels(List.<Served>of(), Served::timeMs)
            .features(USERS, Served::user, src).featuresByTextKey(MERCHANTS, Served::merchant, src).view(VIEW)
            .kafka(kafka).build())
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("request param=amount has no value in the training rows")
            .hasMessageContaining("viewParam(\"amount\", label -> its amount)");
        assertThatThrownBy(() -> TrainingSet.forLabels(List.<Served>of(), Served::timeMs).view(VIEW)
            .viewParam("fee", Served::amount)).hasMessageContaining("no request param=fee");
        FeatureSet<Payment> otherUsers = FeatureSet.builder("users", Payment.class).entity("user", Payment::userId)
            .eventTime(Payment::tsMs).count("txn_total").build();
        assertThatThrownBy(() -> TrainingSet.forLabels(List.<Served>of(), Served::timeMs)
            .features(otherUsers, Served::user, src).featuresByTextKey(MERCHANTS, Served::merchant, src).view(VIEW)
            .viewParam("amount", Served::amount).kafka(kafka).build())
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("join the definition the view was built on");
        TrainingSet<Served> ok = TrainingSet.forLabels(List.<Served>of(), Served::timeMs)
            .features(USERS, Served::user, src).featuresByTextKey(MERCHANTS, Served::merchant, src).view(VIEW)
            .viewParam("amount", Served::amount).kafka(kafka).build();
        assertThatThrownBy(() -> ok.write(new TrainingSink() {
            @Override
            public Path file() {
                return Path.of("x.parquet");
            }

            @Override
            public String format() {
                return "parquet";
            }

            @Override
            public void open(List<String> labelColumns, List<FeatureSet<?>> sets) {
            }

            @Override
            public void write(long labelTimeMs, Object[] labelValues, io.freshet.core.FeatureVector[] vectors) {
            }

            @Override
            public void finish() {
            }

            @Override
            public void close() {
            }
        })).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("CSV only");
    }
}
