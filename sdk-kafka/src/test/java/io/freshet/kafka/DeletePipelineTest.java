package io.freshet.kafka;

import static io.freshet.kafka.PipelineFixtures.MERCHANT_STATS;
import static io.freshet.kafka.PipelineFixtures.NOW;
import static io.freshet.kafka.PipelineFixtures.USER_RISK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshet.core.FeatureReader;
import io.freshet.core.FeatureVector;
import io.freshet.core.ManualClock;
import io.freshet.core.StoreConfig;
import io.freshet.core.StoreGrowth;
import io.freshet.core.VectorStatus;
import io.freshet.core.spi.StoreEngine;
import io.freshet.core.testing.ReferenceModel;
import io.freshet.store.TableStoreEngine;
import io.freshet.store.chronicle.ChronicleStoreEngine;
import io.freshet.testkit.FreshetKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Deleting entities on the real broker, on both engines: tombstones ({@link TombstonePolicy#DELETE}) in a random mix
 * with events, checked against the reference model (whose delete forgets the entity's state); application deletes
 * ({@code FeaturePipeline.delete}) of long and text keys; and a full store (no growth) that waits, is freed by
 * application deletes and resumes with every record applied exactly once.
 */
class DeletePipelineTest {
    @RegisterExtension
    static final FreshetKafka KAFKA = FreshetKafka.create();

    private static final Duration WAIT = Duration.ofSeconds(90);

    private static StoreEngine engine(String name) {
        return "table".equals(name) ? new TableStoreEngine() : new ChronicleStoreEngine();
    }

    /** One record of a mixed stream: an event, or a tombstone (value null) of {@code key}. */
    private record Rec(Object key, Payment event) {
    }

    /**
     * A seeded mix: events of {@link PipelineFixtures#stream}, and after about one in twelve a tombstone of a key
     * seen recently (sometimes of a key never seen, or of one already deleted), plus three malformed tombstones.
     */
    private static List<Rec> mix(long seed, int n, int users, boolean textKeys) {
        Random r = new Random(seed);
        List<Rec> out = new ArrayList<>();
        List<Payment> events = PipelineFixtures.stream(seed, n, users);
        for (int i = 0; i < events.size(); i++) {
            Payment e = events.get(i);
            out.add(new Rec(textKeys ? e.merchant().toString() : e.userId, e));
            if (r.nextInt(12) == 0) {
                Payment victim = events.get(Math.max(0, i - r.nextInt(200)));
                Object key = r.nextInt(20) == 0 ? (textKeys ? "never-" + i : (Object) (1_000_000L + i))
                    : textKeys ? victim.merchant().toString() : victim.userId;
                out.add(new Rec(key, null));
            }
            if (i == n / 4 || i == n / 2 || i == 3 * n / 4) {
                out.add(new Rec(new byte[] {1, 2, 3}, null));
            }
        }
        return out;
    }

    private static byte[] keyBytes(Object key) {
        if (key instanceof byte[] b) {
            return b;
        }
        if (key instanceof String s) {
            return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        long v = (Long) key;
        byte[] b = new byte[8];
        for (int i = 7; i >= 0; i--) {
            b[i] = (byte) v;
            v >>>= 8;
        }
        return b;
    }

    private static void produce(FreshetKafka broker, String topic, List<Rec> recs) throws Exception {
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(PipelineFixtures.producerProps(broker),
            new ByteArraySerializer(), new ByteArraySerializer())) {
            for (Rec rec : recs) {
                // A malformed key (3 bytes) is routed with the user-key records' partitioner like any other.
                acks.add(p.send(new ProducerRecord<>(topic, keyBytes(rec.key()),
                    rec.event() == null ? null : PaymentCodec.encode(rec.event()))));
            }
            p.flush();
            for (Future<RecordMetadata> f : acks) {
                f.get();
            }
        }
    }

    /** The reference of a mixed stream; returns the number of tombstones that found state. */
    private static int replay(ReferenceModel<Payment> ref, List<Rec> recs) {
        int deleted = 0;
        for (Rec rec : recs) {
            if (rec.event() != null) {
                ref.apply(rec.event().copy(), NOW);
            } else if (!(rec.key() instanceof byte[]) && ref.delete(rec.key())) {
                deleted++;
            }
        }
        return deleted;
    }

    @ParameterizedTest
    @ValueSource(strings = {"table", "chronicle"})
    void tombstonesDeleteRowsExactlyAsTheReferenceModelAndApplicationDeletesToo(String engineName,
        FreshetKafka broker, @TempDir Path dir) throws Exception {
        String users = broker.uniqueName("del-users");
        String merchants = broker.uniqueName("del-merchants");
        broker.createTopic(users, 3);
        broker.createTopic(merchants, 3);
        long seed = engineName.hashCode();
        List<Rec> userRecs = mix(seed, 12_000, 400, false);
        List<Rec> merchantRecs = mix(seed + 1, 4_000, 400, true);
        produce(broker, users, userRecs);
        produce(broker, merchants, merchantRecs);
        ReferenceModel<Payment> userRef = new ReferenceModel<>(USER_RISK);
        int userDeletes = replay(userRef, userRecs);
        ReferenceModel<Payment> merchantRef = new ReferenceModel<>(MERCHANT_STATS);
        int merchantDeletes = replay(merchantRef, merchantRecs);
        assertThat(userDeletes).as("tombstones that found a row").isGreaterThan(50);

        StoreEngine engine = engine(engineName);
        try (FeaturePipeline p = FeaturePipeline.builder()
            .kafka(PipelineFixtures.pipelineProps(broker))
            .clock(new ManualClock(NOW))
            .consumerThreads(2)
            .applierThreads(2)
            .register(USER_RISK, engine, StoreConfig.builder(USER_RISK).directory(dir.resolve("u")).capacity(10_000)
                .shards(4).build(), Source.of(users, new PaymentCodec()).tombstones(TombstonePolicy.DELETE)
                    .onBadRecord(BadRecordPolicy.SKIP))
            .register(MERCHANT_STATS, engine, StoreConfig.builder(MERCHANT_STATS).directory(dir.resolve("m"))
                .capacity(10_000).shards(2).build(), Source.of(merchants, new PaymentCodec())
                    .tombstones(TombstonePolicy.DELETE).onBadRecord(BadRecordPolicy.SKIP))
            .start()) {
            assertThat(p.awaitCaughtUp(WAIT)).isTrue();
            assertThat(p.failure()).isNull();
            assertSame(p.reader(USER_RISK), userRef, 1_000_000L + 12_000);
            assertSameText(p.reader(MERCHANT_STATS), merchantRef, merchantRecs);
            PipelineMetrics.SetCounts u = p.metrics().set(USER_RISK.name());
            assertThat(u.deleted()).as("rows deleted by tombstones").isEqualTo(userDeletes);
            assertThat(u.applied()).isEqualTo(userRecs.stream().filter(r -> r.event() != null).count());
            assertThat(u.duplicates()).isZero();
            assertThat(u.badByReason()).as("malformed tombstone keys").containsEntry(BadRecordReason.KEY_INVALID, 3L);
            assertThat(u.skipped()).isEqualTo(3);
            assertThat(p.metrics().set(MERCHANT_STATS.name()).deleted()).isEqualTo(merchantDeletes);
            assertThat(p.storeRows(USER_RISK)).isEqualTo(userRef.keys().size());

            // The application deletes: a present key, a missing one, a text key.
            long present = (Long) userRef.keys().iterator().next();
            assertThat(p.delete(USER_RISK, present).get(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.delete(USER_RISK, present).get(30, TimeUnit.SECONDS)).as("already gone").isFalse();
            assertThat(p.delete(USER_RISK, 987_654_321L).get(30, TimeUnit.SECONDS)).isFalse();
            FeatureVector v = USER_RISK.newVector();
            assertThat(p.reader(USER_RISK).read(present, v)).isFalse();
            assertThat(v.status()).isEqualTo(VectorStatus.MISSING);
            String merchant = (String) merchantRef.keys().iterator().next();
            assertThat(p.delete(MERCHANT_STATS, new StringBuilder(merchant)).get(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.reader(MERCHANT_STATS).read(merchant, MERCHANT_STATS.newVector())).isFalse();
            assertThat(p.metrics().set(USER_RISK.name()).deleted()).isEqualTo(userDeletes + 1);
            assertThat(p.metrics().set(MERCHANT_STATS.name()).deleted()).isEqualTo(merchantDeletes + 1);
            assertThatThrownBy(() -> p.delete(USER_RISK, "text")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("LONG key");
        }
    }

    private static void assertSame(FeatureReader reader, ReferenceModel<Payment> ref, long maxKey) {
        FeatureVector v = USER_RISK.newVector();
        int present = 0;
        for (long k = 0; k < maxKey; k = k < 400 ? k + 1 : k + 97) {
            boolean expected = ref.keys().contains(k);
            assertThat(reader.read(k, v)).as("user=%s present", k).isEqualTo(expected);
            if (expected) {
                ref.assertMatches(k, v);
                present++;
            } else {
                assertThat(v.status()).isEqualTo(VectorStatus.MISSING);
            }
        }
        assertThat(present).isEqualTo(ref.keys().size());
    }

    private static void assertSameText(FeatureReader reader, ReferenceModel<Payment> ref, List<Rec> recs) {
        FeatureVector v = MERCHANT_STATS.newVector();
        for (Rec rec : recs) {
            if (rec.key() instanceof String k) {
                boolean expected = ref.keys().contains(k);
                assertThat(reader.read(k, v)).as("merchant=%s present", k).isEqualTo(expected);
                if (expected) {
                    ref.assertMatches(k, v);
                }
            }
        }
    }

    /**
     * A store without growth, full: the set waits (STORE_FULL, nothing skipped), application deletes free room, the
     * set resumes by itself, and every record is applied exactly once.
     */
    @ParameterizedTest
    @ValueSource(strings = {"table", "chronicle"})
    void aFullStoreResumesAfterApplicationDeletes(String engineName, FreshetKafka broker, @TempDir Path dir)
        throws Exception {
        String topic = broker.uniqueName("del-full");
        broker.createTopic(topic, 3);
        StoreConfig cfg = StoreConfig.builder(StoreFullTest.SET).directory(dir.resolve("s")).capacity(500).shards(2)
            .growth(StoreGrowth.disabled()).build();
        List<Payment> first = users(0, 400, new Random(1));
        List<Payment> second = users(10_000, 300, new Random(2));
        try (FeaturePipeline p = FeaturePipeline.builder()
            .kafka(PipelineFixtures.pipelineProps(broker))
            .clock(new ManualClock(NOW))
            .consumerThreads(1)
            .applierThreads(2)
            .queueCapacity(256)
            .register(StoreFullTest.SET, engine(engineName), cfg, Source.of(topic, new PaymentCodec()))
            .start()) {
            PipelineFixtures.produce(broker, topic, first);
            await(() -> p.appliedRecords(StoreFullTest.SET) == first.size() || p.failure() != null, "first applied");
            PipelineFixtures.produce(broker, topic, second);
            await(() -> p.status(StoreFullTest.SET).state() == SetStatus.State.STORE_FULL || p.failure() != null,
                "store full");
            assertThat(p.failure()).isNull();
            long appliedWhileFull = p.appliedRecords(StoreFullTest.SET);
            assertThat(appliedWhileFull).isLessThan(first.size() + second.size());
            // Forget every user of the first batch: their rows make room for the second.
            List<CompletableFuture<Boolean>> deletes = new ArrayList<>();
            for (long u = 0; u < 400; u++) {
                deletes.add(p.delete(StoreFullTest.SET, u));
            }
            for (CompletableFuture<Boolean> d : deletes) {
                assertThat(d.get(60, TimeUnit.SECONDS)).isTrue();
            }
            long total = first.size() + second.size();
            await(() -> p.appliedRecords(StoreFullTest.SET) == total || p.failure() != null, "second applied");
            assertThat(p.failure()).isNull();
            PipelineMetrics.SetCounts c = p.metrics().set(StoreFullTest.SET.name());
            assertThat(c.applied()).as("every record applied once").isEqualTo(total);
            assertThat(c.duplicates()).isZero();
            assertThat(c.skipped()).isZero();
            assertThat(c.storeFull()).as("records that waited for room").isPositive();
            assertThat(c.deleted()).isEqualTo(400);
            await(() -> p.status(StoreFullTest.SET).state() != SetStatus.State.STORE_FULL, "running again");
            ReferenceModel<Payment> ref = new ReferenceModel<>(StoreFullTest.SET);
            for (Payment e : second) {
                ref.apply(e.copy(), NOW);
            }
            FeatureReader reader = p.reader(StoreFullTest.SET);
            FeatureVector v = StoreFullTest.SET.newVector();
            for (long u = 0; u < 400; u++) {
                assertThat(reader.read(u, v)).as("deleted user=%s", u).isFalse();
            }
            for (Object k : ref.keys()) {
                assertThat(reader.read((Long) k, v)).isTrue();
                // Values only: the status may still say CATCHING_UP right after the wait (the set's lag check).
                ref.expected((Long) k, v.readTimeMs()).assertValuesMatch(v);
            }
            assertThat(p.storeRows(StoreFullTest.SET)).isEqualTo(ref.keys().size());
        }
    }

    private static List<Payment> users(long from, int n, Random r) {
        List<Payment> out = new ArrayList<>();
        for (int u = 0; u < n; u++) {
            for (int i = 0; i < 3; i++) {
                long t = PipelineFixtures.T0 + (long) (r.nextDouble() * (NOW - PipelineFixtures.T0 - 60_000));
                out.add(new Payment(from + u, PipelineFixtures.MERCHANTS[r.nextInt(PipelineFixtures.MERCHANTS.length)],
                    t, 1 + r.nextInt(500), false));
            }
        }
        java.util.Collections.shuffle(out, r);
        return out;
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + WAIT + ": " + what);
            }
            Thread.sleep(20);
        }
    }
}
