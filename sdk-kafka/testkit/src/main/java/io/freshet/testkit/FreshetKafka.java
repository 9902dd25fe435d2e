package io.freshet.testkit;

import io.freshet.testkit.internal.BrokerSelection;
import io.freshet.testkit.internal.ClusterSession;
import io.freshet.testkit.internal.DockerProbe;
import io.freshet.testkit.internal.KafkaVersions;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kafka cluster for tests: a JUnit 5 extension, and a plain handle outside JUnit.
 *
 * <pre>{@code
 * class PaymentFeaturesTest {
 *     @RegisterExtension
 *     static final FreshetKafka KAFKA = FreshetKafka.create();
 *
 *     @Test
 *     void countsPayments() {
 *         String topic = KAFKA.uniqueName("payments");
 *         KAFKA.createTopic(topic, 3);
 *         KAFKA.send(topic, "user-42", "{\"amount\":12.5}");
 *         // ... run a pipeline on KAFKA.bootstrapServers() and read its features
 *     }
 * }
 * }</pre>
 *
 * <p>Which cluster {@link #create()} uses, decided once per cluster and logged in one line saying which and why:
 * <ol>
 *   <li>{@code -Dfreshet.bootstrap=host:port} (or the environment variable {@code FRESHET_BOOTSTRAP}): that external
 *       cluster. Nothing is started and no broker class is loaded, so this works whatever kafka-clients version the
 *       tests pin.</li>
 *   <li>Testcontainers ({@code org.testcontainers:testcontainers-kafka}) on the test class path and a Docker daemon
 *       answering: a {@code KafkaContainer} of the {@code apache/kafka} image of this test kit's Kafka version.</li>
 *   <li>Otherwise the embedded broker: one KRaft node in this JVM (3–4 s to start). It needs the kafka-clients
 *       version it was built with and fails at once, naming both versions, when another one is on the class
 *       path.</li>
 * </ol>
 *
 * <p>In JUnit every handle of the same choice in one JVM shares one cluster: it starts when the first test class
 * that uses it starts and stops when the whole run ends. So each test creates its own topics, with names from
 * {@link #uniqueName}. A test method may also take a {@code FreshetKafka} parameter: it receives the registered
 * handle. Outside JUnit, {@link #start()} starts a cluster that this handle owns and {@link #close()} stops it.
 *
 * <p>Threading: thread-safe. Not a hot-path type: it allocates freely.
 */
public final class FreshetKafka implements BeforeAllCallback, BeforeEachCallback, ParameterResolver, AutoCloseable {
    /** System property naming an external cluster, {@code host:port[,host:port]}, for {@link #create()}. */
    public static final String BOOTSTRAP_PROP_NAME = BrokerSelection.BOOTSTRAP_PROP_NAME;
    /** Environment variable naming an external cluster; the system property wins when both are set. */
    public static final String BOOTSTRAP_ENV_NAME = BrokerSelection.BOOTSTRAP_ENV_NAME;

    private static final Logger LOG = LoggerFactory.getLogger(FreshetKafka.class);
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(FreshetKafka.class);

    /** How the handle picks its cluster. */
    private enum Kind { AUTO, EMBEDDED, EXTERNAL }

    private final Kind kind;
    private final String externalBootstrap;
    private volatile ClusterSession session;
    /** True when {@link #start()} started the session (closed by {@link #close()}), false for a shared one. */
    private boolean owned;

    private FreshetKafka(Kind kind, String externalBootstrap) {
        this.kind = kind;
        this.externalBootstrap = externalBootstrap;
    }

    /** @return a handle that picks its cluster in the order above: external, container, embedded */
    public static FreshetKafka create() {
        return new FreshetKafka(Kind.AUTO, null);
    }

    /** @return a handle on the embedded broker, whatever {@code freshet.bootstrap} and Docker say */
    public static FreshetKafka embedded() {
        return new FreshetKafka(Kind.EMBEDDED, null);
    }

    /**
     * @param bootstrap a running cluster's {@code host:port[,host:port]}
     * @return a handle on that cluster; it starts nothing
     */
    public static FreshetKafka external(String bootstrap) {
        return new FreshetKafka(Kind.EXTERNAL, BrokerSelection.external(bootstrap).bootstrap());
    }

    BrokerSelection.Choice choose() {
        switch (kind) {
            case EXTERNAL:
                return BrokerSelection.external(externalBootstrap);
            case EMBEDDED:
                return BrokerSelection.embedded(KafkaVersions.builtWith());
            default:
                return BrokerSelection.choose(System.getProperty(BOOTSTRAP_PROP_NAME),
                    System.getenv(BOOTSTRAP_ENV_NAME), DockerProbe.testcontainersPresent(), DockerProbe::dockerAnswers,
                    KafkaVersions.builtWith());
        }
    }

    private static ClusterSession open(BrokerSelection.Choice choice) {
        LOG.info("freshet-testkit: {}", choice.reason());
        return ClusterSession.start(choice);
    }

    /**
     * Starts this handle's own cluster outside JUnit (or connects to the external one). Idempotent.
     *
     * @return this handle, running
     */
    public synchronized FreshetKafka start() {
        if (session == null) {
            session = open(choose());
            owned = true;
        }
        return this;
    }

    /**
     * Joins the run's shared cluster of this handle's choice, starting it on first use. JUnit calls this.
     *
     * @param context the test class's context
     */
    @Override
    public void beforeAll(ExtensionContext context) {
        join(context);
    }

    /**
     * Joins the shared cluster for a handle registered on an instance field. JUnit calls this.
     *
     * @param context the test's context
     */
    @Override
    public void beforeEach(ExtensionContext context) {
        join(context);
    }

    private synchronized void join(ExtensionContext context) {
        if (session != null) {
            return;
        }
        BrokerSelection.Choice choice = choose();
        // The root store closes AutoCloseable values when the whole test plan has run: one cluster per choice and JVM.
        String key = choice.mode() + ":" + choice.bootstrap();
        session = context.getRoot().getStore(NAMESPACE)
            .getOrComputeIfAbsent(key, k -> open(choice), ClusterSession.class);
    }

    /**
     * @param parameterContext the parameter
     * @param extensionContext its context
     * @return true for a {@code FreshetKafka} parameter
     */
    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == FreshetKafka.class;
    }

    /**
     * @param parameterContext the parameter
     * @param extensionContext its context
     * @return this handle, joined to the run's cluster
     */
    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        join(extensionContext);
        return this;
    }

    private ClusterSession session() {
        ClusterSession s = session;
        if (s == null) {
            throw new IllegalStateException("this FreshetKafka has no cluster yet: register it with"
                + " @RegisterExtension on a static field, or call start() outside JUnit");
        }
        return s;
    }

    /** @return where the cluster runs */
    public BrokerMode mode() {
        return session().mode();
    }

    /** @return the bootstrap servers, {@code host:port[,host:port]} */
    public String bootstrapServers() {
        return session().bootstrapServers();
    }

    /** @return new client properties with {@code bootstrap.servers} set, for the caller to extend */
    public Properties clientProperties() {
        return session().clientProperties();
    }

    /** @return the cluster's shared admin client; do not close it */
    public Admin admin() {
        return session().admin();
    }

    /**
     * @param prefix readable prefix
     * @return a topic or group name no other test of this JVM (nor an earlier run against an external cluster) uses
     */
    public String uniqueName(String prefix) {
        return session().uniqueName(Objects.requireNonNull(prefix, "prefix can't be null"));
    }

    /**
     * Creates a topic (replication factor 1, or {@code -Dfreshet.test.replicationFactor}) and waits until every
     * partition's leader serves.
     *
     * @param name topic name
     * @param partitions partition count, 1 or more
     */
    public void createTopic(String name, int partitions) {
        createTopic(name, partitions, Map.of());
    }

    /**
     * Creates a topic (replication factor 1, or {@code -Dfreshet.test.replicationFactor}) and waits until every
     * partition's leader serves.
     *
     * @param name topic name
     * @param partitions partition count, 1 or more
     * @param configs topic configs, e.g. {@code Map.of("cleanup.policy", "compact")}
     */
    public void createTopic(String name, int partitions, Map<String, String> configs) {
        session().createTopic(Objects.requireNonNull(name, "name can't be null"), partitions,
            Objects.requireNonNull(configs, "configs can't be null"));
    }

    /**
     * Deletes a topic and waits until the cluster no longer lists it.
     *
     * @param name topic name
     */
    public void deleteTopic(String name) {
        session().deleteTopic(Objects.requireNonNull(name, "name can't be null"));
    }

    /**
     * Sends one record with UTF-8 key and value and waits until the cluster has acknowledged it ({@code acks=all}).
     *
     * @param topic topic
     * @param key key, or null
     * @param value value, or null (a tombstone)
     * @return where it was written
     */
    public RecordMetadata send(String topic, String key, String value) {
        return send(topic, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
            value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Sends one record and waits until the cluster has acknowledged it ({@code acks=all}).
     *
     * @param topic topic
     * @param key key bytes, or null
     * @param value value bytes, or null (a tombstone)
     * @return where it was written
     */
    public RecordMetadata send(String topic, byte[] key, byte[] value) {
        return session().send(Objects.requireNonNull(topic, "topic can't be null"), key, value);
    }

    /**
     * A new producer on this cluster with {@code acks=all}, for tests that send many records or need their own
     * serializers; the caller closes it.
     *
     * @param keySerializer key serializer
     * @param valueSerializer value serializer
     * @param <K> key type
     * @param <V> value type
     * @return a new producer
     */
    public <K, V> KafkaProducer<K, V> producer(Serializer<K> keySerializer, Serializer<V> valueSerializer) {
        Properties p = clientProperties();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(p, Objects.requireNonNull(keySerializer, "keySerializer can't be null"),
            Objects.requireNonNull(valueSerializer, "valueSerializer can't be null"));
    }

    /**
     * Stops the cluster {@link #start()} started (for the embedded broker: deletes its files). A handle sharing the
     * run's cluster in JUnit leaves it to the run's end. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (owned && session != null) {
            session.close();
        }
    }

    /** @return the mode and why it was chosen, or that the handle has no cluster yet */
    @Override
    public String toString() {
        ClusterSession s = session;
        return s == null ? "FreshetKafka[not started]"
            : "FreshetKafka[" + s.mode() + " bootstrap=" + s.bootstrapServers() + ": " + s.choice().reason() + "]";
    }
}
