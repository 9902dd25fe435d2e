package io.freshet.benchmarks.harness;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A helper JVM of a harness (the broker, the producer) with its own heap and garbage collector, as on another host,
 * started from this JVM's class path. The two talk over the child's standard streams, one line at a time: the child
 * prints {@code @tag value} lines (everything else it prints is passed through, prefixed with its name), the parent
 * writes commands to the child's standard input.
 *
 * <p>A child never outlives its parent: {@link #watchParent} (the first thing a child main calls) ends the child when
 * its standard input closes, which the kernel does when the parent dies for any reason, {@code kill -9} included;
 * a shutdown hook here also kills it when the parent exits normally or on a signal.
 *
 * <p>Threading: the parent-side methods are for one thread; a daemon thread per child reads its output. Not a hot
 * path: allocates freely.
 */
final class ChildJvm implements AutoCloseable {
    /** Command that asks a child to finish and exit. */
    static final String STOP = "stop";
    /** System property: CPUs the children may run on ({@code taskset -c} list), unset for any. */
    static final String CPUS_PROP_NAME = "freshet.childCpus";
    private static final String END = "\u0000end";

    private final String name;
    private final Process process;
    private final Writer stdin;
    private final LinkedBlockingQueue<String> tagged = new LinkedBlockingQueue<>();
    private final Thread hook;

    private ChildJvm(String name, Process process) {
        this.name = name;
        this.process = process;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        this.hook = new Thread(process::destroyForcibly, name + "-kill");
        Runtime.getRuntime().addShutdownHook(hook);
        Thread reader = new Thread(this::readOutput, name + "-out");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * @param name short name for thread names and the prefix of the child's output
     * @param jvmArgs options of the child JVM (heap, GC), before the class path
     * @param main the child's main class (must call {@link #watchParent} first)
     * @param args the main's arguments
     * @return the running child
     */
    static ChildJvm start(String name, List<String> jvmArgs, Class<?> main, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>();
        String cpus = System.getProperty(CPUS_PROP_NAME, "").trim();
        if (!cpus.isEmpty()) {
            cmd.add("taskset");
            cmd.add("-c");
            cmd.add(cpus);
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        String level = System.getProperty("org.slf4j.simpleLogger.defaultLogLevel");
        if (level != null) {
            cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=" + level);
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        System.out.println("[" + name + "] starting: " + String.join(" ", jvmArgs) + " " + main.getSimpleName() + " "
            + String.join(" ", args));
        return new ChildJvm(name, pb.start());
    }

    private void readOutput() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
            StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("@")) {
                    tagged.add(line.substring(1));
                } else {
                    System.out.println("[" + name + "] " + line);
                }
            }
        } catch (IOException e) {
            System.err.println("[" + name + "] output closed: " + e);
        } finally {
            tagged.add(END);
        }
    }

    /**
     * Waits for the child's next {@code @tag value} line, which must carry {@code tag}.
     *
     * @return the value
     */
    String await(String tag, long timeoutMs) throws InterruptedException {
        String line = tagged.poll(timeoutMs, TimeUnit.MILLISECONDS);
        if (line == null) {
            throw new IllegalStateException("child=" + name + " sent no @" + tag + " within " + timeoutMs + " ms");
        }
        if (line.equals(END)) {
            tagged.add(END);
            throw new IllegalStateException("child=" + name + " exited before sending @" + tag + " (see its stderr)");
        }
        if (!line.startsWith(tag + " ")) {
            throw new IllegalStateException("child=" + name + " sent @" + line + " where @" + tag + " was expected");
        }
        return line.substring(tag.length() + 1);
    }

    /** Writes one command line to the child. */
    void send(String command) throws IOException {
        stdin.write(command);
        stdin.write('\n');
        stdin.flush();
    }

    /** @return the child's process id */
    long pid() {
        return process.pid();
    }

    /** Closes the child's standard input without a {@link #STOP}, as the death of this JVM would. */
    void closeInput() throws IOException {
        stdin.close();
    }

    /** @return true once the child has exited within {@code timeoutMs} */
    boolean awaitExit(long timeoutMs) throws InterruptedException {
        return process.waitFor(timeoutMs, TimeUnit.MILLISECONDS);
    }

    /** Asks the child to stop, waits up to 30 s, then kills it. */
    @Override
    public void close() {
        try {
            send(STOP);
            stdin.close();
        } catch (IOException e) {
            // Already gone.
        }
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                System.err.println("[" + name + "] did not stop within 30 s: killing it");
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // The JVM is shutting down: the hook runs anyway.
            }
        }
    }

    /** A child's command handler, called on the watcher thread for each line other than {@link #STOP}. */
    interface Commands {
        void handle(String command) throws Exception;
    }

    /**
     * Child side: ends this JVM when the parent says {@link #STOP} or its standard input closes (the parent died),
     * after running {@code onStop} for at most 20 s. Call first in a child's main, so that a parent killed during the
     * child's start-up is noticed as soon as the child can notice anything.
     *
     * @param commands handler of other commands
     * @param onStop clean shutdown (e.g. close the broker)
     */
    static void watchParent(Commands commands, Runnable onStop) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null && !line.equals(STOP)) {
                    commands.handle(line.trim());
                }
            } catch (Exception e) {
                System.err.println("child: parent channel failed, stopping: " + e);
            }
            Thread guard = new Thread(() -> {
                try {
                    Thread.sleep(20_000);
                } catch (InterruptedException e) {
                    return;
                }
                Runtime.getRuntime().halt(3);
            }, "stop-guard");
            guard.setDaemon(true);
            guard.start();
            try {
                onStop.run();
            } finally {
                Runtime.getRuntime().halt(0);
            }
        }, "parent-watch");
        t.setDaemon(true);
        t.start();
    }

    /** Child side: prints one {@code @tag value} line for the parent. */
    static synchronized void reply(String tag, Object value) {
        System.out.println("@" + tag + " " + value);
        System.out.flush();
    }
}
