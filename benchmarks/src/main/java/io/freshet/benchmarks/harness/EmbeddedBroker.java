package io.freshet.benchmarks.harness;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A single-node Kafka 4.3.1 KRaft cluster (one combined broker/controller) in this JVM, through Kafka's own
 * {@code KafkaClusterTestKit} (FACTS.md), for the harnesses. Logs live in a temporary directory that the kit deletes
 * on {@link #close()}.
 *
 * <p>Threading: thread-safe. Start takes ~3–4 s here.
 */
public final class EmbeddedBroker implements AutoCloseable {
    private static final long TIMEOUT_S = 60;

    private final KafkaClusterTestKit kit;
    private final String bootstrap;
    private final Admin admin;

    private EmbeddedBroker(KafkaClusterTestKit kit) {
        this.kit = kit;
        this.bootstrap = kit.bootstrapServers();
        Properties p = new Properties();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        this.admin = Admin.create(p);
    }

    /** @return a started cluster */
    public static EmbeddedBroker start() {
        KafkaClusterTestKit kit = null;
        try {
            TestKitNodes nodes = new TestKitNodes.Builder().setCombined(true).setNumBrokerNodes(1)
                .setNumControllerNodes(1).build();
            // A single node can host the offsets and transaction topics only with replication factor 1; without
            // the rebalance delay a Streams app waits 3 s for its first assignment, which restart timings include.
            kit = new KafkaClusterTestKit.Builder(nodes)
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("offsets.topic.num.partitions", "4")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("transaction.state.log.num.partitions", "4")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .setConfigProp("auto.create.topics.enable", "false")
                .build();
            kit.format();
            kit.startup();
            kit.waitForReadyBrokers();
            return new EmbeddedBroker(kit);
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

    /** @return bootstrap servers */
    public String bootstrapServers() {
        return bootstrap;
    }

    /**
     * Creates a topic and waits until every partition has a leader.
     *
     * @param name topic
     * @param partitions partition count
     * @param configs topic configs
     */
    public void createTopic(String name, int partitions, Map<String, String> configs) {
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
            create(name, partitions, configs, deadline);
            while (true) {
                if (ready(name, partitions)) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("topic=" + name + " has no leader on every partition after "
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

    /** Creates the topic, retrying the transient "unknown topic" answer a freshly started broker sometimes gives. */
    private void create(String name, int partitions, Map<String, String> configs, long deadline) throws Exception {
        while (true) {
            try {
                admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs))).all()
                    .get(TIMEOUT_S, TimeUnit.SECONDS);
                return;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof TopicExistsException) {
                    return;
                }
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
    }

    /** @return true when the topic is known with a leader on every partition; false while metadata propagates */
    private boolean ready(String name, int partitions) throws Exception {
        try {
            TopicDescription d = admin.describeTopics(List.of(name)).allTopicNames().get(TIMEOUT_S, TimeUnit.SECONDS)
                .get(name);
            return d.partitions().size() == partitions
                && d.partitions().stream().map(TopicPartitionInfo::leader).allMatch(l -> l != null);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return false;
            }
            throw e;
        }
    }

    @Override
    public void close() {
        admin.close();
        try {
            kit.close();
        } catch (Exception e) {
            System.err.println("embedded Kafka close failed: " + e);
        }
    }
}
