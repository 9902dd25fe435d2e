package io.freshet.kafka;

import static io.freshet.kafka.PipelineFixtures.MEMORY;
import static io.freshet.kafka.PipelineFixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshet.core.Categories;
import io.freshet.core.FeatureSet;
import io.freshet.core.ManualClock;
import io.freshet.core.Quantile;
import io.freshet.core.internal.CoreInternals;
import io.freshet.core.spi.RowStore;
import io.freshet.core.testing.ReferenceModel;
import io.freshet.testkit.FreshetKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue point 11: a good stream with one bad record in every hundred, of every kind (empty, truncated,
 * wrong-typed, NaN/Infinity, over 1 MiB, null key, timestamps −1 / year 3000 / ten years ago, invalid UTF-8,
 * tombstone, duplicate, deeply nested, huge length prefix, an {@code Error} thrown by an extractor). Under
 * DEAD_LETTER the dead-letter topic receives exactly the injected records and the features equal the reference
 * over the good ones; SKIP counts the same; FAIL stops at the first bad record without advancing past it.
 */
class BadRecordBatteryTest {
    @RegisterExtension
    static final FreshetKafka KAFKA = FreshetKafka.create();

    /** Keyed by merchant (text, so a null key is possible); the max extractor throws an Error on amount -42. */
    static final FeatureSet<Payment> SET = FeatureSet.builder("merchant_battery", Payment.class)
        .textEntity("merchant", Payment::merchant)
        .eventTime(Payment::tsMs)
        .count("txn_total")
        .sum("amount_total", Payment::amount)
        .max("max_amount", BadRecordBatteryTest::checkedAmount)
        .count("txn_1d", io.freshet.core.Window.sliding(Duration.ofDays(1)).tiles(Duration.ofHours(1)))
        .variance("amount_var_1d", Payment::amount,
            io.freshet.core.Window.sliding(Duration.ofDays(1)).tiles(Duration.ofHours(1)))
        .quantile("p90_amount", Payment::amount, io.freshet.core.Window.lifetime(),
            Quantile.of(0.9).relativeError(0.05).range(1, 1000))
        // Users of a merchant arrive from every partition in any order: exact (and so order-free) while a tile holds
        // at most 32 distinct users, within the stated bound beyond.
        .topK("top_users_1d", Payment::userId, io.freshet.core.Window.sliding(Duration.ofDays(1))
            .tiles(Duration.ofHours(6)), 3, 32)
        // The key itself (so order-insensitive across partitions), cut to 8 UTF-8 bytes.
        .latestCategory("merchant_name", Payment::merchant, Categories.utf8(8))
        .build();

    /** The kinds of injected records, each with the reason it must be reported with (null: a good record). */
    enum Kind {
        EMPTY(BadRecordReason.DECODE_ERROR),
        TRUNCATED(BadRecordReason.DECODE_ERROR),
        WRONG_TYPED_JSON(BadRecordReason.DECODE_ERROR),
        WRONG_VERSION(BadRecordReason.DECODE_ERROR),
        NAN(BadRecordReason.NON_FINITE_VALUE),
        INFINITY(BadRecordReason.NON_FINITE_VALUE),
        OVER_1_MIB(BadRecordReason.OVERSIZED),
        NULL_KEY(BadRecordReason.NULL_KEY),
        TIME_MINUS_ONE(BadRecordReason.NEGATIVE_TIME),
        TIME_YEAR_3000(BadRecordReason.FUTURE_TIME),
        TIME_TEN_YEARS_AGO(BadRecordReason.TOO_OLD),
        INVALID_UTF8(BadRecordReason.DECODE_ERROR),
        TOMBSTONE(BadRecordReason.TOMBSTONE),
        DEEPLY_NESTED(BadRecordReason.DECODE_ERROR),
        HUGE_LENGTH_PREFIX(BadRecordReason.DECODE_ERROR),
        ERROR_IN_EXTRACTOR(BadRecordReason.EXTRACTOR_ERROR),
        DUPLICATE(null);

        final BadRecordReason reason;

        Kind(BadRecordReason reason) {
            this.reason = reason;
        }
    }

    /** The produced battery: its topic, the good records in order and the injected ones by reason. */
    static final class Battery {
        final String topic;
        final List<Payment> good = new ArrayList<>();
        final Map<BadRecordReason, Long> expected = new EnumMap<>(BadRecordReason.class);
        int injected;

        Battery(String topic) {
            this.topic = topic;
        }
    }

    /** The battery of this class's broker, produced once for all its tests. */
    static Battery battery;

    static double checkedAmount(Payment p) {
        if (p.amount == -42) {
            throw new AssertionError("amount=-42 is poison");
        }
        return p.amount;
    }

    @BeforeAll
    static void produceBattery(FreshetKafka broker) {
        battery = produce(broker);
    }

    /** Produces a new battery topic on a broker (the compatibility suite runs it on other Kafka releases too). */
    static Battery produce(FreshetKafka broker) {
        Battery b = new Battery(broker.uniqueName("battery"));
        broker.createTopic(b.topic, 3, Map.of("max.message.bytes", String.valueOf(4 << 20)));
        List<Payment> stream = PipelineFixtures.stream(99, 3_400, 60);
        Kind[] kinds = Kind.values();
        List<java.util.concurrent.Future<?>> acks = new ArrayList<>();
        try (KafkaProducer<Long, byte[]> p = PipelineFixtures.producer(broker)) {
            int k = 0;
            for (int i = 0; i < stream.size(); i++) {
                Payment good = stream.get(i);
                acks.add(p.send(new ProducerRecord<>(b.topic, good.userId, PaymentCodec.encode(good))));
                b.good.add(good);
                if (i % 99 == 98) {
                    Kind kind = kinds[k++ % kinds.length];
                    if (kind == Kind.DUPLICATE) {
                        acks.add(p.send(new ProducerRecord<>(b.topic, good.userId, PaymentCodec.encode(good))));
                        b.good.add(good);
                        continue;
                    }
                    acks.add(p.send(new ProducerRecord<>(b.topic, good.userId, bad(kind, good))));
                    b.injected++;
                    b.expected.merge(kind.reason, 1L, Long::sum);
                }
            }
            p.flush();
            for (java.util.concurrent.Future<?> f : acks) {
                f.get();
            }
        } catch (Exception e) {
            throw new IllegalStateException("producing the battery failed: " + e, e);
        }
        assertThat(b.injected).isGreaterThanOrEqualTo(2 * (kinds.length - 1));
        return b;
    }

    static byte[] bad(Kind kind, Payment g) {
        byte[] valid = PaymentCodec.encode(g);
        byte[] m = g.merchant.toString().getBytes(StandardCharsets.UTF_8);
        switch (kind) {
            case EMPTY:
                return new byte[0];
            case TRUNCATED:
                return java.util.Arrays.copyOf(valid, valid.length / 2);
            case WRONG_TYPED_JSON:
                return "{\"userId\":\"not-a-number\",\"amount\":\"12\"}".getBytes(StandardCharsets.UTF_8);
            case WRONG_VERSION:
                return PaymentCodec.encode((byte) 2, g.userId, g.tsMs, g.amount, 0, m.length, m);
            case NAN:
                return PaymentCodec.encode(PaymentCodec.VERSION, g.userId, g.tsMs, Double.NaN, 0, m.length, m);
            case INFINITY:
                return PaymentCodec.encode(PaymentCodec.VERSION, g.userId, g.tsMs, Double.POSITIVE_INFINITY, 0,
                    m.length, m);
            case OVER_1_MIB: {
                byte[] big = new byte[(1 << 20) + 1024];
                java.util.Arrays.fill(big, (byte) 'x');
                return PaymentCodec.encode(PaymentCodec.VERSION, g.userId, g.tsMs, g.amount, 0, big.length, big);
            }
            case NULL_KEY:
                return PaymentCodec.encode(PaymentCodec.VERSION, g.userId, g.tsMs, g.amount, 0, -1, new byte[0]);
            case TIME_MINUS_ONE:
                return PaymentCodec.encode(PaymentCodec.VERSION, g.userId, -1, g.amount, 0, m.length, m);
            case TIME_YEAR_3000:
                return PaymentCodec.encode(PaymentCodec.VERSION, g.userId, 32_503_680_000_000L, g.amount, 0, m.length,
                    m);
            case TIME_TEN_YEARS_AGO:
                return PaymentCodec.encode(PaymentCodec.VERSION, g.userId, NOW - Duration.ofDays(3653).toMillis(),
                    g.amount, 0, m.length, m);
            case INVALID_UTF8:
                return PaymentCodec.encode(PaymentCodec.VERSION, g.userId, g.tsMs, g.amount, 0, 2,
                    new byte[] {(byte) 0xC3, (byte) 0x28});
            case TOMBSTONE:
                return null;
            case DEEPLY_NESTED: {
                StringBuilder s = new StringBuilder();
                s.append("[".repeat(20_000)).append("]".repeat(20_000));
                return s.toString().getBytes(StandardCharsets.UTF_8);
            }
            case HUGE_LENGTH_PREFIX:
                return PaymentCodec.encode(PaymentCodec.VERSION, g.userId, g.tsMs, g.amount, 0, Integer.MAX_VALUE, m);
            case ERROR_IN_EXTRACTOR:
                return PaymentCodec.encode(PaymentCodec.VERSION, g.userId, g.tsMs, -42, 0, m.length, m);
            default:
                throw new IllegalArgumentException(kind.name());
        }
    }

    static Source<Payment> source(Battery b) {
        return Source.of(b.topic, new PaymentCodec()).maxEventAge(Duration.ofDays(365));
    }

    static FeaturePipelineBuilder builder(FreshetKafka broker) {
        return FeaturePipeline.builder()
            .kafka(PipelineFixtures.pipelineProps(broker))
            .clock(new ManualClock(NOW))
            .applierThreads(2);
    }

    @Test
    void deadLetterReceivesExactlyTheInjectedRecordsAndFeaturesMatchTheGoodOnes(FreshetKafka broker)
        throws Exception {
        deadLetterReceivesExactlyTheInjectedRecords(broker, battery);
    }

    static void deadLetterReceivesExactlyTheInjectedRecords(FreshetKafka broker, Battery b) throws Exception {
        String dlq = broker.uniqueName("battery-dlq");
        broker.createTopic(dlq, 1, Map.of("max.message.bytes", String.valueOf(4 << 20)));
        try (FeaturePipeline p = builder(broker)
            .register(SET, MEMORY, PipelineFixtures.storeConfig(SET, 4), source(b).deadLetterTo(dlq))
            .start()) {
            assertThat(p.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            PipelineMetrics.SetCounts c = p.metrics().set(SET.name());
            assertThat(c.badByReason()).isEqualTo(b.expected);
            assertThat(c.deadLettered()).isEqualTo(b.injected);
            assertThat(c.applied()).isEqualTo(b.good.size());
            ReferenceModel<Payment> ref = PipelineFixtures.reference(SET, b.good);
            PipelineFixtures.assertMatchesReference(p.reader(SET), ref);
        }
        Map<BadRecordReason, Long> dead = readDeadLetters(broker, dlq, b.injected);
        assertThat(dead).isEqualTo(b.expected);
    }

    @Test
    void skipCountsEveryInjectedRecordAndAppliesTheRest(FreshetKafka broker) throws Exception {
        try (FeaturePipeline p = builder(broker)
            .register(SET, MEMORY, PipelineFixtures.storeConfig(SET, 4),
                source(battery).onBadRecord(BadRecordPolicy.SKIP))
            .start()) {
            assertThat(p.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            PipelineMetrics.SetCounts c = p.metrics().set(SET.name());
            assertThat(c.skipped()).isEqualTo(battery.injected);
            assertThat(c.badByReason()).isEqualTo(battery.expected);
            PipelineFixtures.assertMatchesReference(p.reader(SET), PipelineFixtures.reference(SET, battery.good));
        }
    }

    @Test
    void failStopsAtTheFirstBadRecordOnTheConsumerSide(FreshetKafka broker) throws Exception {
        assertFailStops(broker, Kind.WRONG_TYPED_JSON, 4);
    }

    @Test
    void failStopsAtTheFirstBadRecordOnTheApplierSide(FreshetKafka broker) throws Exception {
        assertFailStops(broker, Kind.NAN, 4);
    }

    @Test
    void failStopsOnAnErrorThrownByUserCode(FreshetKafka broker) throws Exception {
        assertFailStops(broker, Kind.ERROR_IN_EXTRACTOR, 1);
    }

    /** 50 good records, one bad at offset 50, 50 good: the pipeline stops at 50 and no shard moves past 49. */
    static void assertFailStops(FreshetKafka broker, Kind kind, int shards) throws Exception {
        String t = broker.uniqueName("fail-" + kind.name().toLowerCase());
        broker.createTopic(t, 1);
        List<Payment> stream = PipelineFixtures.stream(5, 100, 10);
        try (KafkaProducer<Long, byte[]> pr = PipelineFixtures.producer(broker)) {
            for (int i = 0; i < 100; i++) {
                if (i == 50) {
                    pr.send(new ProducerRecord<>(t, 1L, bad(kind, stream.get(i)))).get();
                }
                pr.send(new ProducerRecord<>(t, 1L, PaymentCodec.encode(stream.get(i)))).get();
            }
        }
        RowStore store = PipelineFixtures.memoryStore(SET, shards);
        FeaturePipeline p = FeaturePipeline.builder()
            .kafka(PipelineFixtures.pipelineProps(broker))
            .clock(new ManualClock(NOW))
            .register(SET, store, Source.of(t, new PaymentCodec()))
            .start();
        try {
            assertThatThrownBy(() -> p.awaitCaughtUp(Duration.ofSeconds(60)))
                .isInstanceOfSatisfying(BadRecordException.class, e -> {
                    assertThat(e.topic()).isEqualTo(t);
                    assertThat(e.partition()).isZero();
                    assertThat(e.offset()).isEqualTo(50);
                    assertThat(e.reason()).isEqualTo(kind.reason);
                    assertThat(e.getMessage()).contains("offset=50", "topic=" + t, "reason=" + kind.reason);
                });
            assertThat(p.status(SET).state()).isEqualTo(SetStatus.State.DOWN);
            assertThat(p.status(SET).reason()).contains("offset=50");
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (PipelineTestAccess.anyThreadAlive(p) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(PipelineTestAccess.anyThreadAlive(p)).as("no thread keeps spinning after FAIL").isFalse();
            int ti = store.topicIndex(t);
            for (int s = 0; s < store.shardCount(); s++) {
                assertThat(store.appliedOffset(s, ti, 0)).as("shard %s", s).isLessThan(50);
            }
        } finally {
            p.close();
        }
        // What was applied is exactly a prefix of the good records before the bad one.
        io.freshet.core.FeatureVector v = SET.newVector();
        io.freshet.core.FeatureReader r = CoreInternals.newReader(SET, store, new ManualClock(NOW));
        long applied = 0;
        for (String m : PipelineFixtures.MERCHANTS) {
            if (r.read(m, v)) {
                applied += v.getLong(SET.ref("txn_total"));
            }
        }
        assertThat(applied).isLessThanOrEqualTo(50);
    }

    static Map<BadRecordReason, Long> readDeadLetters(FreshetKafka broker, String dlq, int expected) {
        Properties c = broker.clientProperties();
        c.put(ConsumerConfig.GROUP_ID_CONFIG, broker.uniqueName("dlq-reader"));
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(8 << 20));
        Map<BadRecordReason, Long> out = new EnumMap<>(BadRecordReason.class);
        int n = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(dlq));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            long quietUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, quietUntil)) {
                for (ConsumerRecord<byte[], byte[]> rec : consumer.poll(Duration.ofMillis(100))) {
                    String reason = new String(rec.headers().lastHeader(DeadLetterHeaders.REASON).value(),
                        StandardCharsets.UTF_8);
                    assertThat(rec.headers().lastHeader(DeadLetterHeaders.OFFSET)).isNotNull();
                    out.merge(BadRecordReason.valueOf(reason), 1L, Long::sum);
                    n++;
                }
                if (n >= expected && quietUntil == Long.MAX_VALUE) {
                    quietUntil = System.nanoTime() + Duration.ofMillis(500).toNanos();
                }
            }
        }
        assertThat(n).isEqualTo(expected);
        return out;
    }
}
