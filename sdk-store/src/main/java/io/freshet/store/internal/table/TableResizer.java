package io.freshet.store.internal.table;

import static io.freshet.core.internal.Memory.MEMORY;

import io.freshet.core.KeyType;
import io.freshet.core.StoreConfig;
import io.freshet.core.StoreException;
import io.freshet.core.StoreException.Reason;
import io.freshet.core.internal.CoreInternals;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.ShardWriter;
import io.freshet.store.internal.MetaFileDescriptor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;

/**
 * The offline resize tool: copies a table store (rows, applied offsets, topics, metadata) into a new store of
 * another capacity. The source is opened for writing (so it is locked, and recovered if its writer was killed) and
 * left unchanged; the shard count stays the same, so every key keeps its shard and every stored offset stays true.
 *
 * <p>Internal. Single-threaded; allocates freely (an offline tool).
 */
public final class TableResizer {
    private TableResizer() {
    }

    /**
     * @param source the store to copy, as it was created
     * @param target an absent or empty directory for the new store
     * @param newCapacity rows of the new store
     * @return number of rows copied
     * @throws StoreException FULL when the rows do not fit, IO when the target already holds a store
     */
    public static long resize(StoreConfig source, Path target, long newCapacity) {
        if (Files.exists(target.resolve(MetaFileDescriptor.FILE_NAME), LinkOption.NOFOLLOW_LINKS)) {
            throw new StoreException(Reason.IO, target, "the target directory already holds a store; resize into a "
                + "new directory");
        }
        StoreConfig dstConfig = CoreInternals.storeConfigBuilder(source.layout()).directory(target)
            .capacity(newCapacity)
            .shards(source.shards()).maxKeyBytes(source.maxKeyBytes()).maxTopics(source.maxTopics())
            .maxPartitions(source.maxPartitions()).growth(io.freshet.core.StoreGrowth.disabled())
            .rowChecks(source.rowChecks()).build();
        long copied = 0;
        try (TableStore src = TableStore.open(source); TableStore dst = TableStore.open(dstConfig)) {
            // A growth the source was in the middle of is finished first, so that its rows are in one generation.
            src.completeGrowth();
            for (Map.Entry<Integer, String> t : src.topics().entrySet()) {
                int idx = dst.topicIndex(t.getValue());
                if (idx != t.getKey()) {
                    throw new StoreException(Reason.CORRUPT, source.directory(), "topic=" + t.getValue() + " has index="
                        + t.getKey() + " in the source but " + idx + " in the copy: the source topic table has gaps");
                }
            }
            for (Map.Entry<String, String> m : src.allMetadata().entrySet()) {
                if (!TableStore.STORE_ID_KEY.equals(m.getKey()) && !TableStore.LAYOUT_KEY.equals(m.getKey())
                    && !TableStore.GROWTH_HISTORY_KEY.equals(m.getKey())
                    && !MetaFileDescriptor.DEFINITION_KEY.equals(m.getKey())) {
                    dst.putMetadata(m.getKey(), m.getValue());
                }
            }
            TableFormat f = src.format();
            boolean text = source.layout().keyType() == KeyType.TEXT;
            int rowBytes = f.rowSizeBytes;
            RowBuffer srcRow = new RowBuffer();
            for (int s = 0; s < f.shards; s++) {
                Shard sh = src.shard(s);
                ShardWriter w = dst.writer(s);
                for (long p = 0; p < sh.entries; p++) {
                    if (sh.entryAt(p) == 0) {
                        continue;
                    }
                    long a = sh.slotAddress(sh.slotAt(p));
                    int r;
                    if (text) {
                        int len = MEMORY.getInt(sh.rowMem(), a + TableFormat.S_KEY);
                        byte[] b = new byte[len];
                        MEMORY.copyToBytes(sh.rowMem(), a + TableFormat.S_KEY + 8, b, 0, len);
                        r = w.begin(new String(b, StandardCharsets.UTF_8), ShardWriter.NO_SOURCE, 0, 0);
                    } else {
                        r = w.begin(MEMORY.getLong(sh.rowMem(), a + TableFormat.S_KEY), ShardWriter.NO_SOURCE, 0, 0);
                    }
                    if (r != ShardWriter.BEGIN_OK) {
                        throw new StoreException(Reason.FULL, target, "newCapacity=" + newCapacity + " holds fewer "
                            + "rows than shard=" + s + " of the source (" + sh.count() + " rows): choose a larger one");
                    }
                    w.row().copyFrom(srcRow.wrap(sh.rowMem(), a + sh.rowOffset, rowBytes), rowBytes);
                    w.commit();
                    copied++;
                }
                for (int t = 0; t < source.maxTopics(); t++) {
                    for (int part = 0; part < source.maxPartitions(); part++) {
                        long off = src.meta().offsets().get(s, t, part);
                        if (off != ShardWriter.NO_OFFSET) {
                            w.advanceOffset(t, part, off);
                        }
                    }
                }
            }
        }
        return copied;
    }
}
