package io.freshet.testkit;

import io.freshet.testkit.internal.ParentWatchMain;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Apache Kafka broker of a chosen release, in a process of its own: one KRaft node (broker and controller
 * combined) started from that release's jars ({@code org.apache.kafka:kafka_2.13:<version>} and its runtime
 * dependencies, resolved by Maven at build time: nothing is downloaded here). For testing a pipeline against the
 * broker versions a user runs in production.
 *
 * <pre>{@code
 * try (KafkaBrokerProcess broker = KafkaBrokerProcess.builder("3.9.1")
 *         .classPathFile(Path.of("target/kafka-3.9.1.classpath"))   // mvn dependency:build-classpath output
 *         .start();
 *      FreshetKafka kafka = FreshetKafka.external(broker.bootstrapServers()).start()) {
 *     kafka.createTopic("payments", 3);
 *     // ... run a pipeline on kafka.clientProperties()
 * }
 * }</pre>
 *
 * <p>{@link Builder#start()} picks free loopback ports, writes {@code server.properties} into a new temporary
 * directory, formats the storage ({@code kafka.tools.StorageTool format}), launches {@code kafka.Kafka} and returns
 * once an admin client has seen the broker (3–5 s here). The process never outlives this JVM: it exits when its
 * standard input (held by this JVM) ends, so even a {@code kill -9} of the test JVM stops it and then deletes its
 * directory. {@link #stop()} and {@link #restart()} stop the broker and start it again on the same ports and data
 * (an outage); {@link #close()} stops it and deletes everything.
 *
 * <p>Without {@link Builder#classPath} or {@link Builder#classPathFile}, the class path is read from the file named
 * by the system property {@code freshet.testkit.kafka.classpath.<version>} ({@link #CLASS_PATH_PROP_PREFIX}).
 * Server properties may be added or overridden ({@link Builder#serverProperty}); a value may name the directory as
 * {@code {dir}} and a free port as {@code {port:NAME}} (the broker listener is {@code {port:broker}}, the controller
 * {@code {port:controller}}), read back with {@link #port(String)}: enough to add a listener of another security
 * protocol.
 *
 * <p>Threading: thread-safe. Not a hot-path type.
 */
public final class KafkaBrokerProcess implements AutoCloseable {
    /** Prefix of the system property naming a version's class path file, e.g. {@code ...classpath.3.9.1}. */
    public static final String CLASS_PATH_PROP_PREFIX = "freshet.testkit.kafka.classpath.";
    /** The name of the plaintext client listener's port. */
    public static final String BROKER_PORT = "broker";
    /** The name of the controller listener's port. */
    public static final String CONTROLLER_PORT = "controller";

    private static final Logger LOG = LoggerFactory.getLogger(KafkaBrokerProcess.class);
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{(dir|port:([A-Za-z0-9_.-]+))}");
    private static final int LOG_TAIL_LINES = 40;

    private final String version;
    private final List<String> command;
    private final Path directory;
    private final Map<String, Integer> ports;
    private final Duration startTimeout;
    private Process process;
    private boolean closed;

    private KafkaBrokerProcess(String version, List<String> command, Path directory, Map<String, Integer> ports,
        Duration startTimeout) {
        this.version = version;
        this.command = command;
        this.directory = directory;
        this.ports = ports;
        this.startTimeout = startTimeout;
    }

    /**
     * @param kafkaVersion the Apache Kafka release, e.g. {@code 3.9.1}; the class path must hold its
     *     {@code kafka_2.13} jar
     * @return a builder
     */
    public static Builder builder(String kafkaVersion) {
        Objects.requireNonNull(kafkaVersion, "kafkaVersion can't be null");
        if (!kafkaVersion.matches("[0-9]+(\\.[0-9]+)+[A-Za-z0-9.-]*")) {
            throw new IllegalArgumentException("kafkaVersion=" + kafkaVersion + " is not a release number such as"
                + " 3.9.1");
        }
        return new Builder(kafkaVersion);
    }

    /** @return the Kafka release this process runs */
    public String kafkaVersion() {
        return version;
    }

    /** @return {@code localhost:port} of the plaintext listener */
    public String bootstrapServers() {
        return "localhost:" + ports.get(BROKER_PORT);
    }

    /**
     * @param name a port named in the server properties as {@code {port:NAME}}, or {@value #BROKER_PORT} /
     *     {@value #CONTROLLER_PORT}
     * @return its number
     */
    public int port(String name) {
        Integer p = ports.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no port named " + name + "; known: " + ports.keySet());
        }
        return p;
    }

    /** @return the broker's directory: {@code server.properties}, {@code broker.log} and the log directory */
    public Path directory() {
        return directory;
    }

    /** @return the broker's own log (its standard output and error), kept until {@link #close()} */
    public Path logFile() {
        return directory.resolve("broker.log");
    }

    /** @return the operating-system id of the running broker process */
    public synchronized long pid() {
        if (process == null) {
            throw new IllegalStateException("Kafka " + version + " broker is not running");
        }
        return process.pid();
    }

    /** @return whether the broker process is alive */
    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /**
     * Stops the broker cleanly and keeps its data, so that {@link #restart()} brings it back on the same ports with
     * the same topics and records. Idempotent.
     */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        Process p = process;
        process = null;
        try {
            OutputStream in = p.getOutputStream();
            in.write((ParentWatchMain.STOP + "\n").getBytes(StandardCharsets.US_ASCII));
            in.flush();
        } catch (IOException e) {
            // Already gone: waitFor returns at once.
        }
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroy();
                if (!p.waitFor(15, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(15, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Starts the stopped broker again on the same ports and data, and waits until it serves.
     *
     * @return this process, running
     */
    public synchronized KafkaBrokerProcess restart() {
        if (closed) {
            throw new IllegalStateException("Kafka " + version + " broker process is closed: build a new one");
        }
        if (process != null) {
            throw new IllegalStateException("Kafka " + version + " broker is running: stop() it first");
        }
        launch();
        return this;
    }

    /** Stops the broker (if running) and deletes its directory. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stop();
        try {
            ParentWatchMain.deleteTree(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the Kafka " + version + " broker directory " + directory, e);
        }
    }

    /** @return the version, address and directory */
    @Override
    public String toString() {
        return "KafkaBrokerProcess[Kafka " + version + " bootstrap=" + bootstrapServers() + " dir=" + directory
            + (isRunning() ? " running" : " stopped") + "]";
    }

    private void launch() {
        long t0 = System.nanoTime();
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile())).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot launch the Kafka " + version + " broker process: " + e, e);
        }
        awaitServing();
        LOG.info("Kafka {} broker process pid={} serves bootstrap={} dir={} after {} ms", version, process.pid(),
            bootstrapServers(), directory, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    private void awaitServing() {
        long deadline = System.nanoTime() + startTimeout.toNanos();
        int port = ports.get(BROKER_PORT);
        // A TCP connect first: an admin client on a closed port logs a warning per attempt.
        while (!accepts(port)) {
            checkAlive(deadline);
            sleep(50);
        }
        Properties p = new Properties();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        try (Admin admin = Admin.create(p)) {
            while (true) {
                try {
                    if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted waiting for the Kafka " + version + " broker", e);
                } catch (Exception e) {
                    // Not serving yet.
                }
                checkAlive(deadline);
                sleep(100);
            }
        }
    }

    private void checkAlive(long deadline) {
        if (!process.isAlive()) {
            String tail = logTail();
            process = null;
            throw new IllegalStateException("the Kafka " + version + " broker process exited with "
                + exitValueOf() + " before serving; its log " + logFile() + " ends with:\n" + tail);
        }
        if (System.nanoTime() > deadline) {
            process.destroyForcibly();
            process = null;
            throw new IllegalStateException("the Kafka " + version + " broker did not serve on "
                + bootstrapServers() + " within " + startTimeout.toSeconds() + " s; its log " + logFile()
                + " ends with:\n" + logTail());
        }
    }

    private String exitValueOf() {
        return process == null ? "?" : String.valueOf(process.exitValue());
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(logFile(), StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        } catch (IOException e) {
            return "(cannot read: " + e + ")";
        }
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("localhost", port), 1_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for a Kafka broker process", e);
        }
    }

    /**
     * Options of a {@link KafkaBrokerProcess}, checked as they are set. Reusable: each {@link #start()} starts a new
     * broker with its own ports and directory.
     *
     * <p>Threading: not thread-safe; confine a builder to one thread.
     */
    public static final class Builder {
        private final String version;
        private String classPath;
        private final Map<String, String> serverProperties = new LinkedHashMap<>();
        private final List<String> jvmArgs = new ArrayList<>(List.of("-Xmx512m", "-XX:+UseSerialGC"));
        private Path javaHome = Path.of(System.getProperty("java.home"));
        private Duration startTimeout = Duration.ofSeconds(120);

        private Builder(String version) {
            this.version = version;
        }

        /**
         * @param classPath the broker's class path ({@code :}-separated on Unix), holding
         *     {@code kafka_2.13-<version>.jar} and its runtime dependencies
         * @return this builder
         */
        public Builder classPath(String classPath) {
            Objects.requireNonNull(classPath, "classPath can't be null");
            List<String> entries = List.of(classPath.trim().split(Pattern.quote(File.pathSeparator)));
            String jar = "kafka_2.13-" + version + ".jar";
            boolean found = false;
            for (String e : entries) {
                found |= Path.of(e).getFileName() != null && Path.of(e).getFileName().toString().equals(jar);
            }
            if (!found) {
                throw new IllegalArgumentException("the class path for the Kafka " + version + " broker has no " + jar
                    + " (it has " + entries.size() + " entries): resolve org.apache.kafka:kafka_2.13:" + version
                    + " with mvn dependency:build-classpath");
            }
            this.classPath = classPath.trim();
            return this;
        }

        /**
         * @param file a file holding the class path, as {@code mvn dependency:build-classpath
         *     -Dmdep.outputFile=FILE} writes it
         * @return this builder
         */
        public Builder classPathFile(Path file) {
            Objects.requireNonNull(file, "file can't be null");
            try {
                return classPath(Files.readString(file, StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read the Kafka " + version + " class path file " + file
                    + ": " + e + "; build it with mvn dependency:build-classpath of org.apache.kafka:kafka_2.13:"
                    + version, e);
            }
        }

        /**
         * Adds or overrides one line of {@code server.properties}; {@code {dir}} and {@code {port:NAME}} in the
         * value are replaced by the broker's directory and a free port.
         *
         * @param key property name
         * @param value property value
         * @return this builder
         */
        public Builder serverProperty(String key, String value) {
            Objects.requireNonNull(key, "key can't be null");
            Objects.requireNonNull(value, "value can't be null");
            serverProperties.put(key, value);
            return this;
        }

        /**
         * @param arg one more JVM option of the broker process (defaults: {@code -Xmx512m -XX:+UseSerialGC})
         * @return this builder
         */
        public Builder jvmArg(String arg) {
            jvmArgs.add(Objects.requireNonNull(arg, "arg can't be null"));
            return this;
        }

        /**
         * @param javaHome the JDK that runs the broker (default: this JVM's)
         * @return this builder
         */
        public Builder javaHome(Path javaHome) {
            Objects.requireNonNull(javaHome, "javaHome can't be null");
            if (!Files.isExecutable(javaHome.resolve("bin").resolve("java"))) {
                throw new IllegalArgumentException("javaHome=" + javaHome + " has no bin/java: name a JDK directory");
            }
            this.javaHome = javaHome;
            return this;
        }

        /**
         * @param timeout how long {@link #start()} and {@link KafkaBrokerProcess#restart()} wait for the broker to
         *     serve (default 120 s)
         * @return this builder
         */
        public Builder startTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout can't be null");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("startTimeout=" + timeout + ": give a positive duration");
            }
            this.startTimeout = timeout;
            return this;
        }

        /**
         * Formats a new storage directory and starts the broker; returns once it serves.
         *
         * @return the running broker; close it
         */
        public KafkaBrokerProcess start() {
            String cp = classPath != null ? classPath : classPathFromProperty();
            Path dir;
            try {
                dir = Files.createTempDirectory("freshet-kafka-" + version + "-");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create a directory for the Kafka " + version + " broker", e);
            }
            try {
                Map<String, Integer> ports = new LinkedHashMap<>();
                ports.put(BROKER_PORT, freePort());
                ports.put(CONTROLLER_PORT, freePort());
                Map<String, String> props = defaults();
                props.putAll(serverProperties);
                StringBuilder file = new StringBuilder("# written by io.freshet.testkit.KafkaBrokerProcess\n");
                for (Map.Entry<String, String> e : props.entrySet()) {
                    file.append(e.getKey()).append('=').append(substitute(e.getValue(), dir, ports)).append('\n');
                }
                Path properties = dir.resolve("server.properties");
                Files.writeString(properties, file, StandardCharsets.UTF_8);
                String fullClassPath = cp + File.pathSeparator + testkitLocation();
                format(fullClassPath, dir, properties);
                List<String> cmd = java(fullClassPath, dir);
                cmd.add("kafka.Kafka");
                cmd.add(properties.toString());
                KafkaBrokerProcess broker = new KafkaBrokerProcess(version, List.copyOf(cmd), dir,
                    Collections.unmodifiableMap(ports), startTimeout);
                synchronized (broker) {
                    broker.launch();
                }
                return broker;
            } catch (IOException | RuntimeException e) {
                try {
                    ParentWatchMain.deleteTree(dir);
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
                if (e instanceof RuntimeException) {
                    throw (RuntimeException) e;
                }
                throw new UncheckedIOException("cannot prepare the Kafka " + version + " broker in " + dir,
                    (IOException) e);
            }
        }

        private String classPathFromProperty() {
            String prop = CLASS_PATH_PROP_PREFIX + version;
            String file = System.getProperty(prop);
            if (file == null || file.isBlank()) {
                throw new IllegalStateException("no class path for the Kafka " + version + " broker: call"
                    + " classPath(...) or classPathFile(...), or set -D" + prop + "=FILE (written by mvn"
                    + " dependency:build-classpath -Dmdep.outputFile=FILE of org.apache.kafka:kafka_2.13:" + version
                    + ")");
            }
            classPathFile(Path.of(file));
            return classPath;
        }

        /** A single KRaft node; the replication settings let one node host the internal topics. */
        private static Map<String, String> defaults() {
            Map<String, String> p = new LinkedHashMap<>();
            p.put("process.roles", "broker,controller");
            p.put("node.id", "1");
            p.put("controller.quorum.voters", "1@localhost:{port:controller}");
            p.put("listeners", "PLAINTEXT://localhost:{port:broker},CONTROLLER://localhost:{port:controller}");
            p.put("advertised.listeners", "PLAINTEXT://localhost:{port:broker}");
            p.put("controller.listener.names", "CONTROLLER");
            p.put("inter.broker.listener.name", "PLAINTEXT");
            p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
            p.put("log.dirs", "{dir}/data");
            p.put("num.partitions", "1");
            p.put("offsets.topic.replication.factor", "1");
            p.put("offsets.topic.num.partitions", "4");
            p.put("transaction.state.log.replication.factor", "1");
            p.put("transaction.state.log.min.isr", "1");
            p.put("transaction.state.log.num.partitions", "4");
            p.put("group.initial.rebalance.delay.ms", "0");
            p.put("auto.create.topics.enable", "false");
            // Tests that wait for retention to delete segments should not wait the defaults: 30 s before the first
            // check, then one check every five minutes.
            p.put("log.initial.task.delay.ms", "0");
            p.put("log.retention.check.interval.ms", "1000");
            return p;
        }

        private static String substitute(String value, Path dir, Map<String, Integer> ports) throws IOException {
            Matcher m = PLACEHOLDER.matcher(value);
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                String replacement;
                if (m.group(2) == null) {
                    replacement = dir.toString();
                } else {
                    Integer port = ports.get(m.group(2));
                    if (port == null) {
                        port = freePort();
                        ports.put(m.group(2), port);
                    }
                    replacement = String.valueOf(port);
                }
                m.appendReplacement(out, Matcher.quoteReplacement(replacement));
            }
            m.appendTail(out);
            return out.toString();
        }

        private void format(String fullClassPath, Path dir, Path properties) throws IOException {
            List<String> cmd = java(fullClassPath, dir);
            cmd.add("kafka.tools.StorageTool");
            cmd.add("format");
            cmd.add("-t");
            cmd.add(Uuid.randomUuid().toString());
            cmd.add("-c");
            cmd.add(properties.toString());
            Path log = dir.resolve("format.log");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            // Its standard input stays open until it exits: ParentWatchMain reads an early end as the parent's death.
            try (OutputStream keepOpen = p.getOutputStream()) {
                if (!p.waitFor(startTimeout.toSeconds(), TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IllegalStateException("formatting the Kafka " + version + " storage took over "
                        + startTimeout.toSeconds() + " s: " + Files.readString(log, StandardCharsets.UTF_8));
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted formatting the Kafka " + version + " storage", e);
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("formatting the Kafka " + version + " storage failed (exit "
                    + p.exitValue() + "): " + Files.readString(log, StandardCharsets.UTF_8).trim());
            }
        }

        private List<String> java(String fullClassPath, Path dir) {
            List<String> cmd = new ArrayList<>();
            cmd.add(javaHome.resolve("bin").resolve("java").toString());
            cmd.addAll(jvmArgs);
            cmd.add("-cp");
            cmd.add(fullClassPath);
            cmd.add(ParentWatchMain.class.getName());
            cmd.add(ParentWatchMain.DELETE_WHEN_ORPHANED);
            cmd.add(dir.toString());
            return cmd;
        }

        /** The jar or class directory holding {@link ParentWatchMain}, which uses JDK classes only. */
        private static String testkitLocation() {
            try {
                return Path.of(ParentWatchMain.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .toString();
            } catch (URISyntaxException e) {
                throw new IllegalStateException("cannot locate the freshet-testkit classes: " + e, e);
            }
        }

        private static int freePort() throws IOException {
            try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            }
        }
    }
}
