package io.freshet.store.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshet.core.StoreConfig;
import io.freshet.core.StoreException;
import io.freshet.core.StoreGrowth;
import io.freshet.core.StoreOpenState;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.ShardWriter;
import io.freshet.store.ChildCommand;
import io.freshet.store.RowStoreContractTest;
import io.freshet.store.TableStoreEngine;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process killed (SIGKILL) while it takes a snapshot of its live store: the live store recovers with every record
 * up to its offsets applied exactly once, and the partial snapshot is refused by every open with a clear error
 * (or, when the kill came after the snapshot completed, opens with exactly the records up to its own offsets).
 */
class SnapshotKillTest {
    static final int KEYS = 60_000;
    static final int PARTITION = 0;

    @TempDir
    Path dir;

    static StoreConfig config(Path store) {
        return StoreConfig.builder(RowStoreContractTest.SET).directory(store).capacity(100_000).shards(4)
            .growth(StoreGrowth.disabled()).build();
    }

    /** Record {@code i} (offset i of partition 0) goes to this key. */
    static long keyOf(long i) {
        return (i * 0x9E3779B97F4A7C15L >>> 20) % KEYS;
    }

    @Test
    void aKillDuringASnapshotLeavesTheLiveStoreIntactAndThePartialSnapshotRefused() throws Exception {
        runCycles(Integer.getInteger("freshet.snapshot.killCycles", 3), 5);
    }

    @Test
    @Tag("soak")
    void soakKilledThirtyTimesDuringSnapshots() throws Exception {
        runCycles(30, 77);
    }

    private void runCycles(int cycles, long seed) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        int refused = 0;
        int complete = 0;
        for (int c = 0; c < cycles; c++) {
            Path live = dir.resolve("live" + c);
            Path snap = dir.resolve("snap" + c);
            Process child = new ProcessBuilder(ChildCommand.of(List.of("-Xmx256m",
                "-Dfreshet.table.snapshotRowsPerApply=1"), Child.class, live.toString(), snap.toString()))
                .redirectErrorStream(true).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8));
            String line;
            while ((line = out.readLine()) != null && !line.equals("SNAPSHOTTING")) {
                assertThat(line).as("child output before its snapshot").doesNotContain("Exception");
            }
            assertThat(line).as("child reached its snapshot").isEqualTo("SNAPSHOTTING");
            Thread.sleep(random.nextInt(150));
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            checkLive(live);
            if (!Files.exists(snap) || isEmpty(snap)) {
                continue;
            }
            if (opensClean(snap)) {
                complete++;
            } else {
                assertThatThrownBy(() -> new TableStoreEngine().open(config(snap)).close())
                    .isInstanceOf(StoreException.class)
                    .satisfies(e -> assertThat(((StoreException) e).reason())
                        .isEqualTo(StoreException.Reason.INCOMPLETE))
                    .hasMessageContaining("delete the directory and take the snapshot again");
                refused++;
            }
        }
        System.out.println("snapshot kill cycles=" + cycles + " refused=" + refused + " complete=" + complete);
    }

    private static boolean isEmpty(Path d) throws Exception {
        try (Stream<Path> s = Files.list(d)) {
            return s.findAny().isEmpty();
        }
    }

    /** A completed snapshot (the kill came late) opens and holds exactly the records up to its offsets. */
    private static boolean opensClean(Path snap) {
        RowStore s;
        try {
            s = new TableStoreEngine().open(config(snap));
        } catch (StoreException e) {
            if (e.reason() == StoreException.Reason.INCOMPLETE) {
                return false;
            }
            throw e;
        }
        try (s) {
            checkExactlyOnce(s);
        }
        return true;
    }

    private static void checkLive(Path live) {
        try (RowStore s = new TableStoreEngine().open(config(live))) {
            assertThat(s.openState()).isEqualTo(StoreOpenState.RECOVERED);
            checkExactlyOnce(s);
        }
    }

    /** Every key's count equals the records up to its shard's applied offset that hit it. */
    private static void checkExactlyOnce(RowStore s) {
        int t = s.topicIndex("t");
        long[] counts = new long[KEYS];
        long[] upTo = new long[s.shardCount()];
        long max = -1;
        for (int sh = 0; sh < s.shardCount(); sh++) {
            upTo[sh] = s.appliedOffset(sh, t, PARTITION);
            max = Math.max(max, upTo[sh]);
        }
        for (long i = 0; i <= max; i++) {
            long k = keyOf(i);
            if (i <= upTo[s.shardOf(k)]) {
                counts[(int) k]++;
            }
        }
        RowBuffer row = RowBuffer.allocateHeap(RowStoreContractTest.SET.rowSizeBytes());
        for (int k = 0; k < KEYS; k++) {
            if (counts[k] == 0) {
                assertThat(s.readRow(k, row)).as("key " + k + " absent").isFalse();
            } else {
                assertThat(s.readRow(k, row)).as("key " + k + " present").isTrue();
                assertThat(row.getLong(24)).as("count of key " + k).isEqualTo(counts[k]);
            }
        }
    }

    /** The killed process: applies records for ever, and takes a snapshot once the store is full of keys. */
    static final class Child {
        public static void main(String[] args) throws Exception {
            RowStore s = new TableStoreEngine().open(config(Path.of(args[0])));
            int t = s.topicIndex("t");
            Thread writer = new Thread(() -> {
                for (long i = 0;; i++) {
                    long k = keyOf(i);
                    ShardWriter w = s.writer(s.shardOf(k));
                    if (w.begin(k, t, PARTITION, i) != ShardWriter.BEGIN_OK) {
                        throw new IllegalStateException("begin refused at record " + i);
                    }
                    RowBuffer r = w.row();
                    r.putLong(24, r.getLong(24) + 1);
                    w.commit();
                }
            }, "writer");
            writer.setDaemon(true);
            writer.start();
            while (s.size() < KEYS * 9L / 10) {
                Thread.sleep(5);
            }
            System.out.println("SNAPSHOTTING");
            System.out.flush();
            s.snapshotTo(Path.of(args[1]));
            System.out.println("DONE");
            System.out.flush();
            Thread.sleep(60_000);
        }
    }
}
