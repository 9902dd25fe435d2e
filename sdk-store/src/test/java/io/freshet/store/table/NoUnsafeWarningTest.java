package io.freshet.store.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * JDK 24+ prints a warning on the first {@code sun.misc.Unsafe} memory access. The default engine (the table store,
 * the kernels, the test driver) must print none: a child JVM on the running JDK, started without flags, runs that
 * path ({@link NoUnsafeWarningChild}) and its stderr is checked. The same child forced onto Unsafe must warn, which
 * shows the check can fail. Before JDK 24 there is no warning to look for, so the test is skipped there.
 */
class NoUnsafeWarningTest {
    private static final int JDK = Runtime.version().feature();

    @TempDir
    Path dir;

    @Test
    void theDefaultEnginePrintsNoUnsafeWarning() throws Exception {
        assumeTrue(JDK >= 24, "sun.misc.Unsafe memory access warns only on JDK 24+; this JVM is JDK " + JDK);
        Result r = runChild(dir.resolve("default"), List.of());
        assertThat(r.exit).as("exit; stdout=%s stderr=%s", r.stdout, r.stderr).isZero();
        assertThat(r.stdout).contains("memory=segment");
        assertThat(r.stderr).doesNotContain("sun.misc.Unsafe").doesNotContain("WARNING:");
    }

    @Test
    void theSameRunForcedOntoUnsafeWarns() throws Exception {
        assumeTrue(JDK >= 24, "sun.misc.Unsafe memory access warns only on JDK 24+; this JVM is JDK " + JDK);
        Result r = runChild(dir.resolve("unsafe"), List.of("-Dfreshet.memory=unsafe"));
        assertThat(r.exit).as("exit; stdout=%s stderr=%s", r.stdout, r.stderr).isZero();
        assertThat(r.stdout).contains("memory=unsafe");
        assertThat(r.stderr).contains("sun.misc.Unsafe");
    }

    private record Result(int exit, String stdout, String stderr) {
    }

    private static Result runChild(Path work, List<String> jvmArgs) throws IOException, InterruptedException {
        Files.createDirectories(work);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(NoUnsafeWarningChild.class.getName());
        cmd.add(work.toString());
        Path out = work.resolve("stdout.txt");
        Path err = work.resolve("stderr.txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the child JVM did not finish in 120 s: " + cmd);
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
            Files.readString(err, StandardCharsets.UTF_8));
    }
}
