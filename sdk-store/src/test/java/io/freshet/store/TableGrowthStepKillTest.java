package io.freshet.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.StoreConfig;
import io.freshet.core.StoreOpenState;
import io.freshet.core.spi.InMemoryRowStore;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.RowStore;
import io.freshet.store.internal.table.GrowthSteps;
import io.freshet.store.internal.table.TableStore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A kill at each named step of a table store's growth, deterministically: each child JVM applies the crash stream
 * to a store of capacity 500 (so that it keeps growing) until its growth reaches the step the test names, stops the
 * thread there, and is SIGKILLed; then this JVM reopens the store, which must equal, row for row, an in-memory replay
 * of exactly the records its offsets say were applied (0 lost, 0 doubled, no file of a half-made or retired generation
 * left behind), and closes it for the next child. Every step twice, in order, so that both rounds land in different
 * growths of the same store.
 */
class TableGrowthStepKillTest {
    static final int PARTITIONS = 3;
    static final int KEYS = 200_000;
    static final int SHARDS = 2;
    static final long CAPACITY = 500;
    static final int ROUNDS = 2;

    @TempDir
    Path dir;

    @Test
    void killedAtEveryStepOfAGrowthItReopensEqualToTheReference() throws Exception {
        Path store = dir.resolve("store");
        long seed = 0x57E95L;
        CrashStream stream = new CrashStream(seed, PARTITIONS, KEYS, AbstractCrashBatteryTest.RECORDS_PER_PARTITION,
            0);
        SplittableRandom random = new SplittableRandom(seed);
        List<String> steps = GrowthSteps.names();
        assertThat(steps).containsExactly("NEXT_FILE_WRITING", "NEXT_FILE_WRITTEN", "COPYING", "COPIED",
            "META_UPDATED");
        long lastReferenceRows = 0;
        for (int round = 0; round < ROUNDS; round++) {
            for (String step : steps) {
                String at = "step " + step + " of round " + round;
                Process child = startChild(store, seed, step);
                BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8));
                assertThat(out.readLine()).as("child start at " + at + "; stderr: " + stderr()).startsWith("READY");
                String line = out.readLine();
                assertThat(line).as("the child reached " + at + "; stderr: " + stderr()).startsWith("STEP " + step);
                List<String> files = Arrays.asList(line.split(" ")).subList(2, line.split(" ").length);
                assertFilesAtStep(step, files);
                // Let the threads the step did not stop run on a little (appliers, the copy of another shard).
                Thread.sleep(random.nextInt(0, 50));
                child.destroyForcibly();
                assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(child.exitValue()).as("child must die by SIGKILL (137); stderr: " + stderr())
                    .isEqualTo(137);
                lastReferenceRows = reopenAndCompare(store, stream, at, lastReferenceRows);
            }
        }
    }

    /** What the files of the store must be at each step (the child lists them as it stops there). */
    private static void assertFilesAtStep(String step, List<String> files) {
        List<String> data = files.stream().filter(f -> f.matches("table(-\\d+)?\\.fst")).toList();
        List<String> temporary = files.stream().filter(f -> f.matches("table(-\\d+)?\\.fst\\.tmp")).toList();
        switch (step) {
            case "NEXT_FILE_WRITING" -> {
                assertThat(temporary).as("the next file is being written: " + files).hasSize(1);
                assertThat(data).as(files.toString()).isNotEmpty();
            }
            default -> {
                // The file of the growth after this one may be being written already (it is asked for while rows
                // are still copied), so only the two generations of this step's growth are certain.
                assertThat(data).as("two generations on disk at " + step + ": " + files).hasSizeGreaterThanOrEqualTo(2);
            }
        }
    }

    /**
     * Reopens the killed store here, compares every key with the reference replay of its applied offsets, checks
     * that only the files of the generations it names are left, and closes it cleanly.
     *
     * @return the reference's rows (they must never go down: each child resumes where the last one stopped)
     */
    private long reopenAndCompare(Path store, CrashStream stream, String at, long lastReferenceRows)
        throws Exception {
        StoreConfig referenceConfig = StoreConfig.builder(CrashStream.SET).shards(SHARDS).capacity(KEYS).build();
        try (TableStore recovered = (TableStore) new TableStoreEngine().open(config(store));
             RowStore reference = new InMemoryRowStore(referenceConfig)) {
            assertThat(recovered.openState()).as("open after the kill at " + at).isEqualTo(StoreOpenState.RECOVERED);
            stream.replayAppliedPrefix(recovered, reference);
            assertThat(reference.size()).as("records applied by " + at).isGreaterThanOrEqualTo(lastReferenceRows);
            assertThat(recovered.size()).as("rows after the kill at " + at).isEqualTo(reference.size());
            int rowBytes = CrashStream.SET.rowSizeBytes();
            RowBuffer a = RowBuffer.allocateHeap(rowBytes);
            RowBuffer b = RowBuffer.allocateHeap(rowBytes);
            for (long k = 0; k < KEYS; k++) {
                boolean inRef = reference.readRow(k, b);
                assertThat(recovered.readRow(k, a)).as("presence of key " + k + " after the kill at " + at)
                    .isEqualTo(inRef);
                if (inRef && !a.contentEquals(b, rowBytes)) {
                    throw new AssertionError("row of key " + k + " differs from the reference after the kill at " + at);
                }
            }
            assertThat(CrashChild.dataFiles(store)).as("data files left after the reopen at " + at)
                .isEqualTo(recovered.growing() ? 2 : 1);
            System.out.println("killed at " + at + ": " + reference.size() + " rows equal to the reference, capacity "
                + recovered.capacity() + ", growing " + recovered.growing() + ", growths " + recovered.growthCount());
            return reference.size();
        }
    }

    private static StoreConfig config(Path store) {
        return StoreConfig.builder(CrashStream.SET).directory(store).shards(SHARDS).capacity(CAPACITY).build();
    }

    private Process startChild(Path store, long seed, String step) throws Exception {
        List<String> options = new ArrayList<>();
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-") || arg.startsWith("-Dfreshet.")) {
                options.add(arg);
            }
        }
        // One row per apply: a shard's copy spans many applies, so COPYING is a state the child stays in a while.
        options.add("-Dfreshet.table.migrateRowsPerApply=1");
        options.add("-Xmx256m");
        options.add("-XX:+UseSerialGC");
        ProcessBuilder pb = new ProcessBuilder(ChildCommand.of(options, CrashChild.class,
            TableStoreEngine.class.getName(), store.toString(), Long.toString(seed), Integer.toString(PARTITIONS),
            Integer.toString(KEYS), Long.toString(AbstractCrashBatteryTest.RECORDS_PER_PARTITION),
            Integer.toString(SHARDS), Long.toString(CAPACITY), "0", "false", step));
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
