package io.freshet.testkit;

import io.freshet.testkit.internal.EmbeddedCluster;
import io.freshet.testkit.internal.KafkaVersions;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CountDownLatch;

/**
 * The embedded broker as a process of its own, for scripts: for instance to run the tests of a project that pins
 * another kafka-clients version against it with {@code -Dfreshet.bootstrap}.
 *
 * <pre>
 * java -cp "$(testkit class path)" io.freshet.testkit.KafkaBrokerMain --bootstrap-file target/bootstrap.txt
 * </pre>
 *
 * <p>Starts one KRaft node, writes {@code host:port} to the bootstrap file once it serves (atomically: a reader sees
 * the whole address or no file), and runs until it is killed (SIGTERM, Ctrl-C) or its standard input closes; then it
 * stops the broker, deletes its data directory and the bootstrap file. A script that starts it in the background
 * with {@code &} gives it {@code /dev/null} as standard input: pass {@code --ignore-stdin} there.
 *
 * <p>Exit codes: 0 after a stop, 1 when the broker cannot start, 2 on bad arguments.
 */
public final class KafkaBrokerMain {
    /** The usage line printed on bad arguments. */
    public static final String USAGE = "usage: java -cp <freshet-testkit class path> io.freshet.testkit.KafkaBrokerMain"
        + " --bootstrap-file FILE [--ignore-stdin]";

    private KafkaBrokerMain() {
    }

    /**
     * @param args {@code --bootstrap-file FILE [--ignore-stdin]}
     */
    public static void main(String[] args) {
        Path bootstrapFile = null;
        boolean watchStdin = true;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--bootstrap-file") && i + 1 < args.length) {
                bootstrapFile = Path.of(args[++i]);
            } else if (args[i].equals("--ignore-stdin")) {
                watchStdin = false;
            } else {
                fail(2, "unknown or incomplete option '" + args[i] + "'; " + USAGE);
            }
        }
        if (bootstrapFile == null) {
            fail(2, "--bootstrap-file is missing; " + USAGE);
        }
        System.exit(run(bootstrapFile, watchStdin, System.in, System.out));
    }

    private static void fail(int code, String message) {
        System.err.println("KafkaBrokerMain: " + message);
        System.exit(code);
    }

    private static int run(Path bootstrapFile, boolean watchStdin, InputStream stdin, PrintStream out) {
        try {
            Files.deleteIfExists(bootstrapFile);
            KafkaVersions.requireEmbeddable(KafkaVersions.clientsFound(), KafkaVersions.builtWith());
        } catch (IOException | RuntimeException e) {
            System.err.println("KafkaBrokerMain: " + e.getMessage());
            return 1;
        }
        EmbeddedCluster cluster;
        try {
            cluster = EmbeddedCluster.start();
        } catch (RuntimeException e) {
            System.err.println("KafkaBrokerMain: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> stop(cluster, bootstrapFile, stopped), "freshet-broker-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            Path tmp = bootstrapFile.resolveSibling(bootstrapFile.getFileName() + ".tmp");
            Files.writeString(tmp, cluster.bootstrapServers() + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, bootstrapFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            System.err.println("KafkaBrokerMain: cannot write --bootstrap-file " + bootstrapFile + ": " + e);
            return 1;
        }
        out.println("KafkaBrokerMain: Kafka " + KafkaVersions.builtWith() + " ready bootstrap="
            + cluster.bootstrapServers() + " dataDir=" + cluster.dataDirectory() + " bootstrapFile=" + bootstrapFile
            + (watchStdin ? " (stops when killed or when stdin closes)" : " (stops when killed)"));
        out.flush();
        if (!watchStdin) {
            awaitQuietly(stopped);
            return 0;
        }
        try {
            while (stdin.read() >= 0) {
                // Input is ignored: only its end matters.
            }
        } catch (IOException e) {
            // A broken stdin counts as a closed one.
        }
        out.println("KafkaBrokerMain: stdin closed; stopping (pass --ignore-stdin to run until killed)");
        out.flush();
        return 0;
    }

    private static void stop(EmbeddedCluster cluster, Path bootstrapFile, CountDownLatch stopped) {
        try {
            Files.deleteIfExists(bootstrapFile);
        } catch (IOException e) {
            System.err.println("KafkaBrokerMain: cannot delete " + bootstrapFile + ": " + e);
        }
        cluster.close();
        stopped.countDown();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
