package io.freshet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshet.core.StoreConfig;
import io.freshet.core.StoreException;
import io.freshet.core.StoreException.Reason;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.StoreEngine;
import io.freshet.store.internal.MetaFileDescriptor;
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

/**
 * The store-directory and header rules, through each engine: 0700 directory, 0600 files, links and shared-writable
 * paths refused, a newer format refused by name. Every persistent engine extends this and passes it unchanged.
 */
public abstract class AbstractStoreRulesTest {
    /** A temporary directory per test. */
    @TempDir
    protected Path tmp;

    /** @return the engine under test */
    protected abstract StoreEngine engine();

    private StoreConfig config(Path dir) {
        return StoreConfig.builder(RowStoreContractTest.SET).directory(dir).capacity(100).shards(1)
            .build();
    }

    @Test
    void aNewStoreIsPrivateToItsOwner() throws Exception {
        StoreEngine engine = engine();
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

    @Test
    void aStoreOnARefusedFilesystemTypeIsRefusedBeforeAnythingIsCreated() throws Exception {
        StoreEngine engine = engine();
        String here = Files.getFileStore(tmp).type();
        Path dir = tmp.resolve("store");
        StoreConfig refused = StoreConfig.builder(RowStoreContractTest.SET).directory(dir).capacity(100).shards(1)
            .refuseFilesystems(java.util.Set.of(here.toUpperCase(java.util.Locale.ROOT))).build();
        assertThatThrownBy(() -> engine.open(refused)).isInstanceOf(StoreException.class)
            .satisfies(e -> assertThat(((StoreException) e).reason()).isEqualTo(Reason.PERMISSIONS))
            .hasMessageContaining("type=" + here.toLowerCase(java.util.Locale.ROOT))
            .hasMessageContaining("refuseFilesystems");
        assertThat(dir).doesNotExist();
        // Network filesystems only: this local directory is fine, and so is an existing store in it.
        StoreConfig networkOnly = StoreConfig.builder(RowStoreContractTest.SET).directory(dir).capacity(100)
            .shards(1).refuseFilesystems(StoreConfig.NETWORK_FILESYSTEMS).build();
        engine.open(networkOnly).close();
        try (RowStore s = engine.open(networkOnly)) {
            assertThat(s).isNotNull();
        }
        assertThatThrownBy(() -> engine.open(refused)).isInstanceOf(StoreException.class)
            .hasMessageContaining("type=");
    }

    @Test
    void aSymbolicLinkedStoreDirectoryIsRefused() throws Exception {
        StoreEngine engine = engine();
        Path real = tmp.resolve("real");
        engine.open(config(real)).close();
        Path link = Files.createSymbolicLink(tmp.resolve("link"), real);
        assertRefused(engine, link, Reason.PERMISSIONS).hasMessageContaining("symbolic link");
    }

    @Test
    void aStoreDirectoryWritableByOthersIsRefused() throws Exception {
        StoreEngine engine = engine();
        Path dir = tmp.resolve("store");
        engine.open(config(dir)).close();
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwx---"));
        assertRefused(engine, dir, Reason.PERMISSIONS).hasMessageContaining("writable by group or others");
    }

    @Test
    void aStoreFileReplacedByASymbolicLinkIsRefused() throws Exception {
        StoreEngine engine = engine();
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

    @Test
    void aStoreOfANewerFormatIsRefusedByName() throws Exception {
        StoreEngine engine = engine();
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
}
