package io.freshet.kafka;

import static io.freshet.kafka.MigrationTest.V1;
import static io.freshet.kafka.MigrationTest.V2;
import static io.freshet.kafka.PipelineFixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureVector;
import io.freshet.core.ManualClock;
import io.freshet.core.StoreConfig;
import io.freshet.core.testing.ReferenceModel;
import io.freshet.store.TableStoreEngine;
import io.freshet.testkit.FreshetKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@link Migration#retire()} on the real broker: the old store's feeding stops at once, its handle closes. */
class MigrationRetireTest {
    @RegisterExtension
    static final FreshetKafka KAFKA = FreshetKafka.create();

    private static final TableStoreEngine ENGINE = new TableStoreEngine();
    private static final Duration WAIT = Duration.ofSeconds(90);

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
        return p.migrate(V1, V2, ENGINE, config(V2, dir.resolve("v2"))).from(MigrationStart.logStart()).readyLag(0)
            .start();
    }

    private static void awaitReady(Migration m) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (m.progress().phase() != MigrationPhase.READY && System.nanoTime() < deadline) {
            assertThat(m.failure()).isNull();
            Thread.sleep(50);
        }
        assertThat(m.progress().phase()).isEqualTo(MigrationPhase.READY);
    }

    /** Collects until the views that reads of the old store loaded are unreachable and the sampler closed it. */
    private static void awaitOldStoreClosed(Migration m) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!m.oldStoreClosed() && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(100);
        }
        assertThat(m.oldStoreClosed()).as("the retired store is closed once no read can hold it").isTrue();
    }

    @Test
    void retireStopsFeedingTheOldStoreAtOnceAndClosesItOnceNoReadCanHoldIt(FreshetKafka broker, @TempDir Path dir)
        throws Exception {
        String topic = broker.uniqueName("retire");
        broker.createTopic(topic, 2);
        List<Payment> events = PipelineFixtures.stream(2026, 9_000, 300);
        List<Payment> history = events.subList(0, 3_000);
        List<Payment> afterRetire = events.subList(3_000, 6_000);
        List<Payment> afterRestart = events.subList(6_000, events.size());
        PipelineFixtures.produce(broker, topic, history);
        long deleted;
        try (FeaturePipeline p = startLive(broker, topic, dir)) {
            assertThat(p.awaitCaughtUp(WAIT)).isTrue();
            Migration m = migrate(p, dir);
            awaitReady(m);
            m.promote(CutoverCriteria.none());
            long appliedToOld = p.appliedRecords(V1);
            assertThat(appliedToOld).isPositive();

            m.retire();
            assertThat(p.runtime(V1).detached()).isTrue();
            PipelineFixtures.produce(broker, topic, afterRetire);
            assertThat(m.shadow().awaitCaughtUp(WAIT)).isTrue();
            assertThat(p.awaitCaughtUp(WAIT)).as("the live consumers read on, skipping the retired set").isTrue();
            assertThat(p.appliedRecords(V1)).as("nothing applied to the old store after retire()")
                .isEqualTo(appliedToOld);
            ReferenceModel<Payment> refV2 = PipelineFixtures.reference(V2, events.subList(0, 6_000));
            assertThat(PipelineFixtures.assertMatchesReference(p.reader(V1), refV2)).isEqualTo(refV2.keys().size());

            awaitOldStoreClosed(m);
            // Status, metrics and deletes of the set go to the store that serves it now.
            assertThat(p.storeRows(V1)).isEqualTo(m.shadow().storeRows(V2));
            assertThat(p.metrics().applied()).isEqualTo(appliedToOld);
            assertThat(p.status(V1)).isNotNull();
            deleted = (Long) refV2.keys().iterator().next();
            assertThat(p.delete(V1, deleted).get(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.reader(V1).read(deleted, V2.newVector())).isFalse();
            long key = deleted;
            assertThatThrownBy(() -> m.compare(new long[] {key})).isInstanceOf(MigrationException.class)
                .hasMessageContaining("retired");
            assertThat(p.failure()).isNull();
        }

        // A restart that still registers the old definition: the recorded retire stops its feeding at once again.
        try (FeaturePipeline p = startLive(broker, topic, dir)) {
            Migration m = migrate(p, dir);
            assertThat(m.isRetired()).isTrue();
            assertThat(p.runtime(V1).detached()).isTrue();
            long appliedToOld = p.appliedRecords(V1);
            PipelineFixtures.produce(broker, topic, afterRestart);
            assertThat(m.shadow().awaitCaughtUp(WAIT)).isTrue();
            assertThat(p.awaitCaughtUp(WAIT)).isTrue();
            assertThat(p.appliedRecords(V1)).isEqualTo(appliedToOld);
            awaitOldStoreClosed(m);
            ReferenceModel<Payment> all = PipelineFixtures.reference(V2, events);
            assertThat(p.reader(V1).featureSet()).isSameAs(V2);
            FeatureVector v = V2.newVector();
            int matched = 0;
            for (Object k : all.keys()) {
                if ((Long) k != deleted) {
                    // Every key but the deleted one (later events may re-create it from scratch) as the model has it.
                    assertThat(p.reader(V1).read((Long) k, v)).isTrue();
                    all.assertMatches((long) (Long) k, v);
                    matched++;
                }
            }
            assertThat(matched).isEqualTo(all.keys().size() - 1);
            assertThat(p.failure()).isNull();
        }
    }
}
