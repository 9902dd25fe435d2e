package io.freshet.kafka.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Apache Kafka 4.3.1 cluster for tests: one combined KRaft node (broker and controller) in this JVM through
 * Kafka's own {@code KafkaClusterTestKit}, or, with {@value #BOOTSTRAP_PROP_NAME} set, a handle on an external
 * cluster. Usable outside JUnit (the examples start one for the demo); JUnit tests use {@link KafkaBrokerExtension},
 * which shares one instance per JVM.
 *
 * <p>Threading: thread-safe. Start takes 3–4 s here, close under 1 s.
 */
public final class EmbeddedKafkaBroker implements KafkaBroker, AutoCloseable {
    /** System property naming an external cluster ({@code host:port}) to use instead of the in-JVM broker. */
    public static final String BOOTSTRAP_PROP_NAME = "freshet.bootstrap";
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
    private static final long TIMEOUT_S = 60;

    private final KafkaClusterTestKit cluster;
    private final String bootstrap;
    private final Admin admin;
    private final String runId = UUID.randomUUID().toString().substring(0, 8);
    private final AtomicInteger names = new AtomicInteger();
    private static final AtomicInteger EMBEDDED_STARTS = new AtomicInteger();

    private EmbeddedKafkaBroker(KafkaClusterTestKit cluster, String bootstrap) {
        this.cluster = cluster;
        this.bootstrap = bootstrap;
        Properties p = new Properties();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        this.admin = Admin.create(p);
    }

    /**
     * Starts the in-JVM broker, or connects to the cluster named by {@value #BOOTSTRAP_PROP_NAME} when set.
     *
     * @return a running cluster
     */
    public static EmbeddedKafkaBroker start() {
        String external = System.getProperty(BOOTSTRAP_PROP_NAME, "").trim();
        if (!external.isEmpty()) {
            LOG.info("using external Kafka cluster bootstrap={}", external);
            return external(external);
        }
        return startEmbedded();
    }

    /**
     * A handle on a running cluster this JVM did not start (e.g. a broker in a child JVM): topics and admin only;
     * {@link #close()} closes the admin client and leaves the cluster running.
     *
     * @param bootstrap {@code host:port[,host:port]}
     * @return a handle with {@link #embedded()} false
     */
    public static EmbeddedKafkaBroker external(String bootstrap) {
        if (bootstrap == null || bootstrap.isBlank()) {
            throw new IllegalArgumentException("bootstrap=" + bootstrap + " is empty: give host:port");
        }
        return new EmbeddedKafkaBroker(null, bootstrap.trim());
    }

    /** @return a new in-JVM single-node KRaft cluster, ignoring {@value #BOOTSTRAP_PROP_NAME} */
    public static EmbeddedKafkaBroker startEmbedded() {
        long t0 = System.nanoTime();
        KafkaClusterTestKit kit = null;
        try {
            TestKitNodes nodes = new TestKitNodes.Builder()
                .setCombined(true)
                .setNumBrokerNodes(1)
                .setNumControllerNodes(1)
                .build();
            // Without these three a single node cannot host the offsets and transaction-state topics: group
            // consumers and transactional producers then hang.
            kit = new KafkaClusterTestKit.Builder(nodes)
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("offsets.topic.num.partitions", "4")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("transaction.state.log.num.partitions", "4")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .setConfigProp("auto.create.topics.enable", "false")
                .build();
            EMBEDDED_STARTS.incrementAndGet();
            kit.format();
            kit.startup();
            kit.waitForReadyBrokers();
            EmbeddedKafkaBroker b = new EmbeddedKafkaBroker(kit, kit.bootstrapServers());
            LOG.info("embedded Kafka ready bootstrap={} in {} ms", b.bootstrap,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            return b;
        } catch (Exception e) {
            if (kit != null) {
                try {
                    kit.close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw new IllegalStateException("embedded Kafka failed to start: " + e, e);
        }
    }

    /** @return how many in-JVM clusters this JVM has started (tests assert the extension shares one) */
    public static int embeddedStarts() {
        return EMBEDDED_STARTS.get();
    }

    @Override
    public String bootstrapServers() {
        return bootstrap;
    }

    @Override
    public boolean embedded() {
        return cluster != null;
    }

    @Override
    public Properties clientProperties() {
        Properties p = new Properties();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return p;
    }

    @Override
    public Admin admin() {
        return admin;
    }

    @Override
    public String uniqueName(String prefix) {
        return prefix + "-" + runId + "-" + names.incrementAndGet();
    }

    @Override
    public void createTopic(String name, int partitions, String... configs) {
        if (configs.length % 2 != 0) {
            throw new IllegalArgumentException("configs must be key, value pairs; got " + configs.length + " strings");
        }
        Map<String, String> c = new HashMap<>();
        for (int i = 0; i < configs.length; i += 2) {
            c.put(configs[i], configs[i + 1]);
        }
        try {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(c))).all()
                .get(TIMEOUT_S, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
            while (!allLeadersElected(name, partitions) || !leadersServe(name, partitions)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("topic=" + name + " has no leader for every partition after "
                        + TIMEOUT_S + " s");
                }
                Thread.sleep(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted creating topic=" + name, e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create topic=" + name + " partitions=" + partitions + ": " + e, e);
        }
    }

    private boolean allLeadersElected(String topic, int partitions) throws Exception {
        try {
            TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(TIMEOUT_S, TimeUnit.SECONDS)
                .get(topic);
            if (d.partitions().size() != partitions) {
                return false;
            }
            for (TopicPartitionInfo p : d.partitions()) {
                if (p.leader() == null || p.leader().isEmpty()) {
                    return false;
                }
            }
            return true;
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return false;
            }
            throw e;
        }
    }

    /**
     * A leader listed in metadata may not serve yet: producing then fails with NOT_LEADER_OR_FOLLOWER and an
     * idempotent producer can stay stuck in OUT_OF_ORDER_SEQUENCE_NUMBER retries. ListOffsets goes to the leader.
     */
    private boolean leadersServe(String topic, int partitions) throws Exception {
        Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> q = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            q.put(new org.apache.kafka.common.TopicPartition(topic, p),
                org.apache.kafka.clients.admin.OffsetSpec.latest());
        }
        try {
            admin.listOffsets(q).all().get(TIMEOUT_S, TimeUnit.SECONDS);
            return true;
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.RetriableException) {
                return false;
            }
            throw e;
        }
    }

    @Override
    public void deleteTopic(String name) {
        try {
            admin.deleteTopics(List.of(name)).all().get(TIMEOUT_S, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
            while (true) {
                Set<String> names = admin.listTopics().names().get(TIMEOUT_S, TimeUnit.SECONDS);
                if (!names.contains(name)) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("topic=" + name + " still listed " + TIMEOUT_S + " s after delete");
                }
                Thread.sleep(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted deleting topic=" + name, e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot delete topic=" + name + ": " + e, e);
        }
    }

    /** @return the names of topics this run created that still exist (for diagnostics) */
    List<String> topicsOfThisRun() throws Exception {
        List<String> out = new ArrayList<>();
        for (String n : admin.listTopics().names().get(TIMEOUT_S, TimeUnit.SECONDS)) {
            if (n.contains(runId)) {
                out.add(n);
            }
        }
        return out;
    }

    /** Closes the admin client and, for the in-JVM broker, stops it and deletes its files. */
    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
        if (cluster != null) {
            try {
                cluster.close();
            } catch (Exception e) {
                LOG.warn("embedded Kafka did not close cleanly: {}", e.toString());
            }
        }
    }
}
