package io.freshet.kafka;

import static io.freshet.kafka.PipelineFixtures.MERCHANTS;
import static io.freshet.kafka.PipelineFixtures.NOW;
import static io.freshet.kafka.PipelineFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.FeatureReader;
import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureVector;
import io.freshet.core.ManualClock;
import io.freshet.core.StoreConfig;
import io.freshet.core.StoreGrowth;
import io.freshet.core.spi.InMemoryRowStore;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.StoreEngine;
import io.freshet.core.testing.ReferenceModel;
import io.freshet.store.TableStoreEngine;
import io.freshet.store.chronicle.ChronicleStoreEngine;
import io.freshet.testkit.FreshetKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A store too small for its keys, on the real broker, with no growth (the table engine with
 * {@code StoreGrowth.disabled()}, and Chronicle Map, which cannot grow): 5,000 users through a store of capacity
 * 1,000, under each bad-record policy.
 * Whenever a shard is full the set stops with STORE_FULL — nothing skipped, dead-lettered or failed, reads still
 * served and correct — and resumes by itself once TTL eviction frees room; in the end every record was applied
 * exactly once and the store equals the reference model (with the evictions the TTL implies).
 *
 * <p>How the evictions are made deterministic: the users come in five generations of 1,000 (disjoint users, each
 * generation produced once the previous one is applied and the one before it evicted), so a generation finds the
 * previous one's 1,000 rows in the store and overflows it. The applying clock is manual: generation {@code g} is
 * applied at {@code T(g) = T(g-1) + ttl - 1 s}, which keeps generation {@code g-1}'s rows (not idle past the TTL);
 * once the set waits for room the clock moves to {@code S(g) = S(g-1) + ttl + 1 s}, past the TTL of every row of
 * generation {@code g-1} (and only those: {@code S(g) - T(g)} is a few seconds), so the shards evict them and the
 * held records proceed. A row is therefore evicted only after all of its user's records were applied: at the end
 * the last generation's rows equal the reference model, and every earlier user is absent.
 */
class StoreFullTest {
    @RegisterExtension
    static final FreshetKafka KAFKA = FreshetKafka.create();

    private static final Duration TTL = Duration.ofMinutes(10);
    private static final long MARGIN_MS = 1_000;
    private static final int GENERATIONS = 5;
    private static final int USERS_PER_GENERATION = 1_000;
    private static final int EVENTS_PER_USER = 4;
    private static final long CAPACITY = 1_000;
    private static final Duration WAIT = Duration.ofSeconds(90);

    /** Lifetime features only: their values do not depend on the (moving) applying clock. */
    static final FeatureSet<Payment> SET = FeatureSet.builder("full_users", Payment.class)
        .entity("user", Payment::userId)
        .eventTime(Payment::tsMs)
        .latest("last_amount", Payment::amount)
        .count("txn_total")
        .sum("amount_total", Payment::amount)
        .max("max_amount", Payment::amount)
        .min("min_amount", Payment::amount)
        .lastN("last_merchants", Payment::merchantId, 3)
        .firstSeen("first_seen")
        .ttl(TTL)
        .build();

    @ParameterizedTest
    @EnumSource(BadRecordPolicy.class)
    void tableStoreTooSmallWaitsAndResumesAfterTtlEvictionUnderEveryPolicy(BadRecordPolicy policy,
        FreshetKafka broker, @TempDir Path dir) throws Exception {
        run(broker, new TableStoreEngine(), dir, policy);
    }

    @Test
    void chronicleStoreTooSmallWaitsAndResumesAfterTtlEviction(FreshetKafka broker, @TempDir Path dir)
        throws Exception {
        run(broker, new ChronicleStoreEngine(), dir, BadRecordPolicy.FAIL);
    }

    /**
     * Sharded mode: while A waits for room, B joins its group. A's rebalance callback gives up draining the queue of
     * its waiting applier (instead of blocking the group until A is evicted), so the group splits the partitions at
     * once and B applies its own partitions from the log start: exact for every key B owns.
     */
    @Test
    void aRebalanceWhileWaitingForRoomDoesNotBlockTheGroup(FreshetKafka broker) throws Exception {
        String topic = broker.uniqueName("full-sharded");
        broker.createTopic(topic, 4);
        String group = broker.uniqueName("full-group");
        List<Payment> events = PipelineFixtures.stream(41, 8_000, 2_000);
        PipelineFixtures.produce(broker, topic, events);
        RowStore small = new InMemoryRowStore(StoreConfig.builder(PipelineFixtures.USER_RISK).capacity(100).shards(2)
            .build());
        RowStore big = PipelineFixtures.memoryStore(PipelineFixtures.USER_RISK, 2);
        try (FeaturePipeline a = sharded(broker, topic, group, "a", small)) {
            await(() -> a.status(PipelineFixtures.USER_RISK).state() == SetStatus.State.STORE_FULL, "a full");
            try (FeaturePipeline b = sharded(broker, topic, group, "b", big)) {
                await(() -> !b.metrics().lagByPartition().isEmpty()
                    && a.metrics().lagByPartition().size() + b.metrics().lagByPartition().size() == 4,
                    "the group split the partitions between a and b");
                assertThat(b.awaitCaughtUp(WAIT)).isTrue();
                ReferenceModel<Payment> ref = PipelineFixtures.reference(PipelineFixtures.USER_RISK, events);
                FeatureVector v = PipelineFixtures.USER_RISK.newVector();
                int owned = 0;
                for (Object k : ref.keys()) {
                    long key = (Long) k;
                    if ("b".equals(b.keyOwner(PipelineFixtures.USER_RISK, key))) {
                        assertThat(b.reader(PipelineFixtures.USER_RISK).read(key, v)).isTrue();
                        ref.assertMatches(key, v);
                        owned++;
                    }
                }
                assertThat(owned).isPositive();
                assertThat(a.failure()).isNull();
                assertThat(b.failure()).isNull();
            }
        }
    }

    private static FeaturePipeline sharded(FreshetKafka broker, String topic, String group, String id,
        RowStore store) {
        Properties p = PipelineFixtures.pipelineProps(broker);
        p.put("group.id", group);
        p.put("session.timeout.ms", "6000");
        p.put("heartbeat.interval.ms", "500");
        return FeaturePipeline.builder()
            .kafka(p)
            .mode(ScaleMode.SHARDED)
            .instanceId(id)
            .clock(new ManualClock(NOW))
            .register(PipelineFixtures.USER_RISK, store, Source.of(topic, new PaymentCodec()))
            .start();
    }

    private static List<Payment> generation(int g, Random r) {
        List<Payment> out = new ArrayList<>();
        for (int u = 0; u < USERS_PER_GENERATION; u++) {
            long user = (long) g * USERS_PER_GENERATION + u;
            for (int i = 0; i < EVENTS_PER_USER; i++) {
                long t = T0 + (long) (r.nextDouble() * (NOW - T0 - 60_000));
                out.add(new Payment(user, MERCHANTS[r.nextInt(MERCHANTS.length)], t, 1 + r.nextInt(500), false));
            }
        }
        Collections.shuffle(out, r);
        return out;
    }

    private void run(FreshetKafka broker, StoreEngine engine, Path dir, BadRecordPolicy policy) throws Exception {
        String topic = broker.uniqueName("full-" + engine.name());
        broker.createTopic(topic, 3);
        String dlq = broker.uniqueName("full-dlq");
        broker.createTopic(dlq, 1);
        Source<Payment> source = Source.of(topic, new PaymentCodec());
        source = policy == BadRecordPolicy.DEAD_LETTER ? source.deadLetterTo(dlq) : source.onBadRecord(policy);
        StoreConfig cfg = StoreConfig.builder(SET).directory(dir.resolve("store")).capacity(CAPACITY).shards(4)
            .growth(StoreGrowth.disabled()).build();
        ManualClock clock = new ManualClock(NOW);
        Random random = new Random(0xF011L + policy.ordinal());
        List<List<Payment>> generations = new ArrayList<>();
        int stalls = 0;
        long produced = 0;
        try (FeaturePipeline p = FeaturePipeline.builder()
            .kafka(PipelineFixtures.pipelineProps(broker))
            .clock(clock)
            .consumerThreads(1)
            .applierThreads(2)
            .queueCapacity(256)
            .register(SET, engine, cfg, source)
            .start()) {
            FeatureReader reader = p.reader(SET);
            long t = NOW;
            long s = NOW;
            for (int g = 0; g < GENERATIONS; g++) {
                if (g > 0) {
                    t += TTL.toMillis() - MARGIN_MS;
                    s += TTL.toMillis() + MARGIN_MS;
                    clock.setMs(t);
                }
                List<Payment> gen = generation(g, random);
                generations.add(gen);
                PipelineFixtures.produce(broker, topic, gen);
                produced += gen.size();
                final long target = produced;
                await(() -> p.appliedRecords(SET) == target || p.status(SET).state() == SetStatus.State.STORE_FULL
                    || p.failure() != null, "generation " + g + " applied or waiting for room");
                if (p.appliedRecords(SET) < target) {
                    assertThat(g).as("the first generation fits").isPositive();
                    stalls++;
                    assertWaitingForRoom(p, g, target);
                    // Reads keep being served while the set waits: the previous generation is complete and exact.
                    assertGenerationMatches(reader, generations.get(g - 1));
                }
                // Past the TTL of every row of the previous generation (not of this one's): room for the held records.
                clock.setMs(s);
                await(() -> p.appliedRecords(SET) == target || p.failure() != null, "generation " + g + " applied");
                assertThat(p.failure()).isNull();
                // Shards evict at most a second apart: once the store holds this generation alone, the next one
                // certainly overflows it.
                await(() -> p.storeRows(SET) == USERS_PER_GENERATION, "generation " + g + " alone in the store");
            }
            assertThat(stalls).as("every generation after the first overflowed the store").isEqualTo(GENERATIONS - 1);
            PipelineMetrics.SetCounts counts = p.metrics().set(SET.name());
            assertThat(counts.applied()).as("every record applied").isEqualTo(produced);
            assertThat(counts.duplicates()).as("none applied twice").isZero();
            assertThat(counts.skipped()).isZero();
            assertThat(counts.deadLettered()).isZero();
            assertThat(counts.badRecords()).isZero();
            assertThat(counts.storeFull()).as("records that waited for room").isPositive();
            assertThat(p.status(SET).state()).isNotEqualTo(SetStatus.State.STORE_FULL);
            for (int g = 0; g < GENERATIONS - 1; g++) {
                FeatureVector v = SET.newVector();
                for (Payment e : generations.get(g)) {
                    assertThat(reader.read(e.userId, v)).as("user=%s of generation %s evicted", e.userId, g)
                        .isFalse();
                }
            }
            assertGenerationMatches(reader, generations.get(GENERATIONS - 1));
        }
        assertThat(endOffset(broker, dlq)).as("nothing dead-lettered").isZero();
    }

    private static void assertWaitingForRoom(FeaturePipeline p, int g, long produced) {
        SetStatus status = p.status(SET);
        assertThat(p.failure()).as("a full store is not a failure, whatever the policy").isNull();
        assertThat(status.state()).as("generation %s", g).isEqualTo(SetStatus.State.STORE_FULL);
        assertThat(status.storeCapacity()).isEqualTo(CAPACITY);
        assertThat(status.storeRows()).isGreaterThanOrEqualTo(CAPACITY);
        assertThat(status.reason()).contains("store full", "capacity=" + CAPACITY, "none is skipped");
        PipelineMetrics.SetCounts counts = p.metrics().set(SET.name());
        assertThat(counts.applied()).isLessThan(produced);
        assertThat(counts.skipped()).isZero();
        assertThat(counts.deadLettered()).isZero();
        assertThat(counts.badRecords()).isZero();
        assertThat(counts.storeFull()).isPositive();
        assertThat(counts.shardsWaitingForRoom()).isPositive();
        assertThat(counts.storeFillWarning()).isTrue();
        assertThat(counts.storeRows()).isGreaterThanOrEqualTo(CAPACITY);
        assertThat(counts.storeCapacity()).isEqualTo(CAPACITY);
    }

    private static void assertGenerationMatches(FeatureReader reader, List<Payment> gen) {
        ReferenceModel<Payment> ref = new ReferenceModel<>(SET);
        for (Payment e : gen) {
            ref.apply(e.copy(), NOW);
        }
        FeatureVector v = SET.newVector();
        for (Object k : ref.keys()) {
            long key = (Long) k;
            assertThat(reader.read(key, v)).as("user=%s present", key).isTrue();
            // Values only: the row's apply time is whichever of the generation's two clock readings applied it.
            ref.expected(key, v.readTimeMs()).assertValuesMatch(v);
        }
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

    private static long endOffset(FreshetKafka broker, String topic) {
        Properties props = broker.clientProperties();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            Map<TopicPartition, Long> end = c.endOffsets(List.of(tp), Duration.ofSeconds(30));
            return end.get(tp);
        }
    }
}
