package io.freshet.benchmarks.peers;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.Jedis;

/**
 * A throw-away {@code redis-server} child process for the Redis peer: loopback only, persistence off
 * ({@code --save '' --appendonly no}), on {@link #DEFAULT_PORT}. Debian packages it ({@code apt-get install
 * redis-server}, 7.0.15 here); when the binary is absent {@link #findBinary()} returns null and callers print
 * {@link #NOT_INSTALLED} and skip the peer rather than fail.
 *
 * <p>Threading: start and close from one thread. The server is killed by {@link #close()} and, should this JVM die
 * first, it is left running: it owns no files, and the next start refuses the busy port with a clear message.
 */
public final class RedisServer implements AutoCloseable {
    /** The loopback port the benchmarks use. */
    public static final int DEFAULT_PORT = 16379;
    /** What a run prints when the binary is absent. */
    public static final String NOT_INSTALLED =
        "redis-server not installed: Redis peer skipped (apt-get install redis-server)";

    private static final List<String> SEARCH = List.of("/usr/bin/redis-server", "/usr/local/bin/redis-server",
        "/usr/sbin/redis-server");
    private static final long START_TIMEOUT_MS = 10_000;

    private final Process process;
    private final int port;
    private final Path log;

    private RedisServer(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** @return the redis-server executable on the PATH or in the usual places, or null when not installed */
    public static Path findBinary() {
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                Path p = Path.of(dir, "redis-server");
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        for (String s : SEARCH) {
            Path p = Path.of(s);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /**
     * Starts a server and waits until it answers PING.
     *
     * @param binary from {@link #findBinary()}
     * @param port loopback port, which must be free
     * @return the running server
     * @throws IllegalStateException when the port is taken or the server does not come up
     */
    public static RedisServer start(Path binary, int port) {
        if (answers(port)) {
            throw new IllegalStateException("port=" + port + " on 127.0.0.1 is already in use: stop that process "
                + "(a left-over redis-server?) so the benchmark measures a server it started itself");
        }
        try {
            Path log = Files.createTempFile("freshet-redis-", ".log");
            Process p = new ProcessBuilder(binary.toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--protected-mode", "yes", "--daemonize", "no")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            RedisServer server = new RedisServer(p, port, log);
            long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
            while (System.currentTimeMillis() < deadline) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("redis-server exited with status=" + p.exitValue() + " at start: "
                        + Files.readString(log));
                }
                if (pings(port)) {
                    return server;
                }
                Thread.sleep(20);
            }
            server.close();
            throw new IllegalStateException("redis-server port=" + port + " did not answer PING in "
                + START_TIMEOUT_MS + " ms; log=" + log);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start redis-server binary=" + binary + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted starting redis-server", e);
        }
    }

    /** @return the port */
    public int port() {
        return port;
    }

    /** @return the server's version line, for the report */
    public String version() {
        try (Jedis j = new Jedis("127.0.0.1", port)) {
            for (String line : j.info("server").split("\r?\n")) {
                if (line.startsWith("redis_version:")) {
                    return line.substring("redis_version:".length()).trim();
                }
            }
            return "unknown";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            Files.deleteIfExists(log);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // A log left in the temporary directory is harmless.
        }
    }

    private static boolean answers(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean pings(int port) {
        try (Jedis j = new Jedis("127.0.0.1", port)) {
            return "PONG".equals(j.ping());
        } catch (RuntimeException e) {
            return false;
        }
    }
}
