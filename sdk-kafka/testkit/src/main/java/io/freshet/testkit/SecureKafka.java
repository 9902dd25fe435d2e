package io.freshet.testkit;

import io.freshet.testkit.internal.BrokerSelection;
import io.freshet.testkit.internal.ClusterSession;
import io.freshet.testkit.internal.EmbeddedCluster;
import io.freshet.testkit.internal.KafkaVersions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An embedded Kafka broker with secured listeners and ACLs on, for tests of security settings: a JUnit 5 extension
 * (one broker per test JVM, shared by every class that registers one) and a plain handle outside JUnit.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final SecureKafka KAFKA = SecureKafka.create();
 *
 * KAFKA.createScramUser("app", password);
 * KAFKA.allow("User:app", ResourceType.TOPIC, topic, AclOperation.READ);
 * Properties p = KAFKA.saslSslProperties("app", password); // what a user writes
 * }</pre>
 *
 * <p>Listeners ({@link SecureListeners}): {@value SecureListeners#SASL_SSL} (TLS + SCRAM-SHA-512) and
 * {@value SecureListeners#MTLS} (mutual TLS, principal {@code User:<client CN>}), with a test CA made by
 * {@link TestCertificates}; and a plaintext loopback listener whose clients are the super user, used by this handle's
 * own admin operations ({@link #admin()}, {@link #createTopic}, {@link #send}, ACLs and users). With
 * {@code StandardAuthorizer} and {@code allow.everyone.if.no.acl.found=false}, a secured client may do exactly what
 * ACLs grant.
 *
 * <p>Threading: thread-safe. Not a hot-path type: it allocates freely.
 */
public final class SecureKafka implements BeforeAllCallback, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SecureKafka.class);
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SecureKafka.class);
    private static final long TIMEOUT_S = 60;

    private final Map<String, String> serverOverrides;
    private volatile Running running;
    private boolean owned;

    /** The broker, its certificates and the super-user session; closing it stops the broker, deletes the files. */
    private static final class Running implements AutoCloseable {
        final Path directory;
        final SecureListeners listeners;
        final EmbeddedCluster cluster;
        final ClusterSession session;
        final String saslBootstrap;
        final String mtlsBootstrap;

        Running(Path directory, SecureListeners listeners, EmbeddedCluster cluster, ClusterSession session) {
            this.directory = directory;
            this.listeners = listeners;
            this.cluster = cluster;
            this.session = session;
            this.saslBootstrap = "localhost:" + cluster.boundPort(SecureListeners.SASL_SSL);
            this.mtlsBootstrap = "localhost:" + cluster.boundPort(SecureListeners.MTLS);
        }

        @Override
        public void close() {
            session.close();
            deleteTree(directory);
        }
    }

    private SecureKafka(Map<String, String> serverOverrides) {
        this.serverOverrides = serverOverrides;
    }

    /** @return a handle; JUnit starts (or joins) the JVM's secured broker before the class's tests */
    public static SecureKafka create() {
        return new SecureKafka(Map.of());
    }

    /**
     * A handle on a secured broker with extra broker settings, e.g. {@code
     * listener.name.sasl_ssl.scram-sha-512.connections.max.reauth.ms}: under JUnit a broker of the test class's own,
     * stopped after its tests.
     *
     * @param serverProperties broker settings added to (or replacing) the secured broker's
     * @return a handle; JUnit starts (or joins) that broker before the class's tests
     */
    public static SecureKafka withServerProperties(Map<String, String> serverProperties) {
        return new SecureKafka(Map.copyOf(Objects.requireNonNull(serverProperties,
            "serverProperties can't be null")));
    }

    private static Running open(Map<String, String> serverOverrides) {
        long t0 = System.nanoTime();
        Path dir;
        try {
            dir = Files.createTempDirectory("freshet-secure-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for the test certificates", e);
        }
        try {
            KafkaVersions.requireEmbeddable(KafkaVersions.clientsFound(), KafkaVersions.builtWith());
            SecureListeners listeners = new SecureListeners(TestCertificates.create(dir));
            Map<String, String> server = new HashMap<>(listeners.serverProperties());
            // The test kit's own listeners first (their names and ports are its defaults), then the secured ones.
            server.put("listeners", "EXTERNAL://localhost:0,CONTROLLER://localhost:0,"
                + SecureListeners.listenerEntries("localhost", 0, 0));
            server.put("listener.security.protocol.map", "EXTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT,"
                + SecureListeners.protocolMapEntries());
            server.putAll(serverOverrides);
            EmbeddedCluster cluster = EmbeddedCluster.start(server);
            ClusterSession session = ClusterSession.over(cluster, new BrokerSelection.Choice(BrokerMode.EMBEDDED,
                null, "the secured embedded broker was asked for (Kafka " + KafkaVersions.builtWith() + ")"));
            Running r = new Running(dir, listeners, cluster, session);
            LOG.info("secured embedded Kafka ready admin={} {}={} {}={} in {} ms", cluster.bootstrapServers(),
                SecureListeners.SASL_SSL, r.saslBootstrap, SecureListeners.MTLS, r.mtlsBootstrap,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            return r;
        } catch (RuntimeException e) {
            deleteTree(dir);
            throw e;
        }
    }

    /**
     * Starts this handle's own broker outside JUnit. Idempotent.
     *
     * @return this handle, running
     */
    public synchronized SecureKafka start() {
        if (running == null) {
            running = open(serverOverrides);
            owned = true;
        }
        return this;
    }

    /**
     * Joins the JVM's shared secured broker, starting it on first use. JUnit calls this.
     *
     * @param context the test class's context
     */
    @Override
    public synchronized void beforeAll(ExtensionContext context) {
        if (running == null) {
            // The JVM's shared broker lives until the run ends; one with extra settings only as long as its class
            // (under its own key: a class's store also answers with its parents' values).
            ExtensionContext owner = serverOverrides.isEmpty() ? context.getRoot() : context;
            String key = serverOverrides.isEmpty() ? "secure-embedded"
                : "secure-embedded" + new java.util.TreeMap<>(serverOverrides);
            running = owner.getStore(NAMESPACE).getOrComputeIfAbsent(key, k -> open(serverOverrides), Running.class);
        }
    }

    private Running running() {
        Running r = running;
        if (r == null) {
            throw new IllegalStateException("this SecureKafka has no broker yet: register it with @RegisterExtension"
                + " on a static field, or call start() outside JUnit");
        }
        return r;
    }

    /** @return the plaintext super-user listener, {@code host:port}: for the test's own setup only */
    public String adminBootstrapServers() {
        return running().cluster.bootstrapServers();
    }

    /** @return the {@value SecureListeners#SASL_SSL} listener, {@code localhost:port} */
    public String saslSslBootstrapServers() {
        return running().saslBootstrap;
    }

    /** @return the {@value SecureListeners#MTLS} listener, {@code localhost:port} */
    public String mtlsBootstrapServers() {
        return running().mtlsBootstrap;
    }

    /** @return the listeners' settings and certificates */
    public SecureListeners listeners() {
        return running().listeners;
    }

    /**
     * @param user SCRAM user
     * @param password its password
     * @return the client properties a user writes for the SASL_SSL listener
     */
    public Properties saslSslProperties(String user, String password) {
        return listeners().saslSslClientProperties(saslSslBootstrapServers(), user, password);
    }

    /** @return the client properties a user writes for the mutual-TLS listener (principal {@link #mtlsPrincipal}) */
    public Properties mtlsProperties() {
        return listeners().mtlsClientProperties(mtlsBootstrapServers());
    }

    /** @return the principal of the mutual-TLS client certificate, {@code User:<CN>} */
    public String mtlsPrincipal() {
        return "User:" + listeners().certificates().clientName();
    }

    /** @return new super-user client properties (plaintext listener) for the test's own producers and consumers */
    public Properties adminClientProperties() {
        return running().session.clientProperties();
    }

    /** @return the super-user admin client (plaintext listener); do not close it */
    public Admin admin() {
        return running().session.admin();
    }

    /**
     * @param prefix readable prefix
     * @return a name no other test of this JVM uses
     */
    public String uniqueName(String prefix) {
        return running().session.uniqueName(Objects.requireNonNull(prefix, "prefix can't be null"));
    }

    /**
     * Creates a topic as the super user and waits until its leaders serve.
     *
     * @param name topic
     * @param partitions partitions, 1 or more
     */
    public void createTopic(String name, int partitions) {
        running().session.createTopic(Objects.requireNonNull(name, "name can't be null"), partitions, Map.of());
    }

    /**
     * Sends one record as the super user ({@code acks=all}).
     *
     * @param topic topic
     * @param key UTF-8 key, or null
     * @param value UTF-8 value, or null
     * @return where it was written
     */
    public RecordMetadata send(String topic, String key, String value) {
        return running().session.send(Objects.requireNonNull(topic, "topic can't be null"),
            key == null ? null : key.getBytes(StandardCharsets.UTF_8),
            value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Creates (or replaces) a SCRAM-SHA-512 user and waits until the SASL_SSL listener accepts it.
     *
     * @param user user name
     * @param password password
     */
    public void createScramUser(String user, String password) {
        Objects.requireNonNull(user, "user can't be null");
        Objects.requireNonNull(password, "password can't be null");
        try {
            admin().alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(user,
                new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), password))).all()
                .get(TIMEOUT_S, TimeUnit.SECONDS);
            // The controller has it; the broker learns it from the metadata log a moment later.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
            try (Admin probe = Admin.create(saslSslProperties(user, password))) {
                while (true) {
                    try {
                        probe.describeCluster().clusterId().get(TIMEOUT_S, TimeUnit.SECONDS);
                        return;
                    } catch (ExecutionException e) {
                        if (!(e.getCause() instanceof SaslAuthenticationException) || System.nanoTime() > deadline) {
                            throw e;
                        }
                        Thread.sleep(50);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted creating SCRAM user=" + user, e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create SCRAM user=" + user + ": " + e, e);
        }
    }

    /**
     * Allows operations to a principal on one resource (literal name) and waits until the broker enforces it.
     *
     * @param principal e.g. {@code User:app}
     * @param type resource type
     * @param name resource name ({@code kafka-cluster} for the cluster)
     * @param operations operations to allow
     */
    public void allow(String principal, ResourceType type, String name, AclOperation... operations) {
        List<AclBinding> bindings = bindings(principal, type, name, operations);
        try {
            admin().createAcls(bindings).all().get(TIMEOUT_S, TimeUnit.SECONDS);
            awaitAcls(bindings, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted creating ACLs " + bindings, e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create ACLs " + bindings + ": " + e, e);
        }
    }

    /**
     * Removes what {@link #allow} granted and waits until the broker no longer lists it.
     *
     * @param principal e.g. {@code User:app}
     * @param type resource type
     * @param name resource name
     * @param operations operations to revoke
     */
    public void revoke(String principal, ResourceType type, String name, AclOperation... operations) {
        List<AclBinding> bindings = bindings(principal, type, name, operations);
        List<AclBindingFilter> filters = new ArrayList<>();
        for (AclBinding b : bindings) {
            filters.add(b.toFilter());
        }
        try {
            admin().deleteAcls(filters).all().get(TIMEOUT_S, TimeUnit.SECONDS);
            awaitAcls(bindings, false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted deleting ACLs " + bindings, e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot delete ACLs " + bindings + ": " + e, e);
        }
    }

    private static List<AclBinding> bindings(String principal, ResourceType type, String name,
        AclOperation... operations) {
        Objects.requireNonNull(principal, "principal can't be null");
        Objects.requireNonNull(type, "type can't be null");
        Objects.requireNonNull(name, "name can't be null");
        List<AclBinding> out = new ArrayList<>();
        for (AclOperation op : operations) {
            out.add(new AclBinding(new ResourcePattern(type, name, PatternType.LITERAL),
                new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW)));
        }
        return out;
    }

    /** The broker answers DescribeAcls from its own authorizer: once it lists a binding, it enforces it. */
    private void awaitAcls(Collection<AclBinding> bindings, boolean present) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
        AclBindingFilter any = new AclBindingFilter(ResourcePatternFilter.ANY, AccessControlEntryFilter.ANY);
        while (true) {
            Collection<AclBinding> listed = admin().describeAcls(any).values().get(TIMEOUT_S, TimeUnit.SECONDS);
            boolean all = true;
            for (AclBinding b : bindings) {
                if (listed.contains(b) != present) {
                    all = false;
                    break;
                }
            }
            if (all) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("ACLs " + bindings + " not " + (present ? "listed" : "gone") + " after "
                    + TIMEOUT_S + " s");
            }
            Thread.sleep(20);
        }
    }

    /**
     * Stops the broker {@link #start()} started and deletes its files; a JUnit-shared one stops at the run's end (one
     * with extra settings after its class).
     */
    @Override
    public synchronized void close() {
        if (owned && running != null) {
            running.close();
            running = null;
        }
    }

    /** @return the listeners, never a password */
    @Override
    public String toString() {
        Running r = running;
        return r == null ? "SecureKafka[not started]" : "SecureKafka[" + SecureListeners.SASL_SSL + "="
            + r.saslBootstrap + " " + SecureListeners.MTLS + "=" + r.mtlsBootstrap + "]";
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.warn("cannot delete {}: {}", dir, e.toString());
        }
    }
}
