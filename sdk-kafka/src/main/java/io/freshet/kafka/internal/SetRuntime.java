package io.freshet.kafka.internal;

import io.freshet.core.FeatureReader;
import io.freshet.core.FeatureSet;
import io.freshet.core.KeyType;
import io.freshet.core.StoreConfig;
import io.freshet.core.internal.CoreInternals;
import io.freshet.core.internal.ServedAges;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.StoreEngine;
import java.util.ArrayList;
import java.util.List;

/**
 * A feature set inside a running pipeline: its store (opened by the pipeline from an engine and a config, or given
 * by the caller), its sources and its reader. The store reference is replaced only before threads start (a
 * rebuild at start).
 */
public final class SetRuntime {
    final int index;
    final FeatureSet<?> set;
    final boolean longKey;
    final StoreEngine engine;
    final StoreConfig config;
    final List<Binding> bindings = new ArrayList<>();
    /** How full the store is: shards waiting for room, the fill warning. */
    final StoreFillWatch fill;
    volatile RowStore store;
    /** The pipeline stopped feeding this set ({@link PipelineCore#stopFeeding}); its bindings are detached. */
    volatile boolean detached;
    volatile FeatureReader reader;
    /** Where the reader records served ages while a metrics binder observes the set; null otherwise. */
    private ServedAges servedAges;
    int shards;

    /**
     * @param index position in the pipeline
     * @param set the feature set
     * @param store an opened store (caller-owned), or null when {@code engine} and {@code config} are given
     * @param engine engine to open the store with, or null
     * @param config store options, or null
     */
    public SetRuntime(int index, FeatureSet<?> set, RowStore store, StoreEngine engine, StoreConfig config) {
        this.index = index;
        this.set = set;
        this.longKey = set.keyType() == KeyType.LONG;
        this.store = store;
        this.engine = engine;
        this.config = config;
        this.fill = new StoreFillWatch(set.name());
    }

    /** @return how full the set's store is (shards waiting for room, the fill warning) */
    public StoreFillWatch fill() {
        return fill;
    }

    /** @return position in the pipeline */
    public int index() {
        return index;
    }

    /** Deletes the closed store's files through its engine, for a rebuild (pipeline-owned stores only). */
    void destroyStore() {
        engine.destroy(config);
    }

    /** @return a newly opened store from the engine and config (pipeline-owned stores only) */
    public RowStore storeEngineOpen() {
        return engine.open(config);
    }

    /** @return the store config, or null for caller-owned stores */
    public StoreConfig storeConfig() {
        return config;
    }

    /** @param r the reader of this set's store */
    public synchronized void setReader(FeatureReader r) {
        if (servedAges != null) {
            CoreInternals.recordServedAges(r, servedAges);
        }
        this.reader = r;
    }

    /**
     * Starts recording the age of what the set's reader returns and how long each read takes, now and in any reader
     * made later (idempotent).
     *
     * @return the recorder
     */
    public synchronized ServedAges recordServedAges() {
        if (servedAges == null) {
            servedAges = new ServedAges(true);
            if (reader != null) {
                CoreInternals.recordServedAges(reader, servedAges);
            }
        }
        return servedAges;
    }

    /** @param ages stops recording into it, when it is the installed recorder */
    public synchronized void stopServedAges(ServedAges ages) {
        if (servedAges == ages && ages != null) {
            servedAges = null;
            if (reader != null) {
                CoreInternals.recordServedAges(reader, null);
            }
        }
    }

    /** @return true once the pipeline stopped feeding this set while running (a retired migration source) */
    public boolean detached() {
        return detached;
    }

    /** @return the feature set */
    public FeatureSet<?> featureSet() {
        return set;
    }

    /** @return true when the pipeline opened the store and closes it */
    public boolean ownsStore() {
        return engine != null;
    }

    /** @return the store (null before start for pipeline-owned stores) */
    public RowStore store() {
        return store;
    }

    /** @return the reader (null before start) */
    public FeatureReader reader() {
        return reader;
    }

    /** @return the set's sources */
    public List<Binding> bindings() {
        return bindings;
    }

    /**
     * Uses an open store: records its shard count and registers the sources' topics in its offset table.
     *
     * @param opened the open store
     */
    public void bindStore(RowStore opened) {
        this.store = opened;
        this.shards = opened.shardCount();
        this.fill.bind(shards);
        for (Binding b : bindings) {
            b.topicIndex = opened.topicIndex(b.topic);
        }
    }

    Binding addBinding(int globalIndex, io.freshet.kafka.Source<?> source) {
        Binding b = new Binding(globalIndex, this, source);
        bindings.add(b);
        return b;
    }

    /**
     * Stored position of a partition: min over shards of applied offset + 1 (0 for a shard with none).
     *
     * @param topicIndex topic index in the store
     * @param partition partition
     * @return the position, or -1 when no shard has applied anything of the partition
     */
    long storedPosition(int topicIndex, int partition) {
        RowStore s = store;
        long pos = Long.MAX_VALUE;
        boolean any = false;
        for (int shard = 0; shard < shards; shard++) {
            long a = s.appliedOffset(shard, topicIndex, partition);
            if (a >= 0) {
                any = true;
            }
            pos = Math.min(pos, a + 1);
        }
        return any ? pos : -1;
    }

    /**
     * Where the store stands on a source partition: min over shards of applied offset + 1.
     *
     * @param topic a source topic of the set
     * @param partition partition
     * @return the position, or -1 when nothing of the partition was applied (or the topic is not a source)
     */
    public long position(String topic, int partition) {
        for (Binding b : bindings) {
            if (b.topic.equals(topic)) {
                return storedPosition(b.topicIndex, partition);
            }
        }
        return -1;
    }

    /** @return true when the shard has applied (or skipped past) the offset */
    boolean shardPast(int shard, int topicIndex, int partition, long offset) {
        return store.appliedOffset(shard, topicIndex, partition) >= offset;
    }

    /**
     * @return true when every shard has applied (or skipped past) the offset: the record is a replay
     */
    boolean allShardsPast(int topicIndex, int partition, long offset) {
        RowStore s = store;
        for (int shard = 0; shard < shards; shard++) {
            if (s.appliedOffset(shard, topicIndex, partition) < offset) {
                return false;
            }
        }
        return true;
    }
}
