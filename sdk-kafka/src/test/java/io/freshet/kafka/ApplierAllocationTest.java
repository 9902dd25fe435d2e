package io.freshet.kafka;

import static io.freshet.kafka.PipelineFixtures.NOW;
import static io.freshet.kafka.PipelineFixtures.USER_RISK;
import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.ManualClock;
import io.freshet.core.StoreConfig;
import io.freshet.core.StoreGrowth;
import io.freshet.kafka.internal.CommitStamps;
import io.freshet.kafka.internal.PipelineInternals;
import io.freshet.kafka.internal.PipelineTelemetry;
import io.freshet.testkit.FreshetKafka;
import io.freshet.store.TableStoreEngine;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The applier thread (hand-off, kernels, store writes, offsets, histograms, counters) allocates nothing per record
 * on the table engine: measured with the JVM's per-thread allocation counter over a second, warm batch.
 * Allocation is deterministic, unlike timing, so this can be asserted.
 */
class ApplierAllocationTest {
    @RegisterExtension
    static final FreshetKafka KAFKA = FreshetKafka.create();

    @Test
    void applierThreadAllocatesNothingPerRecord(FreshetKafka broker, @TempDir Path dir) throws Exception {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        String topic = broker.uniqueName("alloc");
        broker.createTopic(topic, 2);
        StoreConfig cfg = StoreConfig.builder(USER_RISK).directory(dir.resolve("s")).capacity(10_000)
            .shards(2).build();
        List<Payment> warm = PipelineFixtures.stream(71, 30_000, 500);
        List<Payment> measured = PipelineFixtures.stream(72, 30_000, 500);
        PipelineFixtures.produce(broker, topic, warm);
        try (FeaturePipeline p = FeaturePipeline.builder()
            .kafka(PipelineFixtures.pipelineProps(broker))
            .instanceId("alloc")
            .clock(new ManualClock(NOW))
            .register(USER_RISK, new TableStoreEngine(), cfg, Source.of(topic, new PaymentCodec()))
            .start()) {
            assertThat(p.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            long tid = threadId("freshet-alloc-apply-0");
            // The freshness probe's commit stamps are on for the measured batch: stamping must not allocate either.
            PipelineTelemetry telemetry = PipelineInternals.telemetryOf(p);
            assertThat(telemetry.applierCount()).isEqualTo(1);
            CommitStamps stamps = new CommitStamps(1 << 16);
            telemetry.stampCommits(0, stamps);
            long before = mx.getThreadAllocatedBytes(tid);
            PipelineFixtures.produce(broker, topic, measured);
            assertThat(p.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            long bytes = mx.getThreadAllocatedBytes(tid) - before;
            telemetry.stampCommits(0, null);
            assertThat(p.metrics().set(USER_RISK.name()).applied()).isEqualTo(warm.size() + measured.size());
            // One stamp per applied record, each with the record's broker timestamp and poll <= release.
            assertThat(stamps.written()).isEqualTo(measured.size());
            long[] bad = {0};
            int drained = stamps.drain((ts, partition, offset, poll, released) -> {
                if (ts <= 0 || partition < 0 || partition > 1 || offset < 0 || released < poll) {
                    bad[0]++;
                }
            });
            assertThat(drained).isEqualTo(measured.size());
            assertThat(bad[0]).as("stamps without a timestamp or released before their poll").isZero();
            System.out.println("applier allocated " + bytes + " B over " + measured.size() + " records");
            assertThat((double) bytes / measured.size()).as("bytes per record on the applier thread")
                .isLessThan(1.0);
        }
    }

    /**
     * While its set waits for room in a full store, the applier retries (parked in between) without allocating, and
     * the pipeline's threads use little CPU: printed, not asserted (timing is not deterministic).
     */
    @Test
    void applierThreadAllocatesNothingWhileWaitingForRoom(FreshetKafka broker, @TempDir Path dir) throws Exception {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        String topic = broker.uniqueName("alloc-full");
        broker.createTopic(topic, 2);
        StoreConfig cfg = StoreConfig.builder(USER_RISK).directory(dir.resolve("s")).capacity(1_000)
            .shards(2).growth(StoreGrowth.disabled()).build();
        PipelineFixtures.produce(broker, topic, PipelineFixtures.stream(73, 20_000, 5_000));
        try (FeaturePipeline p = FeaturePipeline.builder()
            .kafka(PipelineFixtures.pipelineProps(broker))
            .instanceId("allocfull")
            .clock(new ManualClock(NOW))
            .register(USER_RISK, new TableStoreEngine(), cfg, Source.of(topic, new PaymentCodec()))
            .start()) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (p.status(USER_RISK).state() != SetStatus.State.STORE_FULL && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(p.status(USER_RISK).state()).isEqualTo(SetStatus.State.STORE_FULL);
            // Let the first full-store log line and the back-pressure settle, then measure four seconds of waiting.
            Thread.sleep(2_500);
            long applier = threadId("freshet-allocfull-apply-0");
            long consumer = threadId("freshet-allocfull-ingest-0");
            long bytesBefore = mx.getThreadAllocatedBytes(applier);
            long applierCpuBefore = mx.getThreadCpuTime(applier);
            long consumerCpuBefore = mx.getThreadCpuTime(consumer);
            long wallBefore = System.nanoTime();
            long appliedBefore = p.appliedRecords(USER_RISK);
            Thread.sleep(4_000);
            long bytes = mx.getThreadAllocatedBytes(applier) - bytesBefore;
            long wallNs = System.nanoTime() - wallBefore;
            assertThat(p.status(USER_RISK).state()).isEqualTo(SetStatus.State.STORE_FULL);
            assertThat(p.appliedRecords(USER_RISK)).as("nothing applied while full").isEqualTo(appliedBefore);
            System.out.printf("waiting for room %d ms: applier allocated %d B, CPU applier %.1f%% consumer %.1f%%%n",
                wallNs / 1_000_000, bytes, 100.0 * (mx.getThreadCpuTime(applier) - applierCpuBefore) / wallNs,
                100.0 * (mx.getThreadCpuTime(consumer) - consumerCpuBefore) / wallNs);
            assertThat(bytes).as("bytes the waiting applier allocated in 4 s of retries").isZero();
        }
    }

    private static long threadId(String name) {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals(name)) {
                return t.getId();
            }
        }
        throw new AssertionError("no thread " + name);
    }
}
