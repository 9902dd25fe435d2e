package io.freshet.kafka;

import io.freshet.core.ManualClock;
import io.freshet.core.StoreConfig;
import io.freshet.store.TableStoreEngine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;

/**
 * The migration crash battery's child process: a live pipeline on {@link MigrationTest#V1} and a migration to
 * {@link MigrationTest#V2} (from the log start, throttled so that the backfill spans several kills), both on table
 * stores in the given directory. Prints {@code STARTED <phase> <done>} once the migration runs and
 * {@code PROGRESS <phase> <done> <toDo>} every 100 ms, until the parent SIGKILLs it.
 *
 * <p>Args: bootstrap topic dir recordsPerSecond.
 */
final class MigrationCrashChild {
    private MigrationCrashChild() {
    }

    /**
     * @param args see class comment
     * @throws Exception on failure (the parent sees a non-137 exit)
     */
    public static void main(String[] args) throws Exception {
        Properties kafka = new Properties();
        kafka.put("bootstrap.servers", args[0]);
        kafka.put("max.poll.records", "500");
        String topic = args[1];
        Path dir = Path.of(args[2]);
        TableStoreEngine engine = new TableStoreEngine();
        FeaturePipeline p = FeaturePipeline.builder()
            .kafka(kafka)
            .clock(new ManualClock(PipelineFixtures.NOW))
            .register(MigrationTest.V1, engine, MigrationCrashBatteryTest.config(MigrationTest.V1, dir.resolve("v1")),
                Source.of(topic, new PaymentCodec()))
            .start();
        StoreConfig v2 = MigrationCrashBatteryTest.config(MigrationTest.V2, dir.resolve("v2"));
        Migration m = p.migrate(MigrationTest.V1, MigrationTest.V2, engine, v2)
            .from(MigrationStart.logStart())
            .throttle(Long.parseLong(args[3]), 0)
            .readyLag(0)
            .progressLogInterval(Duration.ZERO)
            .start();
        MigrationProgress first = m.progress();
        System.out.println("STARTED " + first.phase() + " " + first.done());
        System.out.flush();
        while (true) {
            MigrationProgress now = m.progress();
            System.out.println("PROGRESS " + now.phase() + " " + now.done() + " " + now.toDo());
            System.out.flush();
            if (m.failure() != null || p.failure() != null) {
                System.out.println("FAILED " + (m.failure() != null ? m.failure() : p.failure()));
                System.out.flush();
                System.exit(3);
            }
            Thread.sleep(100);
        }
    }
}
