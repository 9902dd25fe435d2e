package io.freshet.benchmarks.harness;

import io.freshet.benchmarks.harness.FreshetHooks.MutablePayment;
import io.freshet.core.FeatureSet;
import io.freshet.kafka.FeaturePipeline;
import io.freshet.kafka.Migration;
import io.freshet.kafka.MigrationProgress;
import io.freshet.kafka.MigrationStart;
import io.freshet.kafka.Source;
import io.freshet.store.TableStoreEngine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * The JVM that {@link BackfillHarness}'s kill run kills: a live pipeline of the harness's live definition on
 * {@code <dir>/live}, caught up, and an unthrottled migration to the new definition on {@code <dir>/shadow} from the
 * log start (or resumed from the shadow store's own offsets when the directories hold an earlier run's). Prints
 * {@code @started done toDo} once the migration runs, then {@code @progress done toDo phase} every 100 ms.
 *
 * <p>Arguments: bootstrap, topic, keys, directory. Run by the harness, not by hand (its standard input must stay
 * open).
 */
public final class BackfillChild {
    private BackfillChild() {
    }

    /**
     * @param args bootstrap topic keys dir
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        Harness.quietLogging();
        FeaturePipeline[] pipeline = new FeaturePipeline[1];
        ChildJvm.watchParent(command -> { }, () -> {
            FeaturePipeline p = pipeline[0];
            if (p != null) {
                p.close();
            }
        });
        String bootstrap = args[0];
        String topic = args[1];
        int keys = Integer.parseInt(args[2]);
        Path dir = Path.of(args[3]);
        FeatureSet<MutablePayment> v1 = BackfillHarness.liveSet(null);
        FeatureSet<MutablePayment> v2 = BackfillHarness.newSet();
        FeaturePipeline live = FeaturePipeline.builder().kafka(BackfillHarness.consumerProps(bootstrap))
            .instanceId("kill-live")
            .register(v1, new TableStoreEngine(), BackfillHarness.storeConfig(v1, dir.resolve("live"), keys),
                Source.of(topic, FreshetHooks.decoder()))
            .consumerThreads(1).applierThreads(1).start();
        pipeline[0] = live;
        if (!live.awaitCaughtUp(Duration.ofMinutes(20))) {
            throw new IllegalStateException("the live pipeline did not catch up in 20 min");
        }
        Migration m = live.migrate(v1, v2, new TableStoreEngine(),
            BackfillHarness.storeConfig(v2, dir.resolve("shadow"), keys))
            .from(MigrationStart.logStart()).throttle(0, 0).progressLogInterval(Duration.ZERO).start();
        MigrationProgress first = m.progress();
        ChildJvm.reply("started", first.done() + " " + first.toDo());
        try {
            while (live.failure() == null && m.failure() == null) {
                MigrationProgress p = m.progress();
                ChildJvm.reply("progress", p.done() + " " + p.toDo() + " " + p.phase());
                Thread.sleep(100);
            }
            System.err.println("backfill child: failed: " + live.failure() + " / " + m.failure());
        } catch (RuntimeException e) {
            // The parent's stop closes the pipeline under this loop.
            System.err.println("backfill child: progress ends: " + e.getMessage());
        }
        new CountDownLatch(1).await();
    }
}
