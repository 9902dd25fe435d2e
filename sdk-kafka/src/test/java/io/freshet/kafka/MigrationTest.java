package io.freshet.kafka;

import static io.freshet.kafka.PipelineFixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshet.core.FeatureReader;
import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureVector;
import io.freshet.core.ManualClock;
import io.freshet.core.StoreConfig;
import io.freshet.core.StoreGrowth;
import io.freshet.core.Window;
import io.freshet.core.testing.ReferenceModel;
import io.freshet.kafka.internal.CutoverFile;
import io.freshet.store.TableStoreEngine;
import io.freshet.testkit.FreshetKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Changing a definition with no outage, on the real broker: a shadow build under a live producer that ends equal to
 * the reference model of the new definition and compares equal on the unchanged shared features; promote and
 * rollback under four reader threads that never see a vector mixing the two definitions; the live definition
 * surviving restarts; a crash between any two steps of a promote ending on exactly one definition; a full shadow
 * store stopping the migration with a typed error while the live set keeps serving.
 */
class MigrationTest {
    @RegisterExtension
    static final FreshetKafka KAFKA = FreshetKafka.create();

    private static final TableStoreEngine ENGINE = new TableStoreEngine();

    /** The live definition. */
    static final FeatureSet<Payment> V1 = FeatureSet.builder("risk", Payment.class)
        .entity("user", Payment::userId)
        .eventTime(Payment::tsMs)
        .latest("last_amount", Payment::amount)
        .count("txn_total")
        .sum("amount_w", Payment::amount, Window.sliding(Duration.ofHours(1)))
        .count("declines", Window.sliding(Duration.ofHours(1))).where(Payment::declined)
        .build();

    /** The new one: one more feature (max_amount) and one changed window (amount_w: 1 h → 30 min). */
    static final FeatureSet<Payment> V2 = FeatureSet.builder("risk", Payment.class)
        .entity("user", Payment::userId)
        .eventTime(Payment::tsMs)
        .latest("last_amount", Payment::amount)
        .count("txn_total")
        .sum("amount_w", Payment::amount, Window.sliding(Duration.ofMinutes(30)))
        .count("declines", Window.sliding(Duration.ofHours(1))).where(Payment::declined)
        .max("max_amount", Payment::amount)
        .build();

    private static StoreConfig config(FeatureSet<?> set, Path dir) {
        return StoreConfig.builder(set).directory(dir).capacity(10_000).shards(2).build();
    }

    private static FeaturePipeline startLive(FreshetKafka broker, String topic, Path dir) {
        return FeaturePipeline.builder()
            .kafka(PipelineFixtures.pipelineProps(broker))
            .clock(new ManualClock(NOW))
            .register(V1, ENGINE, config(V1, dir.resolve("v1")), Source.of(topic, new PaymentCodec()))
            .start();
    }

    private static Migration migrate(FeaturePipeline p, Path dir) {
        return p.migrate(V1, V2, ENGINE, config(V2, dir.resolve("v2")))
            .from(MigrationStart.logStart())
            .readyLag(0)
            .progressLogInterval(Duration.ofSeconds(2))
            .start();
    }

    private static MigrationProgress awaitReady(Migration m) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        MigrationProgress p = m.progress();
        while (p.phase() != MigrationPhase.READY && System.nanoTime() < deadline) {
            assertThat(m.failure()).isNull();
            Thread.sleep(50);
            p = m.progress();
        }
        assertThat(p.phase()).as("%s", p).isEqualTo(MigrationPhase.READY);
        return p;
    }

    @Test
    void shadowBuiltUnderLiveTrafficMatchesTheReferenceComparesEqualAndPromotesAcrossRestarts(FreshetKafka broker,
        @TempDir Path dir) throws Exception {
        String topic = broker.uniqueName("migrate");
        broker.createTopic(topic, 3);
        List<Payment> events = PipelineFixtures.stream(1414, 16_000, 400);
        List<Payment> history = events.subList(0, 8_000);
        List<Payment> liveTraffic = events.subList(8_000, events.size());
        PipelineFixtures.produce(broker, topic, history);
        try (FeaturePipeline p = startLive(broker, topic, dir)) {
            assertThat(p.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            Thread producer = new Thread(() -> {
                for (int from = 0; from < liveTraffic.size(); from += 500) {
                    PipelineFixtures.produce(broker, topic, liveTraffic.subList(from, from + 500));
                }
            }, "live-producer");
            producer.start();
            Migration m = migrate(p, dir);
            MigrationProgress started = m.progress();
            assertThat(started.toDo()).isGreaterThanOrEqualTo(history.size());
            assertThat(m.shadow().kafkaProperties().getProperty("max.poll.records"))
                .as("the backfill consumers poll 2 ms of the default budget at a time, not the live consumers' 2,000")
                .isEqualTo(Long.toString(Math.max(16, (Migration.DEFAULT_RECORDS_PER_SECOND * 2 + 999) / 1_000)));
            assertThat(p.kafkaProperties().getProperty("max.poll.records")).isEqualTo("2000");
            assertThat(started.partitions()).hasSize(3);
            producer.join(120_000);
            assertThat(producer.isAlive()).isFalse();
            MigrationProgress ready = awaitReady(m);
            assertThat(ready.done()).isEqualTo(ready.toDo());
            assertThat(ready.percentDone()).isEqualTo(100.0);
            assertThat(ready.lagRecords()).isZero();
            assertThat(p.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            assertThat(m.shadow().awaitCaughtUp(Duration.ofSeconds(60))).isTrue();

            ReferenceModel<Payment> refV1 = PipelineFixtures.reference(V1, events);
            ReferenceModel<Payment> refV2 = PipelineFixtures.reference(V2, events);
            assertThat(PipelineFixtures.assertMatchesReference(m.shadow().reader(V2), refV2))
                .isEqualTo(refV2.keys().size()).isGreaterThan(300);
            assertThat(PipelineFixtures.assertMatchesReference(p.reader(V1), refV1)).isEqualTo(refV1.keys().size());

            long[] keys = refV1.keys().stream().mapToLong(k -> (Long) k).toArray();
            CompareReport all = m.compare(keys);
            assertThat(all.keysInBoth()).isEqualTo(keys.length);
            assertThat(all.newFeatures()).containsExactly("max_amount");
            assertThat(all.droppedFeatures()).isEmpty();
            Map<String, CompareReport.FeatureDiff> byName = new HashMap<>();
            all.shared().forEach(d -> byName.put(d.feature(), d));
            assertThat(byName.get("amount_w").changed()).isTrue();
            assertThat(byName.get("amount_w").differing()).as("a 30 min window differs from 1 h").isPositive();
            for (String same : List.of("last_amount", "txn_total", "declines")) {
                assertThat(byName.get(same).changed()).isFalse();
                assertThat(byName.get(same).differing()).as(same).isZero();
                assertThat(byName.get(same).equal()).isEqualTo(keys.length);
            }
            assertThat(all.differingFraction()).isZero();
            CompareReport recent = m.compareRecent(100);
            assertThat(recent.keys()).isBetween(1, 100);
            assertThat(recent.differingFraction()).isZero();

            FeatureReader reader = p.reader(V1);
            FeatureVector v = V1.newVector();
            m.promote(CutoverCriteria.standard());
            assertThat(m.isPromoted()).isTrue();
            assertThat(reader.featureSet()).isSameAs(V2);
            long someKey = keys[0];
            assertThat(reader.read(someKey, v)).isTrue();
            assertThat(v.featureSet()).as("the caller's vector follows the live definition").isSameAs(V2);
            refV2.assertMatches(someKey, v);
            assertThat(v.getLong(V1.ref("txn_total"))).as("refs of the old definition resolve by name")
                .isEqualTo(v.getLong(V2.ref("txn_total")));
            assertThatThrownBy(m::close).isInstanceOf(MigrationException.class)
                .hasMessageContaining("rollback() first");
        }
        ReferenceModel<Payment> refV2 = PipelineFixtures.reference(V2, events);
        ReferenceModel<Payment> refV1 = PipelineFixtures.reference(V1, events);
        assertThat(Files.readString(dir.resolve("v2.migration").resolve(CutoverFile.FILE_NAME))).contains("live=new");
        // Restart: the same code registers V1 and re-issues the migration; the recorded state puts V2 live at once.
        try (FeaturePipeline p = startLive(broker, topic, dir)) {
            Migration m = migrate(p, dir);
            assertThat(m.isPromoted()).isTrue();
            assertThat(p.reader(V1).featureSet()).isSameAs(V2);
            assertThat(m.shadow().awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            // The reader's CATCHING_UP flag follows the pipeline the set is registered in (both tail the same topics).
            assertThat(p.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            assertThat(PipelineFixtures.assertMatchesReference(p.reader(V1), refV2)).isEqualTo(refV2.keys().size());
            m.rollback();
            assertThat(p.reader(V1).featureSet()).isSameAs(V1);
            assertThat(p.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            assertThat(PipelineFixtures.assertMatchesReference(p.reader(V1), refV1)).isEqualTo(refV1.keys().size());
            assertThatThrownBy(m::rollback).isInstanceOf(MigrationException.class)
                .extracting(e -> ((MigrationException) e).reason()).isEqualTo(MigrationException.Reason.WRONG_STATE);
        }
        try (FeaturePipeline p = startLive(broker, topic, dir)) {
            Migration m = migrate(p, dir);
            assertThat(m.isPromoted()).isFalse();
            assertThat(p.reader(V1).featureSet()).isSameAs(V1);
            MigrationProgress resumed = m.progress();
            assertThat(resumed.done()).as("progress continues from the shadow store's offsets").isEqualTo(
                resumed.toDo());
            m.promote(CutoverCriteria.none());
            m.retire();
            assertThatThrownBy(m::rollback).isInstanceOf(MigrationException.class).hasMessageContaining("retired");
        }
    }

    @Test
    void readersSeeWhollyOneDefinitionAcrossPromotesAndRollbacks(FreshetKafka broker, @TempDir Path dir)
        throws Exception {
        String topic = broker.uniqueName("mixed");
        broker.createTopic(topic, 2);
        List<Payment> events = PipelineFixtures.stream(77, 6_000, 200);
        PipelineFixtures.produce(broker, topic, events);
        try (FeaturePipeline p = startLive(broker, topic, dir)) {
            assertThat(p.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            Migration m = migrate(p, dir);
            awaitReady(m);
            assertThat(m.shadow().awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            ReferenceModel<Payment> refV1 = PipelineFixtures.reference(V1, events);
            long[] keys = refV1.keys().stream().mapToLong(k -> (Long) k).toArray();
            // What each definition reads for each key, with no traffic: a read must equal one of them whole.
            Map<Long, double[]> expectV1 = expected(p.reader(V1), V1, keys);
            Map<Long, double[]> expectV2 = expected(m.shadow().reader(V2), V2, keys);
            FeatureReader reader = p.reader(V1);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong reads = new AtomicLong();
            AtomicLong mixed = new AtomicLong();
            AtomicLong readsV2 = new AtomicLong();
            List<Thread> readers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                long seed = t;
                Thread th = new Thread(() -> {
                    Random r = new Random(seed);
                    FeatureVector v = V1.newVector();
                    double[] outV1 = new double[V1.vectorWidth()];
                    double[] outV2 = new double[V2.vectorWidth()];
                    long n = 0;
                    while (!stop.get()) {
                        long key = keys[r.nextInt(keys.length)];
                        reader.read(key, v);
                        boolean isV2 = v.featureSet().fingerprint() == V2.fingerprint();
                        boolean whole;
                        if (isV2) {
                            v.copyTo(outV2);
                            whole = Arrays.equals(outV2, expectV2.get(key));
                            readsV2.incrementAndGet();
                        } else {
                            whole = v.featureSet().fingerprint() == V1.fingerprint() && v.width() == outV1.length;
                            if (whole) {
                                v.copyTo(outV1);
                                whole = Arrays.equals(outV1, expectV1.get(key));
                            }
                        }
                        if (!whole) {
                            mixed.incrementAndGet();
                        }
                        n++;
                        if ((n & 1023) == 0) {
                            reads.addAndGet(1024);
                        }
                    }
                }, "reader-" + t);
                readers.add(th);
                th.start();
            }
            int switches = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while ((reads.get() < 1_000_000 || switches < 20) && System.nanoTime() < deadline) {
                m.promote(CutoverCriteria.none());
                Thread.sleep(5);
                m.rollback();
                Thread.sleep(5);
                switches += 2;
            }
            stop.set(true);
            for (Thread th : readers) {
                th.join(10_000);
            }
            System.out.printf("mixed-read check: %d reads (%d of the new definition), %d switches, %d mixed%n",
                reads.get(), readsV2.get(), switches, mixed.get());
            assertThat(reads.get()).isGreaterThanOrEqualTo(1_000_000);
            assertThat(switches).isGreaterThanOrEqualTo(20);
            assertThat(readsV2.get()).as("reads of the new definition").isPositive();
            assertThat(reads.get() - readsV2.get()).as("reads of the old definition").isPositive();
            assertThat(mixed.get()).as("mixed vectors in %d reads over %d switches", reads.get(), switches).isZero();
        }
    }

    private static Map<Long, double[]> expected(FeatureReader r, FeatureSet<Payment> set, long[] keys) {
        Map<Long, double[]> out = new HashMap<>();
        FeatureVector v = set.newVector();
        for (long k : keys) {
            assertThat(r.read(k, v)).isTrue();
            double[] d = new double[set.vectorWidth()];
            v.copyTo(d);
            out.put(k, d);
        }
        return out;
    }

    @Test
    void aCrashBetweenAnyTwoStepsOfPromoteEndsLiveOnExactlyOneDefinition(FreshetKafka broker, @TempDir Path dir)
        throws Exception {
        String topic = broker.uniqueName("cutover");
        broker.createTopic(topic, 1);
        PipelineFixtures.produce(broker, topic, PipelineFixtures.stream(9, 500, 50));
        List<String> steps = List.of("criteria-checked", "state-temp_written", "state-temp_synced", "state-renamed",
            "state-dir_synced", "state-recorded", "readers-switched");
        List<String> afterRename = List.of("state-renamed", "state-dir_synced", "state-recorded", "readers-switched");
        for (String step : steps) {
            Path run = dir.resolve(step);
            try (FeaturePipeline p = startLive(broker, topic, run)) {
                Migration m = migrate(p, run);
                m.stepHook = s -> {
                    if (s.equals(step)) {
                        throw new SimulatedCrash(s);
                    }
                };
                assertThatThrownBy(() -> m.promote(CutoverCriteria.none())).isInstanceOf(SimulatedCrash.class);
            }
            // The process is gone: only the disk remains. The restart ends on exactly one definition.
            try (FeaturePipeline p = startLive(broker, topic, run)) {
                Migration m = migrate(p, run);
                boolean newLive = afterRename.contains(step);
                assertThat(m.isPromoted()).as("crash after %s", step).isEqualTo(newLive);
                assertThat(p.reader(V1).featureSet()).as("crash after %s", step).isSameAs(newLive ? V2 : V1);
                assertThat(Files.readString(run.resolve("v2.migration").resolve(CutoverFile.FILE_NAME)))
                    .contains(newLive ? "live=new" : "live=old");
                if (newLive) {
                    m.rollback();
                }
            }
        }
    }

    @Test
    void aFullShadowStoreStopsTheMigrationWithATypedErrorAndTheLiveSetKeepsServing(FreshetKafka broker,
        @TempDir Path dir) throws Exception {
        String topic = broker.uniqueName("full");
        broker.createTopic(topic, 2);
        List<Payment> events = PipelineFixtures.stream(5, 3_000, 400);
        PipelineFixtures.produce(broker, topic, events);
        try (FeaturePipeline p = startLive(broker, topic, dir)) {
            assertThat(p.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            StoreConfig tiny = StoreConfig.builder(V2).directory(dir.resolve("v2")).capacity(64).shards(2)
                .growth(StoreGrowth.disabled()).build();
            Migration m = p.migrate(V1, V2, ENGINE, tiny).start();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (m.failure() == null && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(m.failure()).isNotNull();
            assertThat(m.failure().reason()).isEqualTo(MigrationException.Reason.STORE_FULL);
            assertThat(m.failure().getMessage()).contains("shadow store is full", "live set is untouched");
            assertThat(m.progress().phase()).isEqualTo(MigrationPhase.FAILED);
            assertThatThrownBy(m::promote).isInstanceOf(MigrationException.class)
                .extracting(e -> ((MigrationException) e).reason()).isEqualTo(MigrationException.Reason.WRONG_STATE);
            assertThat(p.failure()).isNull();
            assertThat(p.reader(V1).featureSet()).isSameAs(V1);
            ReferenceModel<Payment> refV1 = PipelineFixtures.reference(V1, events);
            assertThat(PipelineFixtures.assertMatchesReference(p.reader(V1), refV1)).isEqualTo(refV1.keys().size());
        }
    }

    /**
     * An application delete during a migration deletes the entity in both stores: read MISSING after the promote
     * (the readers read the shadow store) and after a rollback (the live one again). The metrics binder shows the
     * migration's phase and progress on the way.
     */
    @Test
    void anApplicationDeleteDuringAMigrationDeletesTheEntityInBothStores(FreshetKafka broker, @TempDir Path dir)
        throws Exception {
        String topic = broker.uniqueName("delete");
        broker.createTopic(topic, 2);
        List<Payment> events = PipelineFixtures.stream(9, 2_000, 200);
        PipelineFixtures.produce(broker, topic, events);
        long user = events.get(0).userId;
        try (FeaturePipeline p = startLive(broker, topic, dir)) {
            assertThat(p.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            Migration m = migrate(p, dir);
            awaitReady(m);
            // The metrics binder shows the migration (as its progress sampler last saw it).
            io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
            try (io.freshet.kafka.metrics.FreshetMetrics bound =
                io.freshet.kafka.metrics.FreshetMetrics.bind(p, registry)) {
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (registry.get("freshet.migration.phase").tag("phase", "READY").gauge().value() != 1
                    && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                assertThat(registry.get("freshet.migration.phase").tag("phase", "READY").gauge().value()).isEqualTo(1);
                assertThat(registry.get("freshet.migration.phase").tag("phase", "BACKFILLING").gauge().value())
                    .isZero();
                assertThat(registry.get("freshet.migration.records.todo").gauge().value()).isEqualTo(events.size());
                assertThat(registry.get("freshet.migration.records.done").gauge().value()).isEqualTo(events.size());
            }
            assertThat(p.delete(V1, user).get(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            FeatureReader r = p.reader(V1);
            FeatureVector v = V1.newVector();
            assertThat(r.read(user, v)).isFalse();
            m.promote(CutoverCriteria.none());
            assertThat(r.featureSet()).isSameAs(V2);
            assertThat(r.read(user, v)).as("deleted in the shadow store the readers now read").isFalse();
            assertThat(v.status()).isEqualTo(io.freshet.core.VectorStatus.MISSING);
            assertThat(r.read(events.get(events.size() - 1).userId == user ? events.get(1).userId
                : events.get(events.size() - 1).userId, v)).as("another user is still served").isTrue();
            m.rollback();
            assertThat(r.read(user, v)).as("deleted in the live store").isFalse();
            m.close();
        }
    }

    /**
     * Issue 17 point 7: the backfill of a migration replays the history with the live source's tombstone policy, so
     * an entity deleted by a tombstone in the history is MISSING in the shadow store, and one deleted and seen again
     * afterwards holds only what came after its tombstone; the shadow equals the reference of the new definition
     * over the history with the deletes, row for row (no deleted key comes back).
     */
    @Test
    void theBackfillOfAMigrationHonoursTheTombstonesOfTheHistory(FreshetKafka broker, @TempDir Path dir)
        throws Exception {
        String topic = broker.uniqueName("migrate-tombstones");
        broker.createTopic(topic, 2);
        List<Payment> events = PipelineFixtures.stream(1717, 4_000, 200);
        java.util.LinkedHashSet<Long> users = new java.util.LinkedHashSet<>();
        events.forEach(e -> users.add(e.userId));
        List<Long> seen = new ArrayList<>(users);
        assertThat(seen.size()).isGreaterThan(60);
        // A tombstone for each of the first 15 users after all their events (deleted for good), and one for each of
        // the next 15 in the middle of the stream (deleted, then re-created by their later events).
        List<Long> deletedForGood = seen.subList(0, 15);
        List<Long> deletedMidway = seen.subList(15, 30);
        List<Payment> history = new ArrayList<>(events.subList(0, 2_000));
        java.util.Set<Payment> tombstones = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (long u : deletedMidway) {
            Payment t = new Payment(u, null, 0, 0, false);
            tombstones.add(t);
            history.add(t);
        }
        history.addAll(events.subList(2_000, events.size()));
        for (long u : deletedForGood) {
            Payment t = new Payment(u, null, 0, 0, false);
            tombstones.add(t);
            history.add(t);
        }
        try (org.apache.kafka.clients.producer.KafkaProducer<Long, byte[]> producer =
            PipelineFixtures.producer(broker)) {
            List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> acks =
                new ArrayList<>();
            for (Payment e : history) {
                acks.add(producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, e.userId,
                    tombstones.contains(e) ? null : PaymentCodec.encode(e))));
            }
            for (java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata> f : acks) {
                f.get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
        ReferenceModel<Payment> refV1 = new ReferenceModel<>(V1);
        ReferenceModel<Payment> refV2 = new ReferenceModel<>(V2);
        int deletes = 0;
        for (Payment e : history) {
            if (tombstones.contains(e)) {
                refV1.delete(e.userId);
                deletes += refV2.delete(e.userId) ? 1 : 0;
            } else {
                refV1.apply(e.copy(), NOW);
                refV2.apply(e.copy(), NOW);
            }
        }
        assertThat(deletes).as("every tombstone found a row in the reference").isEqualTo(30);
        for (long u : deletedMidway) {
            assertThat(refV2.keys()).as("user %d has events after its tombstone", u).contains(u);
        }

        try (FeaturePipeline p = FeaturePipeline.builder()
            .kafka(PipelineFixtures.pipelineProps(broker))
            .clock(new ManualClock(NOW))
            .register(V1, ENGINE, config(V1, dir.resolve("v1")),
                Source.of(topic, new PaymentCodec()).tombstones(TombstonePolicy.DELETE))
            .start()) {
            assertThat(p.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            Migration m = migrate(p, dir);
            awaitReady(m);
            FeaturePipeline shadow = m.shadow();
            assertThat(shadow.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            assertThat(shadow.metrics().set(V2.name()).deleted()).as("the backfill applied the tombstones")
                .isEqualTo(30);
            assertThat(PipelineFixtures.assertMatchesReference(shadow.reader(V2), refV2))
                .isEqualTo(refV2.keys().size());
            assertThat(PipelineTestAccess.store(shadow, V2).size()).as("no deleted key came back")
                .isEqualTo(refV2.keys().size());
            FeatureVector v = V2.newVector();
            for (long u : deletedForGood) {
                assertThat(shadow.reader(V2).read(u, v)).as("user %d deleted in the history", u).isFalse();
                assertThat(v.status()).isEqualTo(io.freshet.core.VectorStatus.MISSING);
            }
            // The live store agrees, and after the promote the readers see the same.
            assertThat(PipelineFixtures.assertMatchesReference(p.reader(V1), refV1)).isEqualTo(refV1.keys().size());
            m.promote(CutoverCriteria.none());
            FeatureReader r = p.reader(V1);
            assertThat(r.featureSet()).isSameAs(V2);
            for (long u : deletedForGood) {
                assertThat(r.read(u, v)).isFalse();
                assertThat(v.status()).isEqualTo(io.freshet.core.VectorStatus.MISSING);
            }
            m.rollback();
            m.close();
        }
    }

    /** Stands for the process dying at a step: nothing after it runs. */
    static final class SimulatedCrash extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SimulatedCrash(String step) {
            super("simulated crash after step " + step);
        }
    }
}
