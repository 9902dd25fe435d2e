package io.freshet.kafka;

/** How several serving JVMs split a topic. */
public enum ScaleMode {
    /** Every instance consumes every partition (manual assignment, no group): every key is local everywhere. */
    REPLICATED,
    /**
     * Instances share the partitions through a consumer group ({@code group.id} required); a key lives on the
     * instance that owns its partition, see {@code FeaturePipeline.keyOwner}.
     */
    SHARDED
}
