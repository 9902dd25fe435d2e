package io.freshet.store.chronicle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshet.core.StoreConfig;
import io.freshet.core.StoreOpenState;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.ShardWriter;
import io.freshet.store.RowStoreContractTest;
import io.freshet.store.chronicle.internal.ChronicleRowStore;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21, the Chronicle engine and {@code StoreConfig.rowChecks}: the option is refused, and what Chronicle Map's
 * own entry checksums ({@code checksumEntries(true)}, verified only by its {@code recoverPersistedTo}) do with a row
 * damaged while a killed store was down is pinned here: the recovery drops the entry, so the key reads as absent
 * while the offsets say its records were applied. Not the option's guarantee (refuse, never a wrong value), hence the
 * refusal; README "Every byte checked" states it.
 */
class ChronicleRowChecksTest {
    private static final long MARK = 0x0BAD_C0DE_0000_0000L;

    @TempDir
    Path dir;

    private StoreConfig config(Path store, boolean rowChecks) {
        return StoreConfig.builder(RowStoreContractTest.SET).directory(store).capacity(500).shards(2)
            .rowChecks(rowChecks).build();
    }

    @Test
    void theChronicleEngineRefusesRowChecks() {
        assertThatThrownBy(() -> new ChronicleStoreEngine().open(config(dir.resolve("s"), true)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rowChecks=true is a table-engine "
                + "option");
    }

    @Test
    void chroniclesRecoveryDropsARowDamagedWhileAKilledStoreWasDown() throws IOException {
        Path live = dir.resolve("live");
        Path killed = dir.resolve("killed");
        try (RowStore s = new ChronicleStoreEngine().open(config(live, false))) {
            for (long k = 0; k < 50; k++) {
                ShardWriter w = s.writer(s.shardOf(k));
                assertThat(w.begin(k, ShardWriter.NO_SOURCE, 0, 0)).isEqualTo(ShardWriter.BEGIN_OK);
                w.row().putLong(24, MARK | k);
                w.commit();
            }
            // An apply in flight on key 0 at the "kill": a copy of the files taken now.
            ShardWriter w = s.writer(s.shardOf(0L));
            assertThat(w.begin(0L, ShardWriter.NO_SOURCE, 0, 0)).isEqualTo(ShardWriter.BEGIN_OK);
            w.row().putLong(24, MARK | 1000);
            copy(live, killed);
            w.abort();
        }
        Path data = killed.resolve(ChronicleRowStore.DATA_FILE);
        long at = find(data, MARK | 7);
        assertThat(at).as("key 7's row in the data file").isNotNegative();
        try (RandomAccessFile raf = new RandomAccessFile(data.toFile(), "rw")) {
            raf.seek(at + 1);
            int b = raf.read();
            raf.seek(at + 1);
            raf.write(b ^ 0x10);
        }
        try (RowStore s = new ChronicleStoreEngine().open(config(killed, false))) {
            assertThat(s.openState()).isEqualTo(StoreOpenState.RECOVERED);
            RowBuffer row = RowBuffer.allocateHeap(RowStoreContractTest.SET.rowSizeBytes());
            assertThat(s.readRow(7L, row)).as("the damaged row was dropped by Chronicle's recovery").isFalse();
            assertThat(s.readRow(8L, row)).isTrue();
            assertThat(row.getLong(24)).isEqualTo(MARK | 8);
            assertThat(s.readRow(0L, row)).as("the in-flight row, restored").isTrue();
            assertThat(row.getLong(24)).isEqualTo(MARK);
        }
    }

    private static long find(Path file, long value) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long found = -1;
        for (int i = 0; i + 8 <= bytes.length; i++) {
            if (b.getLong(i) == value) {
                assertThat(found).as("the marker is in the file once").isNegative();
                found = i;
            }
        }
        return found;
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rwx------"));
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }
}
