package io.freshet.store.chronicle;

import io.freshet.store.ChildCommand;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Starts {@link ChronicleChild} in a fresh JVM, with or without this JVM's module flags and Chronicle switches. */
final class ChildJvm {
    final Process process;
    final BufferedReader out;
    final Path stderr;

    private ChildJvm(Process process, Path stderr) {
        this.process = process;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.stderr = stderr;
    }

    /** This JVM's {@code --add-*} flags (surefire's argLine), which every Chronicle child needs. */
    static List<String> moduleFlags() {
        List<String> flags = new ArrayList<>();
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-")) {
                flags.add(arg);
            }
        }
        return flags;
    }

    /** This JVM's module flags plus its {@code -Dchronicle.*} switches. */
    static List<String> allFlags() {
        List<String> flags = moduleFlags();
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("-Dchronicle.")) {
                flags.add(arg);
            }
        }
        return flags;
    }

    static ChildJvm start(List<String> jvmOptions, Map<String, String> env, Path stderr, String... args)
        throws IOException {
        List<String> options = new ArrayList<>(jvmOptions);
        options.add("-Xmx256m");
        options.add("-XX:+UseSerialGC");
        ProcessBuilder pb = new ProcessBuilder(ChildCommand.of(options, ChronicleChild.class, args));
        pb.environment().putAll(env);
        pb.redirectError(stderr.toFile());
        return new ChildJvm(pb.start(), stderr);
    }

    /** @return the next stdout line, or null at the end */
    String readLine() throws IOException {
        return out.readLine();
    }

    String stderrText() {
        try {
            return Files.exists(stderr) ? Files.readString(stderr) : "";
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /** SIGKILLs the child and waits for it. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** @return the exit code, waiting at most 60 s */
    int waitForExit() throws InterruptedException {
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("child did not exit in 60 s; stderr: " + stderrText());
        }
        return process.exitValue();
    }
}
