package io.freshet.testkit.internal;

import io.freshet.testkit.BrokerMode;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A running cluster with what tests need around it: one admin client, one acknowledged-send producer (created on
 * first {@link #send}), topic creation that waits for serving leaders, and unique names. Closing it closes the
 * clients and then the cluster.
 *
 * <p>Threading: thread-safe. Not a hot-path type: it allocates freely.
 */
public final class ClusterSession implements AutoCloseable {
    /**
     * System property giving the replication factor of the topics tests create, default 1: a managed service or a
     * multi-broker cluster reached with {@code -Dfreshet.bootstrap} may require more (e.g. 3).
     */
    public static final String REPLICATION_FACTOR_PROP_NAME = "freshet.test.replicationFactor";
    private static final long TIMEOUT_S = 60;

    private final Cluster cluster;
    private final BrokerSelection.Choice choice;
    private final Admin admin;
    private final String runId = UUID.randomUUID().toString().substring(0, 8);
    private final AtomicInteger names = new AtomicInteger();
    private final short replicationFactor;
    private KafkaProducer<byte[], byte[]> producer;
    private boolean closed;

    private ClusterSession(Cluster cluster, BrokerSelection.Choice choice, short replicationFactor) {
        this.cluster = cluster;
        this.choice = choice;
        this.replicationFactor = replicationFactor;
        this.admin = Admin.create(clientProperties());
    }

    /**
     * Starts (or connects to) the chosen cluster.
     *
     * @param choice the selection
     * @return a session; closing it stops what it started
     */
    public static ClusterSession start(BrokerSelection.Choice choice) {
        // A bad value fails before a broker starts.
        short rf = replicationFactor(System.getProperty(REPLICATION_FACTOR_PROP_NAME));
        Cluster c = Cluster.start(choice);
        try {
            return new ClusterSession(c, choice, rf);
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /**
     * Wraps a cluster the caller started (e.g. an embedded broker with extra listeners); closing the session stops
     * it.
     *
     * @param cluster a running cluster; {@link #clientProperties()} reach it at {@code cluster.bootstrapServers()}
     * @param choice why it runs, for messages
     * @return a session over it
     */
    public static ClusterSession over(Cluster cluster, BrokerSelection.Choice choice) {
        return over(cluster, choice, (short) 1);
    }

    /**
     * Wraps a cluster the caller started or names, creating topics with the given replication factor.
     *
     * @param cluster a running cluster
     * @param choice why it runs, for messages
     * @param replicationFactor replication factor of the topics {@link #createTopic} creates, 1 or more
     * @return a session over it
     */
    public static ClusterSession over(Cluster cluster, BrokerSelection.Choice choice, short replicationFactor) {
        if (replicationFactor < 1) {
            cluster.close();
            throw new IllegalArgumentException("replicationFactor=" + replicationFactor + ": give 1 or more");
        }
        try {
            return new ClusterSession(cluster, choice, replicationFactor);
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    /**
     * Reads {@value #REPLICATION_FACTOR_PROP_NAME}.
     *
     * @param value the property's value, or null (unset)
     * @return the replication factor: 1 when unset or blank
     * @throws IllegalArgumentException naming the property and the accepted values when it is not a whole number
     *     from 1 to 32767
     */
    public static short replicationFactor(String value) {
        if (value == null || value.isBlank()) {
            return 1;
        }
        int rf;
        try {
            rf = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            rf = 0;
        }
        if (rf < 1 || rf > Short.MAX_VALUE) {
            throw new IllegalArgumentException("-D" + REPLICATION_FACTOR_PROP_NAME + "=" + value + " is not a"
                + " replication factor: give a whole number from 1 (the default) to the number of brokers, e.g. 3");
        }
        return (short) rf;
    }

    /** @return the replication factor of the topics {@link #createTopic} creates */
    public short replicationFactor() {
        return replicationFactor;
    }

    /** @return why this cluster was chosen */
    public BrokerSelection.Choice choice() {
        return choice;
    }

    /** @return where the cluster runs */
    public BrokerMode mode() {
        return cluster.mode();
    }

    /** @return {@code host:port[,host:port]} */
    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    /** @return a new properties object with {@code bootstrap.servers} set */
    public Properties clientProperties() {
        Properties p = new Properties();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        return p;
    }

    /** @return the shared admin client */
    public Admin admin() {
        return admin;
    }

    /**
     * @param prefix readable prefix
     * @return {@code prefix-<run id>-<n>}, unique in this JVM and across runs against one external cluster
     */
    public String uniqueName(String prefix) {
        return prefix + "-" + runId + "-" + names.incrementAndGet();
    }

    /**
     * Creates a topic ({@link #replicationFactor()} replicas) and waits until every partition's leader serves.
     *
     * @param name topic name
     * @param partitions partition count, at least 1
     * @param configs topic configs
     */
    public void createTopic(String name, int partitions, Map<String, String> configs) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions=" + partitions + " for topic=" + name + ": give 1 or more");
        }
        try {
            admin.createTopics(List.of(new NewTopic(name, partitions, replicationFactor).configs(configs))).all()
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
        } catch (IllegalStateException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("cannot create topic=" + name + " partitions=" + partitions
                + " replicationFactor=" + replicationFactor + ": " + e + (replicationFactor == 1 ? "" : " (set by -D"
                + REPLICATION_FACTOR_PROP_NAME + "; the cluster may have fewer brokers)"), e);
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
        } catch (ExecutionException e) {
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
        Map<TopicPartition, OffsetSpec> q = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            q.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        try {
            admin.listOffsets(q).all().get(TIMEOUT_S, TimeUnit.SECONDS);
            return true;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RetriableException) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Deletes a topic and waits until the cluster no longer lists it.
     *
     * @param name topic name
     */
    public void deleteTopic(String name) {
        try {
            admin.deleteTopics(List.of(name)).all().get(TIMEOUT_S, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
            while (true) {
                Set<String> listed = admin.listTopics().names().get(TIMEOUT_S, TimeUnit.SECONDS);
                if (!listed.contains(name)) {
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
        } catch (IllegalStateException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("cannot delete topic=" + name + ": " + e, e);
        }
    }

    /**
     * Sends one record and waits for the cluster's acknowledgement ({@code acks=all}).
     *
     * @param topic topic
     * @param key key bytes, or null
     * @param value value bytes, or null (a tombstone)
     * @return where the record was written
     */
    public RecordMetadata send(String topic, byte[] key, byte[] value) {
        try {
            return producer().send(new ProducerRecord<>(topic, key, value)).get(TIMEOUT_S, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted sending to topic=" + topic, e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot send to topic=" + topic + ": " + e, e);
        }
    }

    private synchronized KafkaProducer<byte[], byte[]> producer() {
        if (closed) {
            throw new IllegalStateException("the Kafka test cluster is closed: send while the test runs");
        }
        if (producer == null) {
            Properties p = clientProperties();
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
            producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        }
        return producer;
    }

    /** Closes the clients, then stops what was started (nothing for an external cluster) and deletes its files. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (producer != null) {
                producer.close(Duration.ofSeconds(5));
            }
        }
        admin.close(Duration.ofSeconds(5));
        cluster.close();
    }
}
