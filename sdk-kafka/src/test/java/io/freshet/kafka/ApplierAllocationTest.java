package io.freshet.kafka;

import static io.freshet.kafka.PipelineFixtures.NOW;
import static io.freshet.kafka.PipelineFixtures.USER_RISK;
import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.ManualClock;
import io.freshet.core.StoreConfig;
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
            long before = mx.getThreadAllocatedBytes(tid);
            PipelineFixtures.produce(broker, topic, measured);
            assertThat(p.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            long bytes = mx.getThreadAllocatedBytes(tid) - before;
            assertThat(p.metrics().set(USER_RISK.name()).applied()).isEqualTo(warm.size() + measured.size());
            System.out.println("applier allocated " + bytes + " B over " + measured.size() + " records");
            assertThat((double) bytes / measured.size()).as("bytes per record on the applier thread")
                .isLessThan(1.0);
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
