package io.freshet.store.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.ShardWriter;
import io.freshet.core.StoreConfig;
import io.freshet.store.RowStoreContractTest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared undo-recovery decision, per state an undo slot can be found in after a kill, and the undo slot's byte
 * layout as {@link MetaFileDescriptor} documents it (stores written before the meta file was split must still open).
 */
class UndoRecoveryTest {
    static final int ROW = RowStoreContractTest.SET.rowSizeBytes();

    @TempDir
    Path dir;

    private StoreDirectory storeDir;
    private MetaFile meta;
    private final List<String> calls = new ArrayList<>();

    /** Records what recovery asks the engine to do. */
    private final UndoRecovery.Rows rows = new UndoRecovery.Rows() {
        @Override
        public void restore(int shard, long longKey, byte[] textKey, int textKeyLength, RowBuffer image) {
            calls.add("restore shard=" + shard + " key=" + longKey + " c0=" + image.getLong(24));
        }

        @Override
        public void delete(int shard, long longKey, byte[] textKey, int textKeyLength) {
            calls.add("delete shard=" + shard + " key=" + longKey);
        }
    };

    @BeforeEach
    void create() {
        storeDir = StoreDirectory.open(dir.resolve("s"), true);
        StoreConfig config = StoreConfig.builder(RowStoreContractTest.SET).directory(dir.resolve("s"))
            .capacity(100).shards(2).build();
        meta = MetaFile.create(storeDir, config, 7, java.util.Map.of());
    }

    @AfterEach
    void close() {
        meta.close();
        storeDir.close();
    }

    private static RowBuffer oldRow(long c0) {
        RowBuffer r = RowBuffer.allocateHeap(ROW);
        r.putLong(24, c0);
        return r;
    }

    @Test
    void anIdleSlotAsksForNothing() {
        assertThat(new UndoRecovery(meta, false).rollBack(0, rows)).isEqualTo(UndoRecovery.IDLE);
        assertThat(calls).isEmpty();
    }

    @Test
    void anApplyWhoseOffsetWasPublishedCompletedAndKeepsItsRow() {
        meta.undo().record(1, 0, 3, 42, 9, null, 0, oldRow(5));
        meta.offsets().put(1, 0, 3, 42);
        assertThat(new UndoRecovery(meta, false).rollBack(1, rows)).isEqualTo(UndoRecovery.COMPLETED);
        assertThat(calls).isEmpty();
        assertThat(meta.undo().active(1)).as("the caller clears the slot").isTrue();
    }

    @Test
    void anApplyToAnExistingKeyIsRolledBackToItsImage() {
        meta.offsets().put(1, 0, 3, 41);
        meta.undo().record(1, 0, 3, 42, 9, null, 0, oldRow(5));
        assertThat(new UndoRecovery(meta, false).rollBack(1, rows)).isEqualTo(UndoRecovery.RESTORED);
        assertThat(calls).containsExactly("restore shard=1 key=9 c0=5");
    }

    @Test
    void anApplyThatInsertedAKeyIsRolledBackByDeletingIt() {
        meta.undo().record(0, ShardWriter.NO_SOURCE, 0, 0, 11, null, 0, null);
        assertThat(new UndoRecovery(meta, false).rollBack(0, rows)).isEqualTo(UndoRecovery.DELETED);
        assertThat(calls).containsExactly("delete shard=0 key=11");
    }

    @Test
    void theUndoSlotKeepsItsDocumentedLayout() throws IOException {
        meta.undo().record(1, 2, 3, 42, 9, null, 0, oldRow(5));
        meta.force();
        MetaFileDescriptor.Geometry g = meta.geometry();
        assertThat(g.undoOffset).isEqualTo(4096);
        ByteBuffer slot = ByteBuffer.allocate(g.undoSlotBytes).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(meta.path(), StandardOpenOption.READ)) {
            ch.read(slot, 4096 + g.undoSlotBytes);
        }
        assertThat(slot.getLong(0)).as("state").isEqualTo(MetaFileDescriptor.UNDO_ACTIVE);
        assertThat(slot.getInt(8)).as("topicIndex").isEqualTo(2);
        assertThat(slot.getInt(12)).as("partition").isEqualTo(3);
        assertThat(slot.getLong(16)).as("offset").isEqualTo(42);
        assertThat(slot.getLong(32)).as("existed").isEqualTo(1);
        assertThat(slot.getInt(40)).as("keyLength of a numeric key").isEqualTo(-1);
        assertThat(slot.getLong(48)).as("longKey").isEqualTo(9);
        assertThat(slot.getLong(56 + g.keyFieldBytes + 24)).as("row image").isEqualTo(5);
        assertThat(g.offsetsOffset).isEqualTo(4096 + 2L * g.undoSlotBytes);
        assertThat(g.fileBytes).isEqualTo(g.topicsOffset + 8 * 256 + 2 * 16384);
    }
}
