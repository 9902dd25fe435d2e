package io.freshet.store.table;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.StoreException;
import io.freshet.core.StoreException.Reason;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.StoreEngine;
import io.freshet.store.AbstractStoreIntegrityTest;
import io.freshet.store.TableStoreEngine;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;

/** The table engine passes the integrity battery, and verifies a data file sealed before a kill. */
class TableStoreIntegrityTest extends AbstractStoreIntegrityTest {
    @Override
    protected StoreEngine engine() {
        return new TableStoreEngine();
    }

    @Test
    void aTableDataFileThatSaysSealedIsVerifiedEvenWhenTheMetaFileSaysOpen() throws IOException {
        StoreEngine engine = engine();
        Path store = dir.resolve("store");
        Path openMeta = dir.resolve("meta-while-open");
        try (RowStore s = engine.open(config(store))) {
            fill(s);
            // The meta file as a kill between the data file's seal and the meta file's CLEAN would leave it.
            Files.copy(meta(store), openMeta);
        }
        Files.copy(openMeta, meta(store), StandardCopyOption.REPLACE_EXISTING);
        Path data = store.resolve("table.fst");
        try (FileChannel ch = FileChannel.open(data, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long at = ch.size() - 4096 + 200;
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, at);
            b.put(0, (byte) (b.get(0) ^ 0x58));
            ch.write(b.flip(), at);
        }
        StoreException e = refusal(engine, config(store));
        assertThat(e.reason()).isEqualTo(Reason.CORRUPT);
        assertThat(e.getMessage()).contains("table.fst");
    }
}
