package io.freshet.kafka;

/**
 * What a {@link Source} does with a tombstone: a record whose value is null (Kafka's convention for "this key is
 * gone", kept by log compaction until {@code delete.retention.ms}).
 */
public enum TombstonePolicy {
    /**
     * A tombstone is a bad record ({@link BadRecordReason#TOMBSTONE}) handled by the source's {@link BadRecordPolicy}.
     * The default.
     */
    BAD_RECORD,
    /**
     * A tombstone deletes the row of the entity its Kafka key names, through the shard's single writer, exactly once
     * (the delete and the tombstone's offset are one step of the store's undo protocol). The Kafka key is read as the
     * producers of {@code FeaturePipeline.keyOwner} are assumed to write it: for a set with a LONG key, the 8 bytes of
     * Kafka's {@code LongSerializer} (big-endian); for a TEXT key, the UTF-8 bytes of {@code StringSerializer}. A
     * tombstone whose key is null or does not read so is a bad record ({@link BadRecordReason#NULL_KEY} or
     * {@link BadRecordReason#KEY_INVALID}). A tombstone of a key without a row changes nothing but the offset.
     */
    DELETE
}
