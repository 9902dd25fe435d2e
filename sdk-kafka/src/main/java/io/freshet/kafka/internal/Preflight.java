package io.freshet.kafka.internal;

import io.freshet.core.spi.RowStore;
import io.freshet.kafka.OffsetMismatchException;
import io.freshet.kafka.OffsetMismatchException.Kind;
import io.freshet.kafka.PipelineException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Checks at start that each store's offsets belong to what the pipeline is about to read: the same Kafka cluster
 * (id kept in store metadata {@value #CLUSTER_KEY}), the same topics (ids kept as {@code kafka.topic.<name>.id}), and
 * positions at or above each partition's log start. Then records the ids for next time. Never seeks blindly.
 *
 * <p>Threading: called once from {@code start()}. Allocates freely.
 */
public final class Preflight {
    /** Store metadata key of the Kafka cluster id. */
    public static final String CLUSTER_KEY = "kafka.cluster.id";
    private static final long TIMEOUT_S = 30;

    private final Admin admin;
    private final String clusterId;
    private final Map<String, TopicDescription> topics;
    private final Map<TopicPartition, Long> logStart = new HashMap<>();

    /**
     * Reads the cluster id, the topics (sources and dead-letter topics) and their log start offsets.
     *
     * @param admin an admin client on the pipeline's cluster
     * @param sourceTopics topics the sets read
     * @param deadLetterTopics dead-letter topics
     */
    public Preflight(Admin admin, Set<String> sourceTopics, Set<String> deadLetterTopics) {
        this.admin = admin;
        try {
            this.clusterId = admin.describeCluster().clusterId().get(TIMEOUT_S, TimeUnit.SECONDS);
            Set<String> all = new TreeSet<>(sourceTopics);
            all.addAll(deadLetterTopics);
            this.topics = describe(all);
            Map<TopicPartition, OffsetSpec> q = new HashMap<>();
            for (String t : sourceTopics) {
                for (int p = 0; p < topics.get(t).partitions().size(); p++) {
                    q.put(new TopicPartition(t, p), OffsetSpec.earliest());
                }
            }
            for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> e
                : admin.listOffsets(q).all().get(TIMEOUT_S, TimeUnit.SECONDS).entrySet()) {
                logStart.put(e.getKey(), e.getValue().offset());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PipelineException("interrupted while reading cluster metadata", e);
        } catch (PipelineException e) {
            throw e;
        } catch (Exception e) {
            String access = AccessErrors.explain(e, "DESCRIBE", sourceTopics);
            if (access != null) {
                throw new PipelineException("cannot read cluster metadata (cluster id, topics, log start offsets): "
                    + access, AccessErrors.find(e));
            }
            throw new PipelineException("cannot read cluster metadata (cluster id, topics, log start offsets) within "
                + TIMEOUT_S + " s: " + e + "; check bootstrap.servers and the client's security settings", e);
        }
    }

    private Map<String, TopicDescription> describe(Set<String> names) throws Exception {
        Map<String, TopicDescription> out = new HashMap<>();
        List<String> missing = new ArrayList<>();
        for (String n : names) {
            try {
                out.put(n, admin.describeTopics(List.of(n)).allTopicNames().get(TIMEOUT_S, TimeUnit.SECONDS).get(n));
            } catch (ExecutionException e) {
                if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                    missing.add(n);
                } else if (AccessErrors.find(e) != null) {
                    throw new PipelineException("cannot describe topic=" + n + ": "
                        + AccessErrors.explain(e, "DESCRIBE", List.of(n)), AccessErrors.find(e));
                } else {
                    throw e;
                }
            }
        }
        if (!missing.isEmpty()) {
            throw new PipelineException("topics " + missing + " do not exist on cluster=" + clusterId
                + ": create them (source and dead-letter topics) before starting the pipeline", null);
        }
        return out;
    }

    /** @return the cluster id */
    public String clusterId() {
        return clusterId;
    }

    /**
     * @param topic a topic checked at construction
     * @return its partition count
     */
    public int partitions(String topic) {
        return topics.get(topic).partitions().size();
    }

    /**
     * Checks a set's store against the cluster.
     *
     * @param set the set (store open, topic indexes registered)
     * @return null when the store matches, else the first mismatch
     */
    public OffsetMismatchException check(SetRuntime set) {
        RowStore store = set.store;
        String storedCluster = store.metadata(CLUSTER_KEY);
        String name = set.set.name();
        if (storedCluster != null && !storedCluster.equals(clusterId)) {
            return new OffsetMismatchException(Kind.CLUSTER, "set=" + name + ": store was fed from Kafka cluster id="
                + storedCluster + " but bootstrap.servers now reaches cluster id=" + clusterId + "; its offsets mean"
                + " nothing here: point the pipeline at the old cluster, or rebuild the store"
                + " (OffsetMismatchPolicy.REBUILD, or delete it)");
        }
        for (Binding b : set.bindings) {
            TopicDescription d = topics.get(b.topic);
            String storedId = store.metadata(topicKey(b.topic));
            String id = d.topicId().toString();
            if (storedId != null && !storedId.equals(id)) {
                return new OffsetMismatchException(Kind.TOPIC, "set=" + name + " topic=" + b.topic + ": store was fed"
                    + " from topic id=" + storedId + " but the topic now has id=" + id + " (deleted and re-created);"
                    + " its offsets refer to other records: rebuild the store (OffsetMismatchPolicy.REBUILD, or"
                    + " delete it)");
            }
            for (int p = 0; p < d.partitions().size(); p++) {
                long pos;
                try {
                    pos = set.storedPosition(b.topicIndex, p);
                } catch (IllegalArgumentException e) {
                    throw new PipelineException("set=" + name + " topic=" + b.topic + " has " + d.partitions().size()
                        + " partitions, more than the store's offset table holds (" + e.getMessage() + "): raise"
                        + " StoreConfig.maxPartitions", e);
                }
                Long start = logStart.get(new TopicPartition(b.topic, p));
                if (pos >= 0 && start != null && pos < start) {
                    return new OffsetMismatchException(Kind.LOG_START, "set=" + name + " topic=" + b.topic
                        + " partition=" + p + ": store position=" + pos + " < log start offset=" + start + ": records "
                        + pos + ".." + (start - 1) + " were deleted by retention before this store applied them;"
                        + " rebuild the store (OffsetMismatchPolicy.REBUILD, or delete it)");
                }
            }
        }
        return null;
    }

    /**
     * Records the cluster and topic ids in the set's store.
     *
     * @param set the set
     */
    public void record(SetRuntime set) {
        set.store.putMetadata(CLUSTER_KEY, clusterId);
        for (Binding b : set.bindings) {
            set.store.putMetadata(topicKey(b.topic), topics.get(b.topic).topicId().toString());
        }
    }

    /**
     * @param topic topic
     * @return the metadata key of its id
     */
    public static String topicKey(String topic) {
        return "kafka.topic." + topic + ".id";
    }
}
