package io.freshet.kafka;

import io.freshet.core.ManualClock;
import io.freshet.core.StoreConfig;
import io.freshet.core.StoreGrowth;
import io.freshet.store.TableStoreEngine;
import java.nio.file.Path;
import java.util.Properties;

/**
 * The child process of {@link StoreFullCrashTest}: runs a {@link FeaturePipeline} over
 * {@link PipelineFixtures#USER_RISK} on a table store too small for the topic's keys, prints
 * {@code STATUS <state> <applied>} every 100 ms, and runs until the parent SIGKILLs it (it never closes the store).
 *
 * <p>Args: bootstrap topic storeDir capacity. The clock is {@link PipelineFixtures#NOW}, as in the parent's reference.
 */
final class StoreFullCrashChild {
    private StoreFullCrashChild() {
    }

    /**
     * @param args see class comment
     * @throws Exception on failure (the parent sees the exit and the stderr file)
     */
    public static void main(String[] args) throws Exception {
        Properties kafka = new Properties();
        kafka.put("bootstrap.servers", args[0]);
        kafka.put("max.poll.records", "2000");
        StoreConfig cfg = StoreConfig.builder(PipelineFixtures.USER_RISK).directory(Path.of(args[2]))
            .shards(StoreFullCrashTest.SHARDS).capacity(Long.parseLong(args[3]))
            .growth(StoreGrowth.disabled()).build();
        FeaturePipeline p = FeaturePipeline.builder()
            .kafka(kafka)
            .clock(new ManualClock(PipelineFixtures.NOW))
            .consumerThreads(2)
            .applierThreads(2)
            .register(PipelineFixtures.USER_RISK, new TableStoreEngine(), cfg,
                Source.of(args[1], new PaymentCodec()).onBadRecord(BadRecordPolicy.FAIL))
            .start();
        while (true) {
            Thread.sleep(100);
            SetStatus s = p.status(PipelineFixtures.USER_RISK);
            System.out.println("STATUS " + s.state() + " " + p.appliedRecords(PipelineFixtures.USER_RISK));
            System.out.flush();
            if (p.failure() != null) {
                p.failure().printStackTrace();
                System.exit(3);
            }
        }
    }
}
