package io.freshet.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process killed (SIGKILL) while two threads append: every entry the scan returns is exactly what was served, each
 * lane's entries are contiguous (none lost before the last committed one), and a torn tail is skipped, not misread.
 */
class FeatureLogCrashTest {
    @TempDir
    Path tmp;

    @Test
    void aKilledWriterLeavesEveryCommittedEntryExactAndNothingMisread() throws Exception {
        Path dir = tmp.resolve("log");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-") || arg.startsWith("-Dfreshet.")) {
                cmd.add(arg);
            }
        }
        cmd.add("-Xmx128m");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(FeatureLogCrashChild.class.getName());
        cmd.add(dir.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        Process child = pb.start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
            StandardCharsets.UTF_8))) {
            String line = out.readLine();
            assertThat(line).as("child's first line").isEqualTo("READY");
            Thread.sleep(150); // it keeps appending, rotating and deleting segments while it dies
            child.destroyForcibly();
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        } finally {
            child.destroyForcibly();
        }

        FeatureSet<Ev> set = FeatureLogFixture.longKeySet();
        FeatureTestDriver<Ev> driver = FeatureLogFixture.fed(set, FeatureLogCrashChild.SEED);
        Map<Long, String> expected = new HashMap<>();
        for (long key = 0; key < FeatureLogFixture.KEYS + 5; key++) {
            expected.put(key, driver.read(key).toString() + " " + driver.read(key).status());
        }
        List<TreeSet<Long>> idsByLane = List.of(new TreeSet<>(), new TreeSet<>());
        long[] wrong = new long[1];
        LogScan scan = FeatureLog.scan(dir, set, (id, key, text, v) -> {
            if (key != FeatureLogCrashChild.key(id)
                || !expected.get(key).equals(v.toString() + " " + v.status())) {
                wrong[0]++;
            }
            idsByLane.get((int) (id % FeatureLogCrashChild.THREADS)).add(id);
        });
        assertThat(wrong[0]).as("entries that differ from what was served").isZero();
        assertThat(scan.corruptSkipped()).isZero();
        assertThat(scan.tornSkipped()).isLessThanOrEqualTo(FeatureLogCrashChild.THREADS);
        for (TreeSet<Long> ids : idsByLane) {
            assertThat(ids.size()).isGreaterThan(1_000);
            // Retention may have deleted the oldest segments; from the first kept one on, none is missing.
            long span = (ids.last() - ids.first()) / FeatureLogCrashChild.THREADS + 1;
            assertThat((long) ids.size()).as("contiguous ids of a lane").isEqualTo(span);
        }
        System.out.println("killed writer: " + scan + ", entries per lane=" + idsByLane.get(0).size() + "/"
            + idsByLane.get(1).size());
    }
}
