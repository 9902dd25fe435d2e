package io.freshet.store.internal;

import static io.freshet.core.internal.UnsafeAccess.UNSAFE;

/**
 * The meta file's applied offsets ({@link MetaFileDescriptor}, "OFFSETS"): per shard, per topic index and partition,
 * the offset of the last record whose apply committed, or {@code ShardWriter.NO_OFFSET}.
 *
 * <p>Threading: a shard's offsets are written only by its writer thread (release), read from any thread (acquire).
 * Allocation: none.
 */
public final class OffsetTable {
    private final long base;
    private final int shards;
    private final int maxTopics;
    private final int maxPartitions;
    private final int perShardBytes;

    OffsetTable(long fileAddress, MetaFileDescriptor.Geometry g) {
        this.base = fileAddress + g.offsetsOffset;
        this.shards = g.shards;
        this.maxTopics = g.maxTopics;
        this.maxPartitions = g.maxPartitions;
        this.perShardBytes = g.offsetsPerShardBytes;
    }

    private long address(int shard, int topicIndex, int partition) {
        if (shard < 0 || shard >= shards || topicIndex < 0 || topicIndex >= maxTopics || partition < 0
            || partition >= maxPartitions) {
            throw new IllegalArgumentException("shard=" + shard + " topicIndex=" + topicIndex + " partition="
                + partition + " outside shards=" + shards + " maxTopics=" + maxTopics + " maxPartitions="
                + maxPartitions);
        }
        return base + (long) shard * perShardBytes + ((long) topicIndex * maxPartitions + partition) * 8;
    }

    /**
     * @param shard shard
     * @param topicIndex topic index
     * @param partition partition
     * @return the applied offset (acquire), or NO_OFFSET
     */
    public long get(int shard, int topicIndex, int partition) {
        return UNSAFE.getLongVolatile(null, address(shard, topicIndex, partition));
    }

    /**
     * Stores an applied offset with release order: every row write before it is visible first.
     *
     * @param shard shard
     * @param topicIndex topic index
     * @param partition partition
     * @param offset the offset
     */
    public void put(int shard, int topicIndex, int partition, long offset) {
        UNSAFE.putOrderedLong(null, address(shard, topicIndex, partition), offset);
    }
}
