package io.freshet.testkit.internal;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;

/**
 * The entry point of a child JVM that must not outlive the JVM that started it: it runs another class's
 * {@code main} (a Kafka broker, Kafka's {@code StorageTool}) and exits when its standard input ends. The parent holds
 * the other end of that pipe, so the pipe closes when the parent closes it or dies in any way (kill -9 included).
 *
 * <pre>
 * java -cp BROKER_CLASS_PATH:TESTKIT ...ParentWatchMain [--delete-when-orphaned DIR] MAIN_CLASS ARGS...
 * </pre>
 *
 * <p>The line {@value #STOP} on standard input asks for a stop that keeps {@code DIR} (a restart reuses it); the end
 * of the input without that line means the parent is gone: the child exits and, after the main class's own shutdown
 * hooks have finished, deletes {@code DIR}. Exiting runs the main class's shutdown hooks, so a broker shuts down
 * cleanly either way.
 *
 * <p>Uses only JDK classes: it runs on a class path holding another Kafka version than the test kit's.
 */
public final class ParentWatchMain {
    /** The line that asks for a stop keeping the data directory. */
    public static final String STOP = "stop";
    /** The option naming the directory deleted when the parent is gone. */
    public static final String DELETE_WHEN_ORPHANED = "--delete-when-orphaned";
    private static final long HOOK_JOIN_MS = 30_000;

    private static volatile boolean orphaned;

    private ParentWatchMain() {
    }

    /**
     * @param args {@code [--delete-when-orphaned DIR] MAIN_CLASS ARGS...}
     * @throws Exception when the main class cannot be found or its main fails
     */
    public static void main(String[] args) throws Exception {
        int i = 0;
        Path deleteWhenOrphaned = null;
        if (args.length > 1 && args[0].equals(DELETE_WHEN_ORPHANED)) {
            deleteWhenOrphaned = Path.of(args[1]);
            i = 2;
        }
        if (args.length <= i) {
            System.err.println("ParentWatchMain: usage: [" + DELETE_WHEN_ORPHANED + " DIR] MAIN_CLASS ARGS...");
            System.exit(2);
        }
        if (deleteWhenOrphaned != null) {
            Path dir = deleteWhenOrphaned;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteIfOrphaned(dir), "freshet-orphan-cleanup"));
        }
        Thread watch = new Thread(ParentWatchMain::watchStdin, "freshet-parent-watch");
        watch.setDaemon(true);
        watch.start();
        Method main = Class.forName(args[i]).getMethod("main", String[].class);
        try {
            main.invoke(null, (Object) Arrays.copyOfRange(args, i + 1, args.length));
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof Exception ? (Exception) e.getCause() : e;
        }
    }

    private static void watchStdin() {
        InputStream in = System.in;
        StringBuilder line = new StringBuilder();
        try {
            int b;
            while ((b = in.read()) >= 0) {
                if (b == '\n') {
                    if (line.toString().trim().equals(STOP)) {
                        System.err.println("ParentWatchMain: stop requested; exiting");
                        System.exit(0);
                    }
                    line.setLength(0);
                } else {
                    line.append((char) b);
                }
            }
        } catch (IOException e) {
            // A broken pipe means the same as its end: the parent is gone.
        }
        orphaned = true;
        System.err.println("ParentWatchMain: standard input ended (the parent JVM is gone); exiting");
        System.exit(0);
    }

    /** Waits for the other shutdown hooks (the broker's clean shutdown), then deletes the directory. */
    private static void deleteIfOrphaned(Path dir) {
        if (!orphaned) {
            return;
        }
        long deadline = System.currentTimeMillis() + HOOK_JOIN_MS;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t != Thread.currentThread() && t.getName().contains("shutdown-hook")) {
                try {
                    t.join(Math.max(1, deadline - System.currentTimeMillis()));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
        try {
            deleteTree(dir);
            System.err.println("ParentWatchMain: deleted " + dir);
        } catch (IOException e) {
            System.err.println("ParentWatchMain: cannot delete " + dir + ": " + e);
        }
    }

    /**
     * Deletes a directory tree; a missing directory is no error.
     *
     * @param dir the directory
     * @throws IOException when a file cannot be deleted
     */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                Files.deleteIfExists(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
