package io.freshet.benchmarks;

import io.freshet.benchmarks.peers.KeySequence;
import io.freshet.core.StoreConfig;
import io.freshet.core.StoreGrowth;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.ShardWriter;
import io.freshet.store.chronicle.ChronicleStoreEngine;
import java.io.IOException;
import java.nio.file.Path;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;

/**
 * What {@link ChronicleReadRatio} and {@link ChronicleApplyRatio} compare: the Chronicle engine and a raw Chronicle
 * Map of the same entries, row size and map configuration as {@link ChronicleStoreBenchmark}, both filled with
 * {@code keyOf(0..keys-1)}, plus the key sequence pre-boxed for the raw map. Single-threaded; files under
 * {@code /dev/shm} unless {@code -Dfreshet.bench.dir} says otherwise, deleted by {@link #close()}.
 */
final class ChronicleRatioFixture implements AutoCloseable {
    final KeySequence sequence;
    final Long[] boxed;
    final RowStore store;
    final ShardWriter writer;
    final ChronicleMap<Long, byte[]> raw;
    /** A raw value of the row's size, for the caller to reuse. */
    final byte[] value = new byte[ChronicleStoreBenchmark.ROW_BYTES];
    private final Path engineDir;
    private final Path rawDir;

    ChronicleRatioFixture(String name, int keys, String distribution) throws IOException {
        sequence = KeySequence.of(distribution, keys, 42);
        boxed = new Long[sequence.length()];
        for (int i = 0; i < boxed.length; i++) {
            boxed[i] = sequence.key(i);
        }
        engineDir = ChronicleStoreBenchmark.newDir(name + "-engine");
        rawDir = ChronicleStoreBenchmark.newDir(name + "-raw");
        store = new ChronicleStoreEngine().open(StoreConfig.builder(ChronicleStoreBenchmark.SET)
            .directory(engineDir.resolve("s")).capacity(keys).growth(StoreGrowth.disabled()).shards(1).build());
        raw = ChronicleMapBuilder.of(Long.class, byte[].class).entries(keys).maxBloatFactor(4.0)
            .constantValueSizeBySample(new byte[ChronicleStoreBenchmark.ROW_BYTES]).checksumEntries(true)
            .createPersistedTo(rawDir.resolve("raw.cmap").toFile());
        writer = store.writer(0);
        for (long i = 0; i < keys; i++) {
            writer.begin(KeySequence.keyOf(i), ShardWriter.NO_SOURCE, 0, 0);
            writer.commit();
            raw.put(KeySequence.keyOf(i), value);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            raw.close();
            store.close();
        } finally {
            ChronicleStoreBenchmark.deleteTree(engineDir);
            ChronicleStoreBenchmark.deleteTree(rawDir);
        }
    }
}
