package io.freshet.testkit.internal;

import java.io.File;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * Whether Testcontainers' Kafka module is on the class path and whether a Docker daemon answers it. Nothing here
 * names a Testcontainers class at link time: a user without Testcontainers loads none.
 *
 * <p>Testcontainers itself is asked only when this machine has some Docker endpoint it could use (a
 * {@code DOCKER_HOST}, a Testcontainers configuration, one of the sockets its strategies look for, docker-machine);
 * without any, the answer is no at once: Testcontainers' own check would spend about a second loading its classes
 * (more on a loaded machine) and log a multi-line error to say the same.
 *
 * <p>Threading: thread-safe; the daemon is asked once per JVM and the answer kept.
 */
public final class DockerProbe {
    /**
     * Longest wait for Testcontainers' own check, which also starts its reaper container when Docker answers. Without
     * a daemon the check fails in milliseconds; only an endpoint that accepts and never answers waits this long.
     */
    private static final long PROBE_TIMEOUT_S = 30;
    private static final String KAFKA_CONTAINER = "org.testcontainers.kafka.KafkaContainer";
    private static volatile Boolean answered;
    private static volatile long firstProbeMs = -1;

    private DockerProbe() {
    }

    /** @return true when Testcontainers' Kafka module can be loaded */
    public static boolean testcontainersPresent() {
        try {
            Class.forName(KAFKA_CONTAINER, false, DockerProbe.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /**
     * Whether a Docker daemon answers Testcontainers: no at once without an endpoint candidate, else Testcontainers'
     * own check. Asked once per JVM; the answer is kept.
     *
     * @return true when Testcontainers can start containers
     */
    public static boolean dockerAnswers() {
        Boolean a = answered;
        if (a == null) {
            synchronized (DockerProbe.class) {
                a = answered;
                if (a == null) {
                    long t0 = System.nanoTime();
                    a = askUncached();
                    firstProbeMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                    answered = a;
                }
            }
        }
        return a;
    }

    /** @return how long the first (kept) probe of this JVM took, ms, or -1 before it ran */
    public static long firstProbeMillis() {
        return firstProbeMs;
    }

    /**
     * The Docker endpoints Testcontainers' strategies could use on this machine, from the environment and the files
     * they look for; a pure function of its inputs.
     *
     * @param env environment variables
     * @param home the user's home directory
     * @param windows whether this is Windows (named pipes: always ask Testcontainers)
     * @param exists whether a path exists
     * @param userRunDirs the {@code /run/user/<uid>} directories
     * @param path the {@code PATH} directories
     * @return what was found, empty when Testcontainers cannot find a daemon either
     */
    public static List<String> endpointCandidates(Map<String, String> env, Path home, boolean windows,
        Predicate<Path> exists, List<Path> userRunDirs, List<Path> path) {
        List<String> found = new ArrayList<>();
        if (windows) {
            found.add("Windows (named pipes)");
        }
        for (String var : new String[] {
            "DOCKER_HOST", "TESTCONTAINERS_HOST_OVERRIDE", "TESTCONTAINERS_DOCKER_SOCKET_OVERRIDE", "DOCKER_CONTEXT"}) {
            String v = env.get(var);
            if (v != null && !v.isBlank()) {
                found.add(var);
            }
        }
        List<Path> files = new ArrayList<>();
        files.add(Path.of("/var/run/docker.sock"));
        files.add(home.resolve(".testcontainers.properties"));
        files.add(home.resolve(".docker/run/docker.sock"));
        files.add(home.resolve(".docker/desktop/docker.sock"));
        files.add(home.resolve(".colima"));
        files.add(home.resolve(".rd/docker.sock"));
        String xdg = env.get("XDG_RUNTIME_DIR");
        if (xdg != null && !xdg.isBlank()) {
            files.add(Path.of(xdg, "docker.sock"));
        }
        for (Path d : userRunDirs) {
            files.add(d.resolve("docker.sock"));
        }
        for (Path d : path) {
            files.add(d.resolve("docker-machine"));
        }
        for (Path f : files) {
            if (exists.test(f)) {
                found.add(f.toString());
            }
        }
        return found;
    }

    /** @return {@link #endpointCandidates} of this machine */
    public static List<String> endpointCandidates() {
        List<Path> userRunDirs = new ArrayList<>();
        Path run = Path.of("/run/user");
        if (Files.isDirectory(run)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(run)) {
                for (Path d : ds) {
                    userRunDirs.add(d);
                }
            } catch (IOException | SecurityException e) {
                // Unreadable: no candidate from there.
            }
        }
        List<Path> path = new ArrayList<>();
        String p = System.getenv("PATH");
        if (p != null) {
            for (String d : p.split(File.pathSeparator)) {
                if (!d.isEmpty()) {
                    path.add(Path.of(d));
                }
            }
        }
        Map<String, String> env = new HashMap<>(System.getenv());
        // docker-java also reads DOCKER_HOST as a system property.
        String property = System.getProperty("DOCKER_HOST");
        if (property != null) {
            env.put("DOCKER_HOST", property);
        }
        return endpointCandidates(env, Path.of(System.getProperty("user.home")),
            System.getProperty("os.name", "").startsWith("Windows"), Files::exists, userRunDirs, path);
    }

    /** @return a fresh answer, not kept (Testcontainers keeps its own failed check: a repeat is quicker) */
    public static boolean askUncached() {
        return !endpointCandidates().isEmpty() && askTestcontainers();
    }

    /**
     * Testcontainers' own check, on a daemon thread of its own so that a hanging Docker endpoint cannot hang the
     * tests; any failure counts as no daemon and is not rethrown.
     *
     * @return true when Testcontainers can start containers
     */
    public static boolean askTestcontainers() {
        CompletableFuture<Boolean> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                f.complete(TestcontainersCheck.isDockerAvailable());
            } catch (Throwable e) {
                f.complete(false);
            }
        }, "freshet-testkit-docker-probe");
        t.setDaemon(true);
        t.start();
        try {
            return f.get(PROBE_TIMEOUT_S, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        }
    }

    /** Holds the only reference to Testcontainers, loaded when the probe runs. */
    private static final class TestcontainersCheck {
        static boolean isDockerAvailable() {
            return org.testcontainers.DockerClientFactory.instance().isDockerAvailable();
        }
    }
}
