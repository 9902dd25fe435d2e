package io.freshet.testkit;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/** A child JVM on this module's test class path (or part of it), its output in files. */
final class ChildJava {
    /** Jars of the broker side: Kafka's server modules and test kit, Scala, Testcontainers. */
    static final Pattern BROKER_JARS = Pattern.compile("kafka(?!-clients-[0-9.]+\\.jar$).*|scala-.*|testcontainers.*");

    private ChildJava() {
    }

    /** @return the test class path surefire gives this JVM, entry by entry */
    static List<String> testClassPath() {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return List.of(cp.split(Pattern.quote(File.pathSeparator)));
    }

    static Process start(Class<?> main, List<String> classPath, List<String> jvmArgs, List<String> args, Path outDir,
        String name) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx1g");
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(String.join(File.pathSeparator, classPath));
        cmd.add(main.getName());
        cmd.addAll(args);
        return new ProcessBuilder(cmd)
            .redirectOutput(outDir.resolve(name + ".out").toFile())
            .redirectError(outDir.resolve(name + ".err").toFile())
            .start();
    }

    /**
     * Runs {@link ExternalClientMain} against the registered cluster on {@code classPath} until it exits, and fails
     * with its output unless it exits 0.
     *
     * @return the child's stdout and stderr
     */
    static String runExternalClient(List<String> classPath, String bootstrapServers, Path outDir) throws Exception {
        Process p = start(ExternalClientMain.class, classPath,
            List.of("-D" + FreshetKafka.BOOTSTRAP_PROP_NAME + "=" + bootstrapServers), List.of(), outDir, "client");
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                throw new AssertionError("the client child ran past 120 s\n" + output(outDir, "client"));
            }
            String out = output(outDir, "client");
            if (p.exitValue() != 0) {
                throw new AssertionError("the client child exited " + p.exitValue() + "\n" + out);
            }
            return out;
        } finally {
            p.destroyForcibly();
        }
    }

    /** Waits for a file to appear while the process lives; fails with the child's output otherwise. */
    static void awaitFile(Process p, Path file, Path outDir, String name) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.exists(file)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new AssertionError(file + " never appeared; child exit=" + (p.isAlive() ? "alive" : p.exitValue())
                    + "\n" + output(outDir, name));
            }
            Thread.sleep(50);
        }
    }

    static String output(Path outDir, String name) throws IOException {
        return Files.readString(outDir.resolve(name + ".out")) + Files.readString(outDir.resolve(name + ".err"));
    }

    static List<String> without(List<String> classPath, Predicate<String> drop) {
        List<String> out = new ArrayList<>();
        for (String e : classPath) {
            if (!drop.test(e)) {
                out.add(e);
            }
        }
        return out;
    }
}
