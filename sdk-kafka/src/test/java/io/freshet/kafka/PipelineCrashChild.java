package io.freshet.kafka;

import io.freshet.core.ManualClock;
import io.freshet.core.StoreConfig;
import io.freshet.core.spi.StoreEngine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;

/**
 * The pipeline crash battery's child process: runs a {@link FeaturePipeline} over {@link PipelineFixtures#USER_RISK}
 * against the parent's broker, on a store in the given directory (opening it recovers it after the previous kill),
 * prints {@code STARTED <openState>} once ingesting and {@code APPLIED <records>} every 200 ms, and runs until the
 * parent SIGKILLs it. Nothing here ever shuts down cleanly: the parent alone decides when the process dies.
 *
 * <p>Args: bootstrap topic storeDir engineClass shards capacity consumerThreads applierThreads queueCapacity
 * [tombstones] (the literal {@code tombstones}: the source deletes on tombstones).
 * The applying and reading clock is {@link PipelineFixtures#NOW}, as in the parent's reference model.
 */
final class PipelineCrashChild {
    private static final Duration REPORT_INTERVAL = Duration.ofMillis(200);

    private PipelineCrashChild() {
    }

    /**
     * @param args see class comment
     * @throws Exception on failure (the parent sees a non-137 exit and the stderr file)
     */
    public static void main(String[] args) throws Exception {
        Properties kafka = new Properties();
        kafka.put("bootstrap.servers", args[0]);
        kafka.put("max.poll.records", "2000");
        String topic = args[1];
        StoreEngine engine = (StoreEngine) Class.forName(args[3]).getDeclaredConstructor().newInstance();
        StoreConfig cfg = StoreConfig.builder(PipelineFixtures.USER_RISK).directory(Path.of(args[2]))
            .shards(Integer.parseInt(args[4])).capacity(Long.parseLong(args[5])).build();
        FeaturePipeline p = FeaturePipeline.builder()
            .kafka(kafka)
            .clock(new ManualClock(PipelineFixtures.NOW))
            .consumerThreads(Integer.parseInt(args[6]))
            .applierThreads(Integer.parseInt(args[7]))
            .queueCapacity(Integer.parseInt(args[8]))
            .register(PipelineFixtures.USER_RISK, engine, cfg, Source.of(topic, new PaymentCodec())
                .tombstones(args.length > 9 && "tombstones".equals(args[9]) ? TombstonePolicy.DELETE
                    : TombstonePolicy.BAD_RECORD))
            .start();
        System.out.println("STARTED " + PipelineTestAccess.store(p, PipelineFixtures.USER_RISK).openState());
        System.out.flush();
        while (true) {
            Thread.sleep(REPORT_INTERVAL.toMillis());
            System.out.println("APPLIED " + p.metrics().set(PipelineFixtures.USER_RISK.name()).applied());
            System.out.flush();
            PipelineException f = p.failure();
            if (f != null) {
                // A stopped pipeline must not look like a healthy victim: exit with a code the parent rejects.
                System.out.println("FAILED " + f.getMessage());
                System.out.flush();
                f.printStackTrace();
                System.exit(3);
            }
        }
    }
}
