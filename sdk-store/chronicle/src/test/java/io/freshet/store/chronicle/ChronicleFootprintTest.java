package io.freshet.store.chronicle;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.StoreConfig;
import io.freshet.core.spi.StoreFootprint;
import io.freshet.store.RowStoreContractTest;
import io.freshet.store.chronicle.internal.ChronicleRowStore;
import io.freshet.store.internal.MetaFileDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The footprint the store tool's {@code size} reports for the Chronicle engine, before a store exists, equals the
 * bytes of the files a store created with the same options has: numeric and text keys, from a tiny store to a large
 * one.
 */
class ChronicleFootprintTest {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0} keys, capacity {1}, {2} shards")
    @CsvSource({"long, 10, 1", "long, 1000, 2", "long, 100000, 4", "long, 1000000, 1", "text, 5000, 3"})
    void theFootprintIsTheBytesOfTheFilesTheStoreGets(String keys, long capacity, int shards) throws Exception {
        Path dir = tmp.resolve("s");
        StoreConfig config = StoreConfig.builder(keys.equals("text") ? RowStoreContractTest.TEXT_SET
            : RowStoreContractTest.SET).directory(dir).capacity(capacity).shards(shards).maxKeyBytes(24).build();
        ChronicleStoreEngine engine = new ChronicleStoreEngine();
        StoreFootprint before = engine.footprint(config);
        assertThat(Files.exists(dir)).as("size creates nothing").isFalse();
        engine.open(config).close();
        long files = Files.size(dir.resolve(ChronicleRowStore.DATA_FILE))
            + Files.size(dir.resolve(MetaFileDescriptor.FILE_NAME));
        assertThat(before.diskBytes()).isEqualTo(files);
        assertThat(before.mappedBytes()).isEqualTo(files);
        assertThat(before.heapBytes()).isPositive();
    }
}
