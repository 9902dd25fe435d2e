package io.freshet.kafka.internal;

import io.freshet.kafka.ScaleMode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which instance serves a key: in replicated mode this one; in sharded mode the group member that owns the key's
 * partition of the set's first source topic (Kafka's default partitioner over the serialized key), found among this
 * instance's consumers or else in the group's description (cached for a second).
 *
 * <p>Threading: any thread. Allocation: per call (a partition object; a group description once a second).
 */
public final class KeyOwners {
    private static final Logger LOG = LoggerFactory.getLogger(KeyOwners.class);
    private static final long OWNER_CACHE_NS = TimeUnit.SECONDS.toNanos(1);

    private final PipelineCore core;
    private final String groupId;
    /** Partitions per source topic; grows when the partition watcher sees a topic grow (replicated mode). */
    private final Map<String, Integer> partitionsByTopic = new ConcurrentHashMap<>();
    private Admin admin;
    private Map<TopicPartition, String> owners = Map.of();
    private long ownersAtNs;

    /**
     * @param core the pipeline
     * @param groupId the consumer group (sharded mode), or null
     */
    public KeyOwners(PipelineCore core, String groupId) {
        this.core = core;
        this.groupId = groupId;
    }

    /** @return partitions per source topic (filled at start, grown by the partition watcher) */
    public Map<String, Integer> partitionsByTopic() {
        return partitionsByTopic;
    }

    /** @param admin the admin client that describes the group */
    public void admin(Admin admin) {
        this.admin = admin;
    }

    /**
     * @param topic a source topic
     * @param serializedKey the record key bytes
     * @return the partition Kafka's default partitioner picks for it
     */
    public int partitionOf(String topic, byte[] serializedKey) {
        Integer n = partitionsByTopic.get(topic);
        if (n == null) {
            throw new IllegalArgumentException("topic=" + topic + " is not a source of this pipeline");
        }
        return Utils.toPositive(Utils.murmur2(serializedKey)) % n;
    }

    /**
     * @param set the key's set
     * @param serializedKey the key as producers serialize it
     * @return the owner's instance id, or null while no member owns the partition (rebalance)
     */
    public String ownerOf(SetRuntime set, byte[] serializedKey) {
        if (core.mode() == ScaleMode.REPLICATED) {
            return core.instanceId();
        }
        String topic = set.bindings().get(0).source().topic();
        TopicPartition tp = new TopicPartition(topic, partitionOf(topic, serializedKey));
        for (IngestLoop l : core.loops()) {
            if (l.assignment().contains(tp)) {
                return core.instanceId();
            }
        }
        return remoteOwners().get(tp);
    }

    private synchronized Map<TopicPartition, String> remoteOwners() {
        long now = System.nanoTime();
        if (now - ownersAtNs < OWNER_CACHE_NS && !owners.isEmpty()) {
            return owners;
        }
        Map<TopicPartition, String> m = new HashMap<>();
        try {
            ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(groupId)).describedGroups()
                .get(groupId).get(10, TimeUnit.SECONDS);
            for (MemberDescription member : d.members()) {
                String id = member.clientId();
                int cut = id.lastIndexOf("#c");
                String instance = cut > 0 ? id.substring(0, cut) : id;
                for (TopicPartition tp : member.assignment().topicPartitions()) {
                    m.put(tp, instance);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("cannot describe group={} for key owners: {}", groupId, e.toString());
        }
        owners = m;
        ownersAtNs = now;
        return m;
    }
}
