package io.freshet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshet.core.StoreConfig;
import io.freshet.core.StoreException;
import io.freshet.core.StoreException.Reason;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.ShardWriter;
import io.freshet.core.spi.StoreEngine;
import io.freshet.store.internal.MetaFileDescriptor;
import io.freshet.store.internal.chronicle.ChronicleRowStore;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The store-directory and header rules, through each engine: 0700 directory, 0600 files, links and shared-writable
 * paths refused, a newer format refused by name; and the Chronicle engine's full-store metric.
 */
class StoreRulesTest {
    @TempDir
    Path tmp;

    static List<StoreEngine> engines() {
        return List.of(StoreEngines.byName("table"), StoreEngines.byName("chronicle"));
    }

    private StoreConfig config(Path dir) {
        return StoreConfig.builder(RowStoreContractTest.SET).directory(dir).capacity(100).shards(1)
            .build();
    }

    @ParameterizedTest
    @MethodSource("engines")
    void aNewStoreIsPrivateToItsOwner(StoreEngine engine) throws Exception {
        Path dir = tmp.resolve("store");
        try (RowStore s = engine.open(config(dir))) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
            List<Path> files;
            try (Stream<Path> list = Files.list(dir)) {
                files = list.toList();
            }
            assertThat(files).isNotEmpty();
            for (Path f : files) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f, LinkOption.NOFOLLOW_LINKS)))
                    .as(f.toString()).isEqualTo("rw-------");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("engines")
    void aSymbolicLinkedStoreDirectoryIsRefused(StoreEngine engine) throws Exception {
        Path real = tmp.resolve("real");
        engine.open(config(real)).close();
        Path link = Files.createSymbolicLink(tmp.resolve("link"), real);
        assertRefused(engine, link, Reason.PERMISSIONS).hasMessageContaining("symbolic link");
    }

    @ParameterizedTest
    @MethodSource("engines")
    void aStoreDirectoryWritableByOthersIsRefused(StoreEngine engine) throws Exception {
        Path dir = tmp.resolve("store");
        engine.open(config(dir)).close();
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwx---"));
        assertRefused(engine, dir, Reason.PERMISSIONS).hasMessageContaining("writable by group or others");
    }

    @ParameterizedTest
    @MethodSource("engines")
    void aStoreFileReplacedByASymbolicLinkIsRefused(StoreEngine engine) throws Exception {
        Path dir = tmp.resolve("store");
        engine.open(config(dir)).close();
        Path victim;
        try (Stream<Path> list = Files.list(dir)) {
            victim = list.filter(p -> !p.getFileName().toString().equals("writer.lock")).findFirst().orElseThrow();
        }
        Path moved = Files.move(victim, tmp.resolve("elsewhere"));
        Files.createSymbolicLink(victim, moved);
        assertRefused(engine, dir, Reason.PERMISSIONS);
    }

    @ParameterizedTest
    @MethodSource("engines")
    void aStoreOfANewerFormatIsRefusedByName(StoreEngine engine) throws Exception {
        Path dir = tmp.resolve("store");
        engine.open(config(dir)).close();
        Path meta = dir.resolve(MetaFileDescriptor.FILE_NAME);
        try (FileChannel ch = FileChannel.open(meta, StandardOpenOption.WRITE)) {
            // The format version: a little-endian int at byte 8 of the header, checked before anything it governs.
            ch.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(0, MetaFileDescriptor.FORMAT_VERSION + 1), 8);
        }
        assertRefused(engine, dir, Reason.NEWER_FORMAT).hasMessageContaining(MetaFileDescriptor.FILE_NAME)
            .hasMessageContaining("formatVersion=" + (MetaFileDescriptor.FORMAT_VERSION + 1));
    }

    private AbstractThrowableAssert<?, ? extends Throwable> assertRefused(StoreEngine engine, Path dir,
        Reason reason) {
        return assertThatThrownBy(() -> engine.open(config(dir))).isInstanceOf(StoreException.class)
            .satisfies(e -> assertThat(((StoreException) e).reason()).isEqualTo(reason));
    }

    @Test
    void aFullChronicleStoreCountsItsRefusals() {
        try (RowStore s = StoreEngines.byName("chronicle").open(StoreConfig.builder(
            RowStoreContractTest.SET).directory(tmp.resolve("full")).capacity(64).shards(1).build())) {
            ShardWriter w = s.writer(0);
            int refused = 0;
            for (long k = 0; k < 10_000 && refused < 3; k++) {
                if (w.begin(k, ShardWriter.NO_SOURCE, 0, 0) == ShardWriter.BEGIN_FULL) {
                    refused++;
                } else {
                    w.commit();
                }
            }
            assertThat(refused).isEqualTo(3);
            assertThat(((ChronicleRowStore) s).fullRefusals()).isEqualTo(3);
        }
    }
}
