package io.freshet.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.StoreConfig;
import io.freshet.core.StoreOpenState;
import io.freshet.core.spi.InMemoryRowStore;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.RowStore;
import io.freshet.store.internal.table.TableStore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash battery of a table store that keeps growing: a store of capacity 500 takes a stream over 200,000 keys,
 * most of them new, and copies one row per apply ({@code freshet.table.migrateRowsPerApply=1}), so that it is
 * creating a next file or copying rows into it most of the time. Each child JVM is SIGKILLed at a random moment
 * (sometimes while it still recovers from the last kill); at the end every row is compared, byte for byte, with an
 * in-memory replay of exactly the records the stored offsets say were applied: 0 lost, 0 applied twice.
 */
class TableGrowthCrashBatteryTest {
    static final int PARTITIONS = 3;
    static final int KEYS = 200_000;
    static final int SHARDS = 2;
    static final long CAPACITY = 500;

    @TempDir
    Path dir;

    @Test
    void killedTenTimesWhileGrowingItLosesAndDoublesNothing() throws Exception {
        runBattery(Integer.getInteger("freshet.growth.crash.cycles", 10), 0x6A0E5L);
    }

    @Test
    @Tag("soak")
    void soakKilledAHundredTimesWhileGrowingItLosesAndDoublesNothing() throws Exception {
        runBattery(100, 0x6A0E6L);
    }

    /**
     * Tombstones of recently applied keys while the store grows: a delete of a key not yet copied finishes its
     * shard's copy first, so the copy never brings a deleted key back, killed or not.
     */
    @Test
    void killedWhileGrowingWithTombstonesItLosesDoublesAndResurrectsNothing() throws Exception {
        runBattery(Integer.getInteger("freshet.growth.crash.deleteCycles", 4), 0xDE16L, 6);
    }

    private void runBattery(int cycles, long seed) throws Exception {
        runBattery(cycles, seed, 0);
    }

    private void runBattery(int cycles, long seed, int tombstoneEvery) throws Exception {
        Path store = dir.resolve("store");
        CrashStream stream = new CrashStream(seed, PARTITIONS, KEYS, AbstractCrashBatteryTest.RECORDS_PER_PARTITION,
            tombstoneEvery);
        SplittableRandom random = new SplittableRandom(seed);
        int recoveredOpens = 0;
        int killedWithTwoGenerations = 0;
        int cycle = 0;
        for (; cycle < cycles; cycle++) {
            // Every third cycle (the first among them, when the store is surely still small) the child stops once a
            // growth has two generations on disk and is killed there: a kill mid-growth by design, not by chance.
            // The other cycles are killed at a random moment, sometimes while the child still recovers.
            boolean pauseInGrowth = cycle % 3 == 0;
            Process child = startChild(store, seed, tombstoneEvery, pauseInGrowth);
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8));
            if (pauseInGrowth) {
                String ready = out.readLine();
                assertThat(ready).as("child output in cycle " + cycle + "; stderr: " + stderr()).startsWith("READY");
                recoveredOpens += ready.endsWith(StoreOpenState.RECOVERED.name()) ? 1 : 0;
                String growing = out.readLine();
                assertThat(growing).as("growth report in cycle " + cycle + "; stderr: " + stderr())
                    .isIn("GROWING", "NO-GROWTH");
                if (cycle == 0) {
                    assertThat(growing).as("a store of capacity " + CAPACITY + " taking " + KEYS + " keys grows")
                        .isEqualTo("GROWING");
                }
                if (growing.equals("NO-GROWTH")) {
                    Thread.sleep(random.nextInt(100, 1200));
                }
            } else if (random.nextInt(5) == 0) {
                Thread.sleep(random.nextInt(50, 1500));
            } else {
                String line = out.readLine();
                assertThat(line).as("child output in cycle " + cycle + "; stderr: " + stderr()).startsWith("READY");
                recoveredOpens += line.endsWith(StoreOpenState.RECOVERED.name()) ? 1 : 0;
                Thread.sleep(random.nextInt(100, 1200));
            }
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(child.exitValue()).as("child must die by SIGKILL (137), not fail; stderr: " + stderr())
                .isIn(137, 0);
            killedWithTwoGenerations += CrashChild.dataFiles(store) >= 2 ? 1 : 0;
        }
        System.out.println("growth crash battery: " + cycle + " kills, " + killedWithTwoGenerations
            + " with two generations on disk, " + recoveredOpens + " recovered opens");
        assertThat(recoveredOpens).as("children found the store killed and recovered it").isPositive();
        assertThat(killedWithTwoGenerations).as("kills that landed while the store had two generations")
            .isPositive();

        StoreConfig config = config(store);
        StoreConfig referenceConfig = StoreConfig.builder(CrashStream.SET).shards(SHARDS).capacity(KEYS).build();
        try (TableStore recovered = (TableStore) new TableStoreEngine().open(config);
             RowStore reference = new InMemoryRowStore(referenceConfig)) {
            assertThat(recovered.openState()).isEqualTo(StoreOpenState.RECOVERED);
            stream.replayAppliedPrefix(recovered, reference);
            assertThat(reference.size()).as("some records were applied").isPositive();
            assertThat(recovered.size()).isEqualTo(reference.size());
            assertThat(recovered.growthCount()).as("growths recorded").isPositive();
            assertThat(recovered.capacity()).isGreaterThan(CAPACITY);
            int rowBytes = CrashStream.SET.rowSizeBytes();
            RowBuffer a = RowBuffer.allocateHeap(rowBytes);
            RowBuffer b = RowBuffer.allocateHeap(rowBytes);
            long compared = 0;
            for (long k = 0; k < KEYS; k++) {
                boolean inRef = reference.readRow(k, b);
                assertThat(recovered.readRow(k, a)).as("presence of key " + k).isEqualTo(inRef);
                if (inRef) {
                    assertThat(a.contentEquals(b, rowBytes)).as("row of key " + k + " after " + cycle + " kills")
                        .isTrue();
                    compared++;
                }
            }
            assertThat(compared).isEqualTo(reference.size());
            System.out.println("growth crash battery: " + compared + " rows equal to the reference, capacity "
                + CAPACITY + " -> " + recovered.capacity() + " in " + recovered.growthCount() + " growths");
        }
    }

    private static StoreConfig config(Path store) {
        return StoreConfig.builder(CrashStream.SET).directory(store).shards(SHARDS).capacity(CAPACITY).build();
    }

    private Process startChild(Path store, long seed, int tombstoneEvery, boolean pauseInGrowth) throws Exception {
        List<String> options = new ArrayList<>();
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-") || arg.startsWith("-Dfreshet.")) {
                options.add(arg);
            }
        }
        options.add("-Dfreshet.table.migrateRowsPerApply=1");
        options.add("-Xmx256m");
        options.add("-XX:+UseSerialGC");
        ProcessBuilder pb = new ProcessBuilder(ChildCommand.of(options, CrashChild.class,
            TableStoreEngine.class.getName(), store.toString(), Long.toString(seed), Integer.toString(PARTITIONS),
            Integer.toString(KEYS), Long.toString(AbstractCrashBatteryTest.RECORDS_PER_PARTITION),
            Integer.toString(SHARDS), Long.toString(CAPACITY), Integer.toString(tombstoneEvery),
            Boolean.toString(pauseInGrowth)));
        pb.redirectError(dir.resolve("child-stderr.txt").toFile());
        return pb.start();
    }

    private String stderr() {
        try {
            Path f = dir.resolve("child-stderr.txt");
            return Files.exists(f) ? Files.readString(f) : "";
        } catch (java.io.IOException e) {
            return "(stderr unreadable: " + e + ")";
        }
    }
}
