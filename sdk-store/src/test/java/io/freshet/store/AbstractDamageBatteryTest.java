package io.freshet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.freshet.core.StoreConfig;
import io.freshet.core.StoreException;
import io.freshet.core.spi.InMemoryRowStore;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.ShardWriter;
import io.freshet.core.spi.StoreEngine;
import io.freshet.core.testing.TestApplier;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The damage battery every persistent engine runs on every file of a cleanly closed store: truncations (0 B, 1 B,
 * header − 1, half, size − 1) must be refused with a typed {@link StoreException} at open; byte flips, a foreign
 * file and another definition's file must either be refused with a typed error or leave every row reading exactly
 * as before (a flip in unused space harms nothing) — never silently wrong values, never a dead JVM.
 */
public abstract class AbstractDamageBatteryTest {
    static final int KEYS = 300;

    @TempDir
    Path dir;

    private Path pristine;
    private InMemoryRowStore expected;

    /** @return the engine under test */
    protected abstract StoreEngine engine();

    /** @return bytes at the start of each store file that are its header (4096 if unsure) */
    protected int headerBytes(Path file) {
        return 4096;
    }

    private StoreConfig config(Path store, io.freshet.core.FeatureSet<?> set) {
        return StoreConfig.builder(set).directory(store).shards(2).capacity(1000).build();
    }

    @BeforeEach
    void createPristineStore() {
        pristine = dir.resolve("pristine");
        expected = new InMemoryRowStore(config(pristine, CrashStream.SET));
        CrashStream stream = new CrashStream(7, 2, KEYS, 400);
        try (RowStore store = engine().open(config(pristine, CrashStream.SET))) {
            stream.run(store, Long.MAX_VALUE);
            stream.replayAppliedPrefix(store, expected);
        }
        assertThat(expected.size()).isPositive();
    }

    private List<Path> storeFiles() throws IOException {
        try (Stream<Path> s = Files.list(pristine)) {
            return s.filter(p -> !p.getFileName().toString().equals("writer.lock")).sorted().toList();
        }
    }

    private Path freshCopy(String name) throws IOException {
        Path copy = dir.resolve(name);
        Files.createDirectories(copy);
        Files.setPosixFilePermissions(copy, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        try (Stream<Path> s = Files.list(pristine)) {
            for (Path f : s.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
        return copy;
    }

    private int cases;

    @Test
    void truncatedFilesAreRefusedWithATypedError() throws IOException {
        for (Path file : storeFiles()) {
            long size = Files.size(file);
            long[] lengths = {0, 1, headerBytes(file) - 1L, size / 2, size - 1};
            for (long len : lengths) {
                if (len < 0 || len >= size) {
                    continue;
                }
                Path copy = freshCopy("trunc-" + cases++);
                Path target = copy.resolve(file.getFileName());
                try (RandomAccessFile raf = new RandomAccessFile(target.toFile(), "rw")) {
                    raf.setLength(len);
                }
                expectRefused(copy, file.getFileName() + " truncated to " + len + " of " + size + " bytes");
            }
        }
    }

    @Test
    void flippedBytesAreRefusedOrHarmless() throws IOException {
        SplittableRandom random = new SplittableRandom(42);
        for (Path file : storeFiles()) {
            long size = Files.size(file);
            int header = (int) Math.min(size, headerBytes(file));
            for (int trial = 0; trial < 12; trial++) {
                boolean inHeader = trial < 4 || size <= header;
                long pos = inHeader ? random.nextLong(header) : header + random.nextLong(size - header);
                int flips = trial % 3 == 2 ? 16 : 1;
                Path copy = freshCopy("flip-" + cases++);
                Path target = copy.resolve(file.getFileName());
                try (RandomAccessFile raf = new RandomAccessFile(target.toFile(), "rw")) {
                    for (int f = 0; f < flips && pos + f < size; f++) {
                        raf.seek(pos + f);
                        int b = raf.read();
                        raf.seek(pos + f);
                        raf.write(b ^ (1 + random.nextInt(255)));
                    }
                }
                expectRefusedOrIntact(copy, file.getFileName() + " with " + flips + " byte(s) flipped at " + pos);
            }
        }
    }

    @Test
    void foreignFilesAreRefused() throws IOException {
        SplittableRandom random = new SplittableRandom(9);
        for (Path file : storeFiles()) {
            Path copy = freshCopy("foreign-" + cases++);
            byte[] junk = new byte[(int) Math.min(Files.size(file), 1 << 20)];
            for (int i = 0; i < junk.length; i++) {
                junk[i] = (byte) random.nextInt(256);
            }
            Files.write(copy.resolve(file.getFileName()), junk);
            expectRefused(copy, file.getFileName() + " replaced by random bytes");
        }
    }

    @Test
    void anotherDefinitionsStoreIsRefused() throws IOException {
        Path other = dir.resolve("other");
        try (RowStore store = engine().open(config(other, RowStoreContractTest.OTHER_SET))) {
            TestApplier<RowStoreContractTest.Ev> a = TestApplier.of(RowStoreContractTest.OTHER_SET);
            ShardWriter w = store.writer(store.shardOf(1L));
            a.prepare(new RowStoreContractTest.Ev(1, null, 1000, 1), 1000, 1000);
            w.begin(1L, ShardWriter.NO_SOURCE, 0, 0);
            a.applyPrepared(w.row(), 1000);
            w.commit();
        }
        try (Stream<Path> s = Files.list(other)) {
            for (Path f : s.filter(p -> !p.getFileName().toString().equals("writer.lock")).toList()) {
                Path copy = freshCopy("otherdef-" + cases++);
                Files.copy(f, copy.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                expectRefused(copy, f.getFileName() + " taken from another definition's store");
            }
        }
    }

    private void expectRefused(Path copy, String what) {
        try (RowStore s = engine().open(config(copy, CrashStream.SET))) {
            fail("opened a store with " + what + "; openState=" + s.openState() + " size=" + s.size());
        } catch (StoreException e) {
            assertThat(e.getMessage()).as(what).isNotBlank();
        } catch (RuntimeException | Error e) {
            throw new AssertionError("untyped error for " + what + ": " + e, e);
        }
    }

    private void expectRefusedOrIntact(Path copy, String what) {
        RowStore s;
        try {
            s = engine().open(config(copy, CrashStream.SET));
        } catch (StoreException e) {
            return;
        } catch (RuntimeException | Error e) {
            throw new AssertionError("untyped error for " + what + ": " + e, e);
        }
        try (s) {
            int rowBytes = CrashStream.SET.rowSizeBytes();
            RowBuffer a = RowBuffer.allocateHeap(rowBytes);
            RowBuffer b = RowBuffer.allocateHeap(rowBytes);
            List<String> wrong = new ArrayList<>();
            for (long k = 0; k < KEYS; k++) {
                boolean present;
                try {
                    present = s.readRow(k, a);
                } catch (StoreException e) {
                    return;
                }
                boolean expectedPresent = expected.readRow(k, b);
                if (present != expectedPresent || present && !a.contentEquals(b, rowBytes)) {
                    wrong.add("key " + k);
                }
            }
            assertThat(wrong).as("silently wrong rows after " + what).isEmpty();
        }
    }
}
