package io.freshet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshet.core.StoreConfig;
import io.freshet.core.StoreException;
import io.freshet.core.StoreOpenState;
import io.freshet.core.spi.InMemoryRowStore;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.ShardWriter;
import io.freshet.core.spi.StoreEngine;
import io.freshet.store.internal.MetaFileDescriptor;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongPredicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21's damage battery: one byte of a store file changed at a time, and each open must be refused with a typed
 * {@link StoreException}, or open with every row and every applied offset exactly as expected. For a cleanly closed
 * store "expected" is what was written (the replay of the stream up to its offsets, in memory); for a killed store
 * (left as a kill would, an apply in flight) it is the replay of exactly the records the opened store's offsets say
 * were applied. Zero silent resets, zero wrong values.
 *
 * <p>The default build changes every byte of the meta file's header, undo slots and offsets, the first 64 bytes of
 * every other 4 KiB page of it, and (clean store) one byte in every 4 KiB page of the data file; {@code -Psoak} runs
 * every byte of the meta file. A byte is changed by xor with 0xFF at even positions and with 0x01 at odd ones, so both
 * all-bits and one-bit damage are tried.
 *
 * <p>With {@code StoreConfig.rowChecks} (engines that support it: {@link #rowCheckSlots}), a killed store's data file
 * is damaged too: one byte in every 4 KiB page, every byte of a few row slots, and every byte of the in-flight undo
 * record's row image and its check in the meta file (a sample of it), which the option covers.
 */
public abstract class AbstractByteFlipBatteryTest {
    private static final int KEYS = 120;
    private static final int PARTITIONS = 2;
    private static final long SEED = 7;

    @TempDir
    Path dir;

    /** Whether this test's stores have row checks (set by the test method before anything is opened). */
    private boolean rowChecks;
    /** Expected rows by applied offsets (the replay depends on nothing else), so each is replayed once per test. */
    private final Map<String, byte[][]> replays = new HashMap<>();

    /** @return the engine under test */
    protected abstract StoreEngine engine();

    /** @return whether the engine supports {@code StoreConfig.rowChecks} (an engine that does not refuses it) */
    protected boolean supportsRowChecks() {
        return false;
    }

    /**
     * @param store a killed store of this test, made with row checks
     * @return file positions in {@link #dataFileName()} of every byte of a few row slots
     */
    protected long[] rowCheckSlots(Path store) throws IOException {
        throw new UnsupportedOperationException();
    }

    /**
     * @param store a killed store of this test, made with row checks
     * @return {@code [position, length]} in {@link #dataFileName()} of the index entries of a few keys, each zeroed in
     *     turn: entries followed by another entry (inside a cluster) and entries that end one
     */
    protected long[][] indexEntriesToZero(Path store) throws IOException {
        throw new UnsupportedOperationException();
    }

    /**
     * @param store a killed store of this test, made with row checks
     * @return file positions in {@link #dataFileName()} of every byte of every shard's control words
     */
    protected long[] controlWordBytes(Path store) throws IOException {
        throw new UnsupportedOperationException();
    }

    /** @return the data file that {@link #rowCheckSlots} positions are in */
    protected String dataFileName() {
        throw new UnsupportedOperationException();
    }

    private StoreConfig config(Path store) {
        return StoreConfig.builder(CrashStream.SET).directory(store).shards(2).capacity(500).maxTopics(2)
            .maxPartitions(4).rowChecks(rowChecks).build();
    }

    /** A cleanly closed store: flips of the meta file are refused or harmless. */
    @Test
    void everyHeaderUndoAndOffsetByteOfACleanStoreIsCheckedOrHarmless() throws IOException {
        Path pristine = cleanStore();
        battery(pristine, false, metaSample(pristine, false));
    }

    /** A store whose writer was killed with an apply in flight: refused, or as of its stored offsets. */
    @Test
    void everyHeaderUndoAndOffsetByteOfAKilledStoreIsCheckedOrHarmless() throws IOException {
        Path pristine = killedStore();
        battery(pristine, true, metaSample(pristine, false));
    }

    /** Under {@code -Psoak}: every byte of the meta file, clean and killed. */
    @Test
    @Tag("soak")
    void everyByteOfTheMetaFileIsCheckedOrHarmless() throws IOException {
        Path clean = cleanStore();
        battery(clean, false, metaSample(clean, true));
        Path killed = killedStore();
        battery(killed, true, metaSample(killed, true));
    }

    /**
     * Row checks on, a killed store: a byte in every 4 KiB page of the data file, every byte of a few rows, and every
     * byte of the in-flight apply's undo image (and its check): each open refused, or every row as of the offsets.
     */
    @Test
    void withRowChecksEveryDataPageAndSomeRowsOfAKilledStoreAreCheckedOrHarmless() throws IOException {
        rowChecks = true;
        if (!supportsRowChecks()) {
            assertThatThrownBy(() -> engine().open(config(dir.resolve("refused")))).as(engine().name()
                + " without row checks refuses the option").isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rowChecks");
            return;
        }
        Path pristine = killedStore();
        long[] rows = rowCheckSlots(pristine);
        long[] image = undoImage(pristine);
        List<String> failures = new ArrayList<>();
        int imageRefused = 0;
        int imageCases = 0;
        for (long pos = image[0]; pos < image[1]; pos++) {
            // The image's first 64 bytes, its last 16 (padding and check word), and every 16th byte between: the
            // image is folded as a row is, and rows get every byte below.
            if (pos - image[0] < 64 || image[1] - pos <= 16 || (pos - image[0]) % 16 == 0) {
                imageRefused += check(pristine, MetaFileDescriptor.FILE_NAME, pos, true, null, failures) ? 1 : 0;
                imageCases++;
            }
        }
        int rowsRefused = 0;
        for (long pos : rows) {
            rowsRefused += check(pristine, dataFileName(), pos, true, null, failures) ? 1 : 0;
        }
        int pagesRefused = 0;
        for (Path data : dataFiles(pristine)) {
            pagesRefused += dataPages(pristine, data, true, null, failures);
        }
        int cases = imageCases + rows.length + pagesOf(pristine);
        int refused = imageRefused + rowsRefused + pagesRefused;
        assertThat(failures).as("silent resets or wrong values (" + refused + " refused, " + (cases - refused)
            + " intact)").isEmpty();
        // Every byte of the image and of the rows' key and row bytes is covered: nearly all flips must be refused.
        assertThat(imageRefused).as("undo image flips refused").isGreaterThan(imageCases / 2);
        assertThat(rowsRefused).as("row flips refused").isGreaterThan(rows.length / 2);
        System.out.println(getClass().getSimpleName() + " rowChecks battery: undo image " + imageRefused + "/"
            + imageCases + " refused, rows " + rowsRefused + "/" + rows.length + ", data pages "
            + pagesRefused + "/" + pagesOf(pristine) + "; " + failures.size() + " wrong");
    }

    /**
     * Row checks on, a killed store: the index entries of a few keys zeroed (each in turn, all four bytes), and every
     * byte of every shard's control words flipped: each open refused, or every row as of the offsets. A zeroed entry
     * must be refused (its key would read as absent), except the entry of the key whose apply was in flight (its
     * rollback re-inserts the row as of the offsets).
     */
    @Test
    void withRowChecksZeroedIndexEntriesAndFlippedControlWordsOfAKilledStoreAreCheckedOrHarmless() throws IOException {
        rowChecks = true;
        if (!supportsRowChecks()) {
            return;
        }
        Path pristine = killedStore();
        List<String> failures = new ArrayList<>();
        long[][] entries = indexEntriesToZero(pristine);
        int entriesRefused = 0;
        for (long[] entry : entries) {
            entriesRefused += check(pristine, dataFileName(), entry[0], (int) entry[1], true, null, failures) ? 1 : 0;
        }
        long[] control = controlWordBytes(pristine);
        int controlRefused = 0;
        for (long pos : control) {
            controlRefused += check(pristine, dataFileName(), pos, true, null, failures) ? 1 : 0;
        }
        assertThat(failures).as("silent resets or wrong values (" + entriesRefused + "/" + entries.length
            + " zeroed entries and " + controlRefused + "/" + control.length + " control bytes refused)").isEmpty();
        assertThat(entriesRefused).as("zeroed index entries refused").isGreaterThanOrEqualTo(entries.length - 1);
        assertThat(controlRefused).as("control word flips refused").isPositive();
        System.out.println(getClass().getSimpleName() + " rowChecks index/control battery: zeroed entries "
            + entriesRefused + "/" + entries.length + " refused, control bytes " + controlRefused + "/"
            + control.length + " refused; " + failures.size() + " wrong");
    }

    private int pagesOf(Path store) throws IOException {
        int n = 0;
        for (Path data : dataFiles(store)) {
            n += (int) ((Files.size(data) + 4095) / 4096);
        }
        return n;
    }

    /** @return [from, to) of the row image and, with row checks, its check word, of shard 0's undo slot */
    private long[] undoImage(Path store) throws IOException {
        ByteBuffer h = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        try (var ch = java.nio.channels.FileChannel.open(store.resolve(MetaFileDescriptor.FILE_NAME))) {
            ch.read(h, 0);
        }
        int rowBytes = h.getInt(32);
        int maxKeyBytes = h.getInt(48);
        long from = 4096L + 56 + ((maxKeyBytes + 7) & -8);
        return new long[] {from, from + ((rowBytes + 7) & -8) + 8};
    }

    private Path cleanStore() {
        Path p = dir.resolve("clean");
        try (RowStore store = engine().open(config(p))) {
            new CrashStream(SEED, PARTITIONS, KEYS, 150).run(store, Long.MAX_VALUE);
        }
        return p;
    }

    /**
     * What a kill -9 leaves on disk with an apply in flight: a copy of the store's files taken while that apply is
     * open (the mappings are shared, so the copy reads what the writer wrote). The original is then aborted and
     * closed, so that nothing of it stays open in this JVM (an abandoned Chronicle map keeps its query context, and
     * Chronicle's close-on-exit hook then waits on it until surefire kills the fork).
     */
    private Path killedStore() {
        Path p = dir.resolve("killed-writer");
        Path killed;
        try (RowStore store = engine().open(config(p))) {
            new CrashStream(SEED, PARTITIONS, KEYS, 150).run(store, Long.MAX_VALUE);
            // An apply left in flight on shard 0: its undo slot is ACTIVE when the writer dies.
            int topic = store.topicIndex(CrashStream.TOPIC);
            long key = 0;
            while (store.shardOf(key) != 0) {
                key++;
            }
            ShardWriter w = store.writer(0);
            assertThat(w.begin(key, topic, 0, 1_000)).isEqualTo(ShardWriter.BEGIN_OK);
            w.row().putLong(CrashStream.SET.rowSizeBytes() - 8, 0x5555_5555L);
            killed = StoreCopies.copy(p, dir.resolve("killed"));
            w.abort();
        }
        return killed;
    }

    /**
     * The meta file positions to change: every byte of the header's used part, of the undo slots and of the
     * offsets, and the first 64 bytes of every 4 KiB page beyond, unless {@code all}. In a killed store the row image
     * of the in-flight undo slot is left out: it is not covered by a checksum after a kill (see
     * MetaFileDescriptor), which this battery states rather than hides.
     */
    private LongPredicate metaSample(Path store, boolean all) throws IOException {
        ByteBuffer h = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        try (var ch = java.nio.channels.FileChannel.open(store.resolve(MetaFileDescriptor.FILE_NAME))) {
            ch.read(h, 0);
        }
        int rowBytes = h.getInt(32);
        int shards = h.getInt(36);
        int maxKeyBytes = h.getInt(48);
        int slotBytes = h.getInt(60);
        long offsetsEnd = 4096L + (long) shards * slotBytes
            + (long) shards * ((h.getInt(52) * h.getInt(56) * 16 + 63) & -64);
        long imageFrom = 4096L + 56 + ((maxKeyBytes + 7) & -8);
        long imageTo = rowChecks ? imageFrom : imageFrom + rowBytes;
        return pos -> {
            if (pos >= imageFrom && pos < imageTo) {
                return false;
            }
            return all || pos < 512 || (pos >= 4096 && pos < offsetsEnd) || pos % 4096 < 64;
        };
    }

    private void battery(Path pristine, boolean killed, LongPredicate metaPositions) throws IOException {
        Expected expected = killed ? null : expected(pristine);
        Path meta = pristine.resolve(MetaFileDescriptor.FILE_NAME);
        long metaBytes = Files.size(meta);
        int refused = 0;
        int intact = 0;
        List<String> failures = new ArrayList<>();
        for (long pos = 0; pos < metaBytes; pos++) {
            if (!metaPositions.test(pos)) {
                continue;
            }
            if (check(pristine, meta.getFileName().toString(), pos, killed, expected, failures)) {
                refused++;
            } else {
                intact++;
            }
        }
        // A killed store's data file has no seal: the table engine's rows carry no checksum of their own between
        // clean closes (the seal covers them at rest), so damage to a killed store's rows is out of this battery's
        // reach, and stated as such rather than sampled.
        for (Path data : killed ? List.<Path>of() : dataFiles(pristine)) {
            int pagesRefused = dataPages(pristine, data, killed, expected, failures);
            refused += pagesRefused;
            intact += (int) ((Files.size(data) + 4095) / 4096) - pagesRefused;
        }
        assertThat(failures).as("silent resets or wrong values (" + refused + " refused, " + intact + " intact)")
            .isEmpty();
        assertThat(refused).as("the battery damaged something that mattered").isPositive();
    }

    /** One byte in every 4 KiB page of a data file. @return how many of those opens were refused */
    private int dataPages(Path pristine, Path data, boolean killed, Expected expected, List<String> failures)
        throws IOException {
        int refused = 0;
        long size = Files.size(data);
        for (long pos = 0; pos < size; pos += 4096) {
            long at = pos + (pos / 4096 * 977) % Math.min(4096, size - pos);
            if (check(pristine, data.getFileName().toString(), at, killed, expected, failures)) {
                refused++;
            }
        }
        return refused;
    }

    private static List<Path> dataFiles(Path store) throws IOException {
        try (Stream<Path> s = Files.list(store)) {
            return s.filter(p -> {
                String n = p.getFileName().toString();
                return !n.equals(MetaFileDescriptor.FILE_NAME) && !n.equals("writer.lock");
            }).sorted().toList();
        }
    }

    /** @return whether the open was refused; a wrong open is added to {@code failures} */
    private boolean check(Path pristine, String file, long pos, boolean killed, Expected expected,
        List<String> failures) throws IOException {
        return check(pristine, file, pos, 0, killed, expected, failures);
    }

    /**
     * @param zeroBytes 0: flip the byte at {@code pos}; else zero that many bytes from {@code pos}
     * @return whether the open was refused; a wrong open is added to {@code failures}
     */
    private boolean check(Path pristine, String file, long pos, int zeroBytes, boolean killed, Expected expected,
        List<String> failures) throws IOException {
        Path copy = dir.resolve("case");
        deleteTree(copy);
        StoreCopies.copy(pristine, copy);
        try (RandomAccessFile raf = new RandomAccessFile(copy.resolve(file).toFile(), "rw")) {
            raf.seek(pos);
            if (zeroBytes > 0) {
                raf.write(new byte[zeroBytes]);
            } else {
                int b = raf.read();
                raf.seek(pos);
                raf.write(b ^ (pos % 2 == 0 ? 0xFF : 0x01));
            }
        }
        String what = file + (zeroBytes > 0 ? " bytes zeroed from " : " byte ") + pos;
        RowStore s;
        try {
            s = engine().open(config(copy));
        } catch (StoreException e) {
            return true;
        } catch (RuntimeException | Error e) {
            failures.add(what + ": untyped " + e);
            return true;
        }
        try (s) {
            if (s.openState() == StoreOpenState.CREATED) {
                failures.add(what + ": silently re-created");
                return false;
            }
            Expected want = killed ? asOfOffsets(s) : expected;
            String wrong = want.diff(s);
            if (wrong != null) {
                failures.add(what + ": " + wrong + " (opened " + s.openState() + ")");
            }
        } catch (StoreException e) {
            return true;
        }
        return false;
    }

    private Expected expected(Path pristine) {
        // Open a copy, so that the pristine files stay exactly as closed.
        Path copy = StoreCopies.copy(pristine, dir.resolve("expected"));
        try (RowStore s = engine().open(config(copy))) {
            return asOfOffsets(s);
        }
    }

    private Expected asOfOffsets(RowStore opened) {
        long[] offsets = Expected.offsets(opened);
        byte[][] rows = replays.get(java.util.Arrays.toString(offsets));
        if (rows == null) {
            InMemoryRowStore reference = new InMemoryRowStore(config(dir.resolve("unused")));
            new CrashStream(SEED, PARTITIONS, KEYS, 150).replayAppliedPrefix(opened, reference);
            rows = Expected.of(opened, reference).rows();
            replays.put(java.util.Arrays.toString(offsets), rows);
        }
        return new Expected(rows, offsets);
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path f : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }

    /** Every key's row (or absence) and every applied offset, as they must read. */
    private record Expected(byte[][] rows, long[] offsets) {
        static Expected of(RowStore offsetsFrom, RowStore rowsFrom) {
            int rowBytes = CrashStream.SET.rowSizeBytes();
            byte[][] rows = new byte[KEYS][];
            RowBuffer b = RowBuffer.allocateHeap(rowBytes);
            for (int k = 0; k < KEYS; k++) {
                if (rowsFrom.readRow(k, b)) {
                    rows[k] = new byte[rowBytes];
                    for (int i = 0; i < rowBytes; i++) {
                        rows[k][i] = b.getByte(i);
                    }
                }
            }
            return new Expected(rows, offsets(offsetsFrom));
        }

        static long[] offsets(RowStore s) {
            int topic = s.topicIndex(CrashStream.TOPIC);
            long[] o = new long[s.shardCount() * PARTITIONS];
            for (int sh = 0; sh < s.shardCount(); sh++) {
                for (int p = 0; p < PARTITIONS; p++) {
                    o[sh * PARTITIONS + p] = s.appliedOffset(sh, topic, p);
                }
            }
            return o;
        }

        /** @return what differs, or null */
        String diff(RowStore s) {
            if (!java.util.Arrays.equals(offsets, offsets(s))) {
                return "offsets " + java.util.Arrays.toString(offsets(s)) + " != "
                    + java.util.Arrays.toString(offsets);
            }
            Expected got = of(s, s);
            for (int k = 0; k < KEYS; k++) {
                if (!java.util.Arrays.equals(rows[k], got.rows[k])) {
                    return "row of key " + k;
                }
            }
            return null;
        }
    }
}
