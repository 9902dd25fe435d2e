package io.freshet.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.StoreConfig;
import io.freshet.core.StoreException;
import io.freshet.core.StoreException.Reason;
import io.freshet.core.StoreOpenState;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.ShardWriter;
import io.freshet.core.spi.StoreEngine;
import io.freshet.store.internal.MetaFileDescriptor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The holes issue 21 found, one test each, on every persistent engine: an unchecked lifecycle (state, open
 * generation), a missing meta file, an applied offset changed after a kill (and the one change a kill may
 * legitimately leave), a read-only open beside a writer, a format-1 meta file. Every persistent engine extends this
 * and passes it unchanged.
 */
public abstract class AbstractStoreIntegrityTest {
    private static final int PARTITIONS = 2;

    /** A temporary directory per test, for the stores and their copies. */
    @TempDir
    protected Path dir;

    /** @return the engine under test */
    protected abstract StoreEngine engine();

    /**
     * @param store a store directory
     * @return the options every test here opens {@code store} with
     */
    protected static StoreConfig config(Path store) {
        return StoreConfig.builder(CrashStream.SET).directory(store).shards(2).capacity(500).maxTopics(2)
            .maxPartitions(4).build();
    }

    /**
     * @param engine the engine
     * @return a store of that engine, filled with 100 keys and closed cleanly
     */
    protected final Path cleanStore(StoreEngine engine) {
        Path p = dir.resolve("store");
        try (RowStore s = engine.open(config(p))) {
            fill(s);
        }
        return p;
    }

    /**
     * @param s an open store, written to by the calling thread
     */
    protected static void fill(RowStore s) {
        new CrashStream(7, PARTITIONS, 100, 100).run(s, Long.MAX_VALUE);
    }

    /**
     * A killed store with an apply in flight on shard 0 (topic index 0, partition 0, offset 1000): a copy of the
     * store's files taken while that apply is open, which is what a kill -9 at that instant leaves on disk (the
     * mappings are shared, so the copy reads what the writer wrote). The original is then aborted and closed
     * normally, so that nothing of it stays open in this JVM: an abandoned Chronicle map keeps its query context, and
     * Chronicle's close-on-exit hook then waits on it until surefire kills the fork (30 s).
     */
    private Path killedStore(StoreEngine engine) {
        Path p = dir.resolve("store");
        Path copy;
        try (RowStore s = engine.open(config(p))) {
            fill(s);
            assertThat(s.topicIndex(CrashStream.TOPIC)).isZero();
            long key = 0;
            while (s.shardOf(key) != 0) {
                key++;
            }
            ShardWriter w = s.writer(0);
            assertThat(w.begin(key, 0, 0, 1_000)).isEqualTo(ShardWriter.BEGIN_OK);
            copy = StoreCopies.copy(p, dir.resolve("killed"));
            w.abort();
        }
        return copy;
    }

    /**
     * @param store a store directory
     * @return its meta file
     */
    protected static Path meta(Path store) {
        return store.resolve(MetaFileDescriptor.FILE_NAME);
    }

    private static ByteBuffer header(Path store) throws IOException {
        ByteBuffer h = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(meta(store))) {
            ch.read(h, 0);
        }
        return h;
    }

    /**
     * Writes a little-endian long into a file.
     *
     * @param file the file
     * @param position byte position
     * @param value the value
     * @throws IOException when the file cannot be written
     */
    protected static void putLong(Path file, long position, long value) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value), position);
        }
    }

    /** File position of the applied offset of (shard, topic index 0, partition). */
    private static long offsetEntry(Path store, int shard, int partition) throws IOException {
        ByteBuffer h = header(store);
        int shards = h.getInt(36);
        int perShard = (h.getInt(52) * h.getInt(56) * 16 + 63) & -64;
        return 4096L + (long) shards * h.getInt(60) + (long) shard * perShard + partition * 16L;
    }

    /**
     * @param engine the engine
     * @param config options of a store that {@code engine} must refuse
     * @return the refusal
     */
    protected static StoreException refusal(StoreEngine engine, StoreConfig config) {
        try (RowStore s = engine.open(config)) {
            throw new AssertionError("opened " + s.openState() + " with " + s.size() + " rows");
        } catch (StoreException e) {
            return e;
        }
    }

    @Test
    void aLifecycleDamagedInBothCopiesIsRefusedNeverReset() throws IOException {
        StoreEngine engine = engine();
        Path store = cleanStore(engine);
        // The silent reset: the open generation zeroed (at 264 in format 1; in both lifecycle copies now).
        putLong(meta(store), 256 + 16, 0);
        putLong(meta(store), 320 + 16, 0);
        StoreException e = refusal(engine, config(store));
        assertThat(e.reason()).isEqualTo(Reason.CORRUPT);
        assertThat(e.getMessage()).contains(MetaFileDescriptor.FILE_NAME).contains("lifecycle");
    }

    @Test
    void aStateWordDamagedInOneCopyFallsBackToThePreviousStepWithEveryRowIntact() throws IOException {
        StoreEngine engine = engine();
        Path store = cleanStore(engine);
        long rows;
        try (RowStore s = engine.open(config(store))) {
            rows = s.size();
        }
        for (int copy : new int[] {256, 320}) {
            Path c = StoreCopies.copy(store, dir.resolve("copy" + copy));
            putLong(meta(c), copy + 8, 0x5b);
            try (RowStore s = engine.open(config(c))) {
                assertThat(s.openState()).isIn(StoreOpenState.CLEAN, StoreOpenState.RECOVERED);
                assertThat(s.size()).isEqualTo(rows);
            }
        }
    }

    @Test
    void aDataFileWithoutItsMetaFileIsRefusedAndLeftAlone() throws IOException {
        StoreEngine engine = engine();
        Path store = cleanStore(engine);
        Files.delete(meta(store));
        List<Path> before = Files.list(store).sorted().toList();
        StoreException e = refusal(engine, config(store));
        assertThat(e.reason()).isEqualTo(Reason.INCOMPLETE);
        assertThat(e.getMessage()).contains(MetaFileDescriptor.FILE_NAME);
        assertThat(Files.exists(meta(store))).as("not re-created").isFalse();
        assertThat(Files.list(store).sorted().toList()).isEqualTo(before);
    }

    @Test
    void anAppliedOffsetChangedAfterAKillIsRefusedNamingItsPartition() throws IOException {
        StoreEngine engine = engine();
        Path store = killedStore(engine);
        putLong(meta(store), offsetEntry(store, 1, 1), 57);
        StoreException e = refusal(engine, config(store));
        assertThat(e.reason()).isEqualTo(Reason.CORRUPT);
        assertThat(e.getMessage()).contains("shard=1").contains("partition=1");
    }

    @Test
    void anOffsetWhoseCheckAKillLeftUnwrittenIsTheCompletedApply() throws IOException {
        StoreEngine engine = engine();
        Path store = killedStore(engine);
        // Killed between the offset store and its check: the in-flight apply (offset 1000) had completed.
        putLong(meta(store), offsetEntry(store, 0, 0), 1_000);
        try (RowStore s = engine.open(config(store))) {
            assertThat(s.openState()).isEqualTo(StoreOpenState.RECOVERED);
            assertThat(s.appliedOffset(0, 0, 0)).isEqualTo(1_000);
        }
        try (RowStore s = engine.open(config(store))) {
            assertThat(s.openState()).as("the check was written by the recovery").isEqualTo(StoreOpenState.CLEAN);
            assertThat(s.appliedOffset(0, 0, 0)).isEqualTo(1_000);
        }
    }

    @Test
    void anOffsetTornOtherThanByTheInFlightApplyIsRefused() throws IOException {
        StoreEngine engine = engine();
        Path store = killedStore(engine);
        putLong(meta(store), offsetEntry(store, 0, 0), 999);
        StoreException e = refusal(engine, config(store));
        assertThat(e.reason()).isEqualTo(Reason.CORRUPT);
        assertThat(e.getMessage()).contains("shard=0").contains("partition=0");
    }

    @Test
    void aReadOnlyOpenBesideALiveWriterSaysSo() {
        StoreEngine engine = engine();
        Path store = cleanStore(engine);
        try (RowStore w = engine.open(config(store))) {
            StoreConfig readOnly = StoreConfig.builder(CrashStream.SET).directory(store).shards(2).capacity(500)
                .maxTopics(2).maxPartitions(4).readOnly(true).build();
            try (RowStore r = engine.open(readOnly)) {
                assertThat(r.openState()).isEqualTo(StoreOpenState.LIVE_WRITER);
                assertThat(r.size()).isEqualTo(w.size());
                RowBuffer a = RowBuffer.allocateHeap(CrashStream.SET.rowSizeBytes());
                assertThat(r.readRow(1, a)).isEqualTo(w.readRow(1, RowBuffer.allocateHeap(a.lengthBytes())));
            }
        }
    }

    @Test
    void aFormatOneMetaFileIsRefusedAsOlder() throws IOException {
        StoreEngine engine = engine();
        Path store = cleanStore(engine);
        StoreHeaders.rewriteFormatVersion(meta(store), 1);
        StoreException e = refusal(engine, config(store));
        assertThat(e.reason()).isEqualTo(Reason.OLDER_FORMAT);
        assertThat(e.getMessage()).contains("formatVersion=1 < supported=" + MetaFileDescriptor.FORMAT_VERSION);
    }

    /**
     * The undo record of an apply to an existing text key, found by recovery after a kill: each byte of the key as
     * the slot holds it, flipped, is refused as CORRUPT naming the shard (else recovery would roll back, or re-insert,
     * a row under a key that was never written); a byte of the key field past the key's length is harmless, and the
     * store then opens with every row as committed.
     */
    @Test
    void aTextKeyByteFlippedInAKilledStoresUndoSlotIsRefusedAndOnePastTheKeyIsHarmless() throws IOException {
        StoreEngine engine = engine();
        Path p = dir.resolve("text");
        String[] keys = new String[12];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = String.format("user-%04d-ab", i);
        }
        Path killed;
        int inFlight = -1;
        try (RowStore s = engine.open(textConfig(p))) {
            int topic = s.topicIndex(CrashStream.TOPIC);
            for (int i = 0; i < keys.length; i++) {
                ShardWriter w = s.writer(s.shardOf(keys[i]));
                assertThat(w.begin(keys[i], topic, 0, 1 + i)).isEqualTo(ShardWriter.BEGIN_OK);
                w.row().putLong(24, 100 + i);
                w.commit();
                if (inFlight < 0 && s.shardOf(keys[i]) == 0) {
                    inFlight = i;
                }
            }
            assertThat(inFlight).as("a key on shard 0").isNotNegative();
            ShardWriter w = s.writer(0);
            assertThat(w.begin(keys[inFlight], topic, 0, 1_000)).isEqualTo(ShardWriter.BEGIN_OK);
            w.row().putLong(24, 999);
            killed = StoreCopies.copy(p, dir.resolve("text-killed"));
            w.abort();
        }
        long keyField = 4096 + 56; // shard 0's undo slot, its key bytes (MetaFileDescriptor, "UNDO SLOTS")
        int keyLength = keys[inFlight].length();
        for (int b = -1; b < 16; b++) {
            Path copy = StoreCopies.copy(killed, dir.resolve("flip-" + b));
            if (b >= 0) {
                flipByte(meta(copy), keyField + b);
            }
            if (b >= 0 && b < keyLength) {
                StoreException e = refusal(engine, textConfig(copy));
                assertThat(e.reason()).as("key byte %d", b).isEqualTo(Reason.CORRUPT);
                assertThat(e.getMessage()).contains("undo slot of shard=0");
                continue;
            }
            try (RowStore s = engine.open(textConfig(copy))) {
                assertThat(s.openState()).as("byte %d", b).isEqualTo(StoreOpenState.RECOVERED);
                assertThat(s.size()).isEqualTo(keys.length);
                RowBuffer row = RowBuffer.allocateHeap(RowStoreContractTest.TEXT_SET.rowSizeBytes());
                for (int i = 0; i < keys.length; i++) {
                    assertThat(s.readRow(keys[i], row)).as(keys[i]).isTrue();
                    assertThat(row.getLong(24)).as("%s after byte %d", keys[i], b).isEqualTo(100 + i);
                }
            }
        }
    }

    private static StoreConfig textConfig(Path store) {
        return StoreConfig.builder(RowStoreContractTest.TEXT_SET).directory(store).shards(2).capacity(500)
            .maxTopics(2).maxPartitions(4).maxKeyBytes(16).build();
    }

    private static void flipByte(Path file, long position) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, position);
            b.put(0, (byte) (b.get(0) ^ 0xFF));
            ch.write(b.rewind(), position);
        }
    }
}
