package io.freshet.kafka.internal;

import io.freshet.core.FeatureSet;
import io.freshet.kafka.BadRecordPolicy;
import io.freshet.kafka.RecordDecoder;
import io.freshet.kafka.Source;
import io.freshet.kafka.TombstonePolicy;

/**
 * One source of one feature set, compiled for the hot path: typed references erased to {@code Object} once, so the
 * loops call the user's decoder and extractors without casts per record. Immutable after start (the topic index
 * is set once the store is open).
 */
public final class Binding {
    final int index;
    final SetRuntime set;
    final Source<?> source;
    final String topic;
    final RecordDecoder<Object> decoder;
    final FeatureSet<Object> featureSet;
    final BadRecordPolicy policy;
    final int maxRecordBytes;
    final long maxEventAgeMs;
    final boolean longKey;
    /** A tombstone deletes the row of its Kafka key's entity ({@code TombstonePolicy.DELETE}). */
    final boolean deleteOnTombstone;
    int topicIndex;
    /**
     * The set's feeding stopped ({@link FeedStops}): the loops skip this binding. Plain: the loops read it after the
     * volatile read of {@link FeedStops}' request count that follows its write.
     */
    boolean detached;

    @SuppressWarnings("unchecked")
    Binding(int index, SetRuntime set, Source<?> source) {
        this.index = index;
        this.set = set;
        this.source = source;
        this.topic = source.topic();
        this.decoder = (RecordDecoder<Object>) source.decoder();
        this.featureSet = (FeatureSet<Object>) set.set;
        this.policy = source.policy();
        this.maxRecordBytes = source.maxRecordBytes();
        this.maxEventAgeMs = source.maxEventAgeMs();
        this.longKey = set.longKey;
        this.deleteOnTombstone = source.tombstonePolicy() == TombstonePolicy.DELETE;
    }

    /** @return the source topic */
    public String topic() {
        return topic;
    }

    /** @return the source */
    public Source<?> source() {
        return source;
    }

    /** @return the feature set's runtime */
    public SetRuntime set() {
        return set;
    }
}
