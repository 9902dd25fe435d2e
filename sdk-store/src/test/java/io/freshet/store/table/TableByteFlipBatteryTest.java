package io.freshet.store.table;

import io.freshet.core.spi.StoreEngine;
import io.freshet.store.AbstractByteFlipBatteryTest;
import io.freshet.store.TableStoreEngine;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;

/**
 * Issue 21's byte-flip battery on the table engine's meta file and data file, clean and killed; with row checks, a
 * killed store's data file too.
 */
class TableByteFlipBatteryTest extends AbstractByteFlipBatteryTest {
    @Override
    protected StoreEngine engine() {
        return new TableStoreEngine();
    }

    @Override
    protected boolean supportsRowChecks() {
        return true;
    }

    @Override
    protected String dataFileName() {
        return "table.fst";
    }

    /**
     * Every byte of slot 0 of shard 1 (key, row, padding and check word), and the first byte of every 8-byte word of
     * slot 0 of shard 0 (the slot of the apply in flight at the kill, or beside it): rows the stream certainly wrote.
     * Each case copies and opens a store; every byte of both slots would double the battery's time.
     */
    @Override
    protected long[] rowCheckSlots(Path store) throws IOException {
        ByteBuffer h = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(store.resolve(dataFileName()))) {
            ch.read(h, 0);
        }
        int shards = h.getInt(32);
        int slotBytes = h.getInt(48);
        long rowsOffset = h.getLong(120);
        long rowsPerShard = h.getLong(128);
        return LongStream.range(0, shards).flatMap(s -> LongStream.range(0, slotBytes)
            .filter(i -> s == 1 || i % 8 == 0).map(i -> rowsOffset + s * rowsPerShard + i)).toArray();
    }

    /**
     * Per shard, the first four entries that sit inside a cluster (another entry follows) and the first four that end
     * one: zeroing the former leaves the keys after it unreachable, the latter leaves only its own key unnamed.
     */
    @Override
    protected long[][] indexEntriesToZero(Path store) throws IOException {
        ByteBuffer h = header(store);
        int shards = h.getInt(32);
        long entries = h.getLong(64);
        long indexOffset = h.getLong(104);
        long indexBytesPerShard = h.getLong(112);
        List<long[]> picked = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(store.resolve(dataFileName()))) {
            for (int s = 0; s < shards; s++) {
                ByteBuffer index = ByteBuffer.allocate((int) (entries * 4)).order(ByteOrder.LITTLE_ENDIAN);
                long at = indexOffset + s * indexBytesPerShard;
                ch.read(index, at);
                int inside = 0;
                int ends = 0;
                for (int p = 0; p < entries; p++) {
                    boolean followed = index.getInt((int) ((p + 1) % entries) * 4) != 0;
                    if (index.getInt(p * 4) != 0 && (followed ? inside++ < 4 : ends++ < 4)) {
                        picked.add(new long[] {at + p * 4L, 4});
                    }
                }
            }
        }
        return picked.toArray(long[][]::new);
    }

    /** Every byte of every shard's control words (count, structVersion, shiftHole, growth words). */
    @Override
    protected long[] controlWordBytes(Path store) throws IOException {
        ByteBuffer h = header(store);
        int shards = h.getInt(32);
        long controlOffset = h.getLong(72);
        return LongStream.range(0, shards).flatMap(s -> LongStream.range(0, 56).map(i -> controlOffset + s * 64 + i))
            .toArray();
    }

    private ByteBuffer header(Path store) throws IOException {
        ByteBuffer h = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(store.resolve(dataFileName()))) {
            ch.read(h, 0);
        }
        return h;
    }
}
