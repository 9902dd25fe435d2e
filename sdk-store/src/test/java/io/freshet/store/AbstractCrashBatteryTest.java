package io.freshet.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.StoreConfig;
import io.freshet.core.StoreOpenState;
import io.freshet.core.spi.InMemoryRowStore;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.StoreEngine;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash battery every persistent engine runs: a child JVM applies a seeded stream through the engine and is
 * SIGKILLed at a random moment (sometimes while it is still recovering from the previous kill); the next child
 * recovers and resumes from the stored offsets. At the end this JVM recovers the store and compares every row,
 * byte for byte, with an in-memory replay of exactly the records the stored offsets say were applied:
 * 0 lost, 0 applied twice, for any keying of the stream.
 */
public abstract class AbstractCrashBatteryTest {
    static final int PARTITIONS = 3;
    static final int KEYS = 3_000;
    static final int SHARDS = 2;
    static final long CAPACITY = 10_000;
    /**
     * Records per partition of the battery's stream: far more than any battery applies, so that every child is
     * killed mid-stream (a stream that ran out would let the last children close cleanly, and the battery would
     * test nothing after that).
     */
    static final long RECORDS_PER_PARTITION = 1L << 40;

    @TempDir
    Path dir;

    /** @return the engine class (public no-arg constructor) */
    protected abstract Class<? extends StoreEngine> engineClass();

    /** @return extra JVM options the engine's child needs beyond the parent's own flags */
    protected List<String> childJvmOptions() {
        return List.of();
    }

    @Test
    void killedAtRandomMomentsItLosesAndDoublesNothing() throws Exception {
        runBattery(Integer.getInteger("freshet.crash.cycles", 25), 0xC0FFEEL);
    }

    @Test
    @Tag("soak")
    void soakKilledTwoHundredFiftyTimesItLosesAndDoublesNothing() throws Exception {
        runBattery(250, 0x5EED5L);
    }

    private void runBattery(int cycles, long seed) throws Exception {
        runBattery(cycles, seed, 0);
    }

    /**
     * @param cycles kills
     * @param seed the stream's and the kill moments' seed
     * @param tombstoneEvery about one record in this many deletes a recently applied key (0: none)
     */
    protected void runBattery(int cycles, long seed, int tombstoneEvery) throws Exception {
        Path store = dir.resolve("store");
        CrashStream stream = new CrashStream(seed, PARTITIONS, KEYS, RECORDS_PER_PARTITION, tombstoneEvery);
        SplittableRandom random = new SplittableRandom(seed);
        int killedDuringRecovery = 0;
        int recoveredOpens = 0;
        for (int cycle = 0; cycle < cycles; cycle++) {
            Process child = startChild(store, seed, tombstoneEvery);
            // Never the first child: a kill while it creates the store leaves one that Freshet refuses by design (a
            // store whose creation was interrupted is not re-created silently).
            boolean early = random.nextInt(5) == 0 && cycle > 0;
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8));
            if (early) {
                Thread.sleep(random.nextInt(50, 1500));
                killedDuringRecovery++;
            } else {
                String line = out.readLine();
                assertThat(line).as("child output in cycle " + cycle + "; stderr: " + drain(child)).startsWith("READY");
                if (line.endsWith(StoreOpenState.RECOVERED.name())) {
                    recoveredOpens++;
                }
                Thread.sleep(random.nextInt(20, 700));
            }
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            int exit = child.exitValue();
            assertThat(exit).as("child must die by SIGKILL (137), not fail; stderr: " + drain(child))
                .isIn(137, 0);
        }
        assertThat(recoveredOpens).as("children found the store killed and recovered it").isPositive();

        StoreEngine engine = engineClass().getDeclaredConstructor().newInstance();
        StoreConfig config = config(store);
        try (RowStore recovered = engine.open(config);
             RowStore reference = new InMemoryRowStore(config)) {
            assertThat(recovered.openState()).isEqualTo(StoreOpenState.RECOVERED);
            stream.replayAppliedPrefix(recovered, reference);
            assertThat(reference.size()).as("some records were applied").isPositive();
            assertThat(recovered.size()).isEqualTo(reference.size());
            int rowBytes = CrashStream.SET.rowSizeBytes();
            RowBuffer a = RowBuffer.allocateHeap(rowBytes);
            RowBuffer b = RowBuffer.allocateHeap(rowBytes);
            int compared = 0;
            for (long k = 0; k < KEYS; k++) {
                boolean inRef = reference.readRow(k, b);
                assertThat(recovered.readRow(k, a)).as("presence of key " + k).isEqualTo(inRef);
                if (inRef) {
                    assertThat(a.contentEquals(b, rowBytes)).as("row of key " + k + " after " + cycles
                        + " kills (" + killedDuringRecovery + " during recovery)").isTrue();
                    compared++;
                }
            }
            assertThat(compared).isPositive();
        }
    }

    private StoreConfig config(Path store) {
        return StoreConfig.builder(CrashStream.SET).directory(store).shards(SHARDS).capacity(CAPACITY)
            .build();
    }

    private Process startChild(Path store, long seed, int tombstoneEvery) throws Exception {
        List<String> options = new ArrayList<>();
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-") || arg.startsWith("-Dchronicle.") || arg.startsWith("-Dfreshet.")) {
                options.add(arg);
            }
        }
        options.addAll(childJvmOptions());
        options.add("-Xmx256m");
        options.add("-XX:+UseSerialGC");
        ProcessBuilder pb = new ProcessBuilder(ChildCommand.of(options, CrashChild.class, engineClass().getName(),
            store.toString(), Long.toString(seed), Integer.toString(PARTITIONS), Integer.toString(KEYS),
            Long.toString(RECORDS_PER_PARTITION), Integer.toString(SHARDS), Long.toString(CAPACITY),
            Integer.toString(tombstoneEvery)));
        pb.redirectError(dir.resolve("child-stderr.txt").toFile());
        return pb.start();
    }

    private String drain(Process child) {
        try {
            File f = dir.resolve("child-stderr.txt").toFile();
            return f.exists() ? new String(java.nio.file.Files.readAllBytes(f.toPath()), StandardCharsets.UTF_8) : "";
        } catch (java.io.IOException e) {
            return "(stderr unreadable: " + e + ")";
        }
    }
}
