package io.freshet.store.chronicle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshet.core.StoreConfig;
import io.freshet.core.StoreException;
import io.freshet.core.StoreException.Reason;
import io.freshet.core.StoreOpenState;
import io.freshet.core.internal.CoreInternals;
import io.freshet.core.spi.Keys;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.ShardWriter;
import io.freshet.store.chronicle.internal.ChronicleRowStore;
import io.freshet.store.internal.BootId;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chronicle-specific behaviour beyond the SPI contract: JVM flags, privacy, recovery of a writer killed while it
 * held a segment lock mid-apply (with Chronicle dropping the torn entry), the OS-crash policy, read-only opens of a
 * dead writer's store, damage of the data file under an open store.
 */
class ChronicleEngineTest {
    @TempDir
    Path tmp;

    private ChildJvm child(List<String> flags, Map<String, String> env, String... args) throws IOException {
        return ChildJvm.start(flags, env, tmp.resolve("stderr-" + System.nanoTime() + ".txt"), args);
    }

    private static String lastLine(ChildJvm c) throws IOException {
        String line;
        String last = null;
        while ((line = c.readLine()) != null) {
            last = line;
        }
        return last;
    }

    // ---- JVM flags -----------------------------------------------------------------------------------------

    @Test
    void withoutFlagsOpenFailsAtOnceListingExactlyTheMissingFlags() throws Exception {
        ChildJvm c = child(List.of(), Map.of(), "open", tmp.resolve("s1").toString());
        String line = lastLine(c);
        assertThat(c.waitForExit()).as(c.stderrText()).isZero();
        assertThat(line).startsWith("REFUSED MISSING_JVM_FLAGS")
            .contains("missing=[--add-opens=java.base/java.lang=ALL-UNNAMED "
                + "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-exports=java.base/sun.nio.ch=ALL-UNNAMED "
                + "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED]");
        assertThat(tmp.resolve("s1")).as("refused before touching the disk").doesNotExist();
    }

    @Test
    void withOneFlagMissingOnlyThatFlagIsListed() throws Exception {
        List<String> flags = new ArrayList<>();
        for (String f : ChildJvm.allFlags()) {
            if (!f.contains("sun.nio.ch")) {
                flags.add(f);
            }
        }
        ChildJvm c = child(flags, Map.of(), "open", tmp.resolve("s2").toString());
        String line = lastLine(c);
        assertThat(c.waitForExit()).as(c.stderrText()).isZero();
        assertThat(line).contains("missing=[--add-exports=java.base/sun.nio.ch=ALL-UNNAMED]");
    }

    @Test
    void withAllFlagsTheChildOpensTheStore() throws Exception {
        ChildJvm c = child(ChildJvm.allFlags(), Map.of(), "open", tmp.resolve("s3").toString());
        String line = lastLine(c);
        assertThat(c.waitForExit()).as(c.stderrText()).isZero();
        assertThat(line).isEqualTo("OK");
    }

    // ---- privacy -------------------------------------------------------------------------------------------

    @Test
    void chronicleWritesNothingOutsideTheStoreDirectoryEvenWithoutTheSwitches() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Path javaTmp = Files.createDirectories(tmp.resolve("java-tmp"));
        Path work = Files.createDirectories(tmp.resolve("work"));
        Path store = work.resolve("store");
        List<String> flags = new ArrayList<>(ChildJvm.moduleFlags());
        flags.add("-Duser.home=" + home);
        flags.add("-Djava.io.tmpdir=" + javaTmp);
        ChildJvm c = child(flags, Map.of("HOME", home.toString()), "open", store.toString());
        String line = lastLine(c);
        assertThat(c.waitForExit()).as(c.stderrText()).isZero();
        assertThat(line).isEqualTo("OK");
        assertThat(c.stderrText()).as("no analytics notice or banner").doesNotContainIgnoringCase("analytics");
        assertThat(list(home)).as("files written to the home directory").isEmpty();
        assertThat(list(javaTmp)).as("files written to java.io.tmpdir").isEmpty();
        assertThat(list(work)).as("only the store directory and its files").containsExactlyInAnyOrder("store",
            "store/" + ChronicleRowStore.DATA_FILE, "store/meta.fst", "store/writer.lock");
    }

    private static List<String> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> !p.equals(dir)).map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }

    // ---- kill -9 recovery ----------------------------------------------------------------------------------

    private Path killWhileHolding(String mode) throws Exception {
        Path store = tmp.resolve(mode);
        ChildJvm c = child(ChildJvm.allFlags(), Map.of(), mode, store.toString());
        String line = c.readLine();
        assertThat(line).as(c.stderrText()).isEqualTo("HOLDING");
        c.kill();
        return store;
    }

    private static RowBuffer expectedRow(long hits) {
        RowBuffer row = RowBuffer.allocateHeap(ChronicleChild.ROW_BYTES);
        CoreInternals.layoutOf(io.freshet.store.RowStoreContractTest.SET).initRow(row);
        for (long i = 0; i < hits; i++) {
            ChronicleChild.bump(row);
        }
        return row;
    }

    @Test
    @Timeout(120)
    void aWriterKilledMidApplyHoldingTheLockIsRecoveredAndTheDroppedRowReinserted() throws Exception {
        Path store = killWhileHolding("hold-existing");
        try (RowStore s = new ChronicleStoreEngine().open(ChronicleChild.config(store))) {
            assertThat(s.openState()).isEqualTo(StoreOpenState.RECOVERED);
            assertThat(((ChronicleRowStore) s).recoveryReinserted())
                .as("Chronicle's recovery dropped the torn entry (stale checksum); the undo slot re-inserted it")
                .isEqualTo(1);
            assertThat(s.size()).isEqualTo(100);
            RowBuffer row = RowBuffer.allocateHeap(ChronicleChild.ROW_BYTES);
            assertThat(s.readRow(7, row)).isTrue();
            assertThat(row.contentEquals(expectedRow(1), ChronicleChild.ROW_BYTES)).as("key 7 as before the apply")
                .isTrue();
            int topic = s.topicIndex("t");
            int shard = s.shardOf(7);
            assertThat(s.appliedOffset(shard, topic, 0)).as("offset of the rolled-back record not stored")
                .isLessThan(100);
            // The dead process's segment lock is gone: writing the same key does not block (the timeout is 60 s).
            ChronicleChild.apply(s, 7, topic, 100);
            assertThat(s.readRow(7, row)).isTrue();
            assertThat(row.contentEquals(expectedRow(2), ChronicleChild.ROW_BYTES)).isTrue();
            assertThat(s.appliedOffset(shard, topic, 0)).isEqualTo(100);
        }
        try (RowStore s = new ChronicleStoreEngine().open(ChronicleChild.config(store))) {
            assertThat(s.openState()).isEqualTo(StoreOpenState.CLEAN);
            assertThat(s.size()).isEqualTo(100);
        }
    }

    @Test
    @Timeout(120)
    void aWriterKilledDuringChroniclesOwnRecoveryIsRecoveredByTheNextOpen() throws Exception {
        Path store = killWhileHolding("hold-existing");
        // recoverPersistedTo marks the header in progress (top bits of the length word) while it rewrites it; a
        // kill at that moment left the mark on stores recovered without a pre-recovery copy (older Freshet). Set it
        // as such a kill would: the next open must recover without Chronicle's 60 s wait for a creator.
        Path data = store.resolve("rows.cmap");
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(data,
            java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer w = java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            ch.read(w, 8);
            w.putInt(0, w.getInt(0) | 0x8000_0000);
            w.rewind();
            ch.write(w, 8);
        }
        try (RowStore s = new ChronicleStoreEngine().open(ChronicleChild.config(store))) {
            assertThat(s.openState()).isEqualTo(StoreOpenState.RECOVERED);
            assertThat(s.size()).isEqualTo(100);
            RowBuffer row = RowBuffer.allocateHeap(ChronicleChild.ROW_BYTES);
            assertThat(s.readRow(7, row)).isTrue();
            assertThat(row.contentEquals(expectedRow(1), ChronicleChild.ROW_BYTES)).isTrue();
        }
        try (RowStore s = new ChronicleStoreEngine().open(ChronicleChild.config(store))) {
            assertThat(s.openState()).isEqualTo(StoreOpenState.CLEAN);
        }
    }

    /**
     * Chronicle's {@code recoverPersistedTo} is not itself crash-safe: it clears each hash-lookup slot of a tier and
     * writes it back after checking the entry, so a kill in between loses a committed row. Children are halted (as
     * by a kill -9) inside each phase of the store's recovery in turn; the store must come out with every row
     * intact and the held apply rolled back.
     */
    @Test
    @Timeout(300)
    void killsDuringRecoveryLoseNoCommittedRow() throws Exception {
        int keys = 50_000;
        Path store = tmp.resolve("killed-in-recovery");
        ChildJvm holder = child(ChildJvm.allFlags(), Map.of(), "hold-many", store.toString(), Integer.toString(keys));
        assertThat(holder.readLine()).as(holder.stderrText()).isEqualTo("HOLDING");
        holder.kill();
        // The store's copy of the data file, Chronicle's tier scan and duplicate sweep, and our roll-back.
        String[] phases = {"recoverTier", "removeDuplicatesInSegment", "keepPreRecoveryCopy", "recoverTier",
            "rollBack", "recover"};
        java.util.SplittableRandom random = new java.util.SplittableRandom(0xDEC0DEL);
        int halted = 0;
        for (int cycle = 0; cycle < 12; cycle++) {
            String phase = phases[cycle % phases.length];
            ChildJvm c = child(ChildJvm.allFlags(), Map.of(), "halt-in", store.toString(), Integer.toString(keys),
                phase, Integer.toString(1 + random.nextInt(20)));
            String line = c.readLine();
            assertThat(line).as("cycle " + cycle + " (" + phase + "): " + c.stderrText()).isIn("HALTING", "OPENED");
            c.waitForExit();
            if (line.equals("HALTING")) {
                halted++;
            }
        }
        assertThat(halted).as("children halted inside their recovery").isGreaterThanOrEqualTo(6);
        try (RowStore s = new ChronicleStoreEngine().open(ChronicleChild.configFor(store, keys))) {
            assertThat(s.openState()).isEqualTo(StoreOpenState.RECOVERED);
            RowBuffer row = RowBuffer.allocateHeap(ChronicleChild.ROW_BYTES);
            RowBuffer expected = expectedRow(1);
            int lost = 0;
            int wrong = 0;
            for (long k = 0; k < keys; k++) {
                if (!s.readRow(k, row)) {
                    lost++;
                } else if (!row.contentEquals(expected, ChronicleChild.ROW_BYTES)) {
                    wrong++;
                }
            }
            assertThat(lost).as("rows lost after " + halted + " kills during recovery").isZero();
            assertThat(wrong).as("rows changed").isZero();
            assertThat(s.size()).isEqualTo(keys);
            assertThat(s.appliedOffset(s.shardOf(7), s.topicIndex("t"), 0)).as("the held apply was rolled back")
                .isLessThan(keys);
            assertThat(store.resolve(ChronicleRowStore.PRE_RECOVERY_FILE)).doesNotExist();
        }
    }

    @Test
    @Timeout(120)
    void aNewRowInFlightAtTheKillIsRemoved() throws Exception {
        Path store = killWhileHolding("hold-new");
        try (RowStore s = new ChronicleStoreEngine().open(ChronicleChild.config(store))) {
            assertThat(s.openState()).isEqualTo(StoreOpenState.RECOVERED);
            RowBuffer row = RowBuffer.allocateHeap(ChronicleChild.ROW_BYTES);
            assertThat(s.readRow(1000, row)).isFalse();
            assertThat(s.size()).isEqualTo(100);
            for (long k = 0; k < 100; k++) {
                assertThat(s.readRow(k, row)).isTrue();
                assertThat(row.contentEquals(expectedRow(1), ChronicleChild.ROW_BYTES)).as("key " + k).isTrue();
            }
            ChronicleChild.apply(s, 1000, ShardWriter.NO_SOURCE, 0);
            assertThat(s.readRow(1000, row)).isTrue();
        }
    }

    @Test
    @Timeout(120)
    void aReaderRefusesADeadWritersStoreUntilAWriterRecoversIt() throws Exception {
        Path store = killWhileHolding("hold-existing");
        StoreConfig readOnly = StoreConfig.builder(io.freshet.store.RowStoreContractTest.SET)
            .directory(store).capacity(10_000).shards(2).readOnly(true).build();
        assertThatThrownBy(() -> new ChronicleStoreEngine().open(readOnly))
            .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.reason()).isEqualTo(Reason.DAMAGED))
            .hasMessageContaining("recover");
        new ChronicleStoreEngine().open(ChronicleChild.config(store)).close();
        try (RowStore r = new ChronicleStoreEngine().open(readOnly)) {
            assertThat(r.openState()).isEqualTo(StoreOpenState.CLEAN);
            assertThat(r.readRow(7, RowBuffer.allocateHeap(ChronicleChild.ROW_BYTES))).isTrue();
        }
    }

    @Test
    @Timeout(120)
    void aStoreLeftOpenAcrossAnOsRebootFollowsTheOsCrashPolicy() throws Exception {
        Path store = killWhileHolding("hold-existing");
        String previous = System.getProperty(BootId.OVERRIDE_PROP_NAME);
        System.setProperty(BootId.OVERRIDE_PROP_NAME, "another-boot");
        try {
            assertThatThrownBy(() -> new ChronicleStoreEngine().open(ChronicleChild.config(store)))
                .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.reason()).isEqualTo(Reason.OS_CRASH));
            StoreConfig rebuild = StoreConfig.builder(io.freshet.store.RowStoreContractTest.SET)
                .directory(store).capacity(10_000).shards(2).osCrashPolicy(StoreConfig.OsCrashPolicy.REBUILD).build();
            try (RowStore s = new ChronicleStoreEngine().open(rebuild)) {
                assertThat(s.openState()).isEqualTo(StoreOpenState.CREATED);
                assertThat(s.size()).isZero();
                assertThat(s.appliedOffset(0, s.topicIndex("t"), 0)).isEqualTo(ShardWriter.NO_OFFSET);
            }
        } finally {
            if (previous == null) {
                System.clearProperty(BootId.OVERRIDE_PROP_NAME);
            } else {
                System.setProperty(BootId.OVERRIDE_PROP_NAME, previous);
            }
        }
    }

    // ---- damage --------------------------------------------------------------------------------------------

    @Test
    void aDataFileTruncatedUnderAnOpenStoreIsReportedAsDamageAndTheJvmLives() throws Exception {
        ChildJvm c = child(ChildJvm.allFlags(), Map.of(), "truncate-under", tmp.resolve("t").toString());
        String line = lastLine(c);
        assertThat(c.waitForExit()).as("exit code (134/135 would be a JVM crash); " + c.stderrText()).isZero();
        assertThat(line).isEqualTo("DAMAGED DAMAGED");
    }

    @Test
    void aDataFileTruncatedWhileClosedIsRefusedBeforeChronicleMapsIt() throws Exception {
        Path store = tmp.resolve("closed");
        try (RowStore s = new ChronicleStoreEngine().open(ChronicleChild.config(store))) {
            for (long k = 0; k < 50; k++) {
                ChronicleChild.apply(s, k, ShardWriter.NO_SOURCE, 0);
            }
        }
        Path data = store.resolve(ChronicleRowStore.DATA_FILE);
        try (RandomAccessFile raf = new RandomAccessFile(data.toFile(), "rw")) {
            raf.setLength(raf.length() - 4096);
        }
        assertThatThrownBy(() -> new ChronicleStoreEngine().open(ChronicleChild.config(store)))
            .isInstanceOfSatisfying(StoreException.class, e -> {
                assertThat(e.reason()).isEqualTo(Reason.TRUNCATED);
                assertThat(e.path()).isEqualTo(data);
            });
        assertThatThrownBy(() -> new ChronicleStoreEngine().open(ChronicleChild.config(store)))
            .as("a refused open releases the writer lock")
            .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.reason()).isEqualTo(Reason.TRUNCATED));
    }

    @Test
    void aMetaFileWithoutItsDataFileIsRefusedNotCreatedAgain() throws IOException {
        Path store = tmp.resolve("half-made");
        // A meta file alone (its data file lost): issue 21 item 2, the store is refused, never silently re-created.
        io.freshet.store.internal.StoreDirectory d = io.freshet.store.internal.StoreDirectory.open(store, true);
        io.freshet.store.internal.MetaFile.create(d, ChronicleChild.config(store), ChronicleRowStore.ENGINE_ID,
            java.util.Map.of()).close();
        d.close();
        assertThatThrownBy(() -> new ChronicleStoreEngine().open(ChronicleChild.config(store)))
            .isInstanceOf(StoreException.class);
        assertThat(Files.exists(store.resolve(ChronicleRowStore.DATA_FILE))).as("no data file was created").isFalse();
    }

    // ---- keys ----------------------------------------------------------------------------------------------

    @Test
    void textKeysAreEvictedOnlyByTheirOwnShard() {
        StoreConfig cfg = StoreConfig.builder(io.freshet.store.RowStoreContractTest.TEXT_SET)
            .directory(tmp.resolve("text")).capacity(1000).shards(3).build();
        try (RowStore s = new ChronicleStoreEngine().open(cfg)) {
            String[] keys = {"a", "bé", "日本", "😀x", "longer-key-42", ""};
            for (String k : keys) {
                ShardWriter w = s.writer(s.shardOf(k));
                assertThat(w.begin(k, ShardWriter.NO_SOURCE, 0, 0)).isEqualTo(ShardWriter.BEGIN_OK);
                w.commit();
            }
            int evicted = 0;
            for (int shard = 0; shard < 3; shard++) {
                int before = 0;
                for (String k : keys) {
                    before += s.shardOf(k) == shard ? 1 : 0;
                }
                int n = s.writer(shard).evictIdle(Long.MAX_VALUE / 2, 1, 1_000_000);
                assertThat(n).as("shard " + shard + " evicts exactly its own keys").isEqualTo(before);
                evicted += n;
            }
            assertThat(evicted).isEqualTo(keys.length);
            assertThat(s.size()).isZero();
            assertThat(Keys.shardOf(Keys.hash("bé"), 3)).isEqualTo(s.shardOf("bé"));
        }
    }

    @Test
    @Timeout(30) // Chronicle's read lock against this thread's own write lock would wait 60 s, then throw
    void aThreadWithAnApplyOpenReadsOtherRowsWithoutWaitingForItsOwnLock() {
        try (RowStore s = new ChronicleStoreEngine().open(ChronicleChild.config(tmp.resolve("own")))) {
            ShardWriter w = s.writer(0);
            long[] keys = new long[64];
            int n = 0;
            for (long key = 0; n < keys.length; key++) {
                if (s.shardOf(key) == 0) {
                    keys[n++] = key;
                    assertThat(w.begin(key, ShardWriter.NO_SOURCE, 0, 0)).isEqualTo(ShardWriter.BEGIN_OK);
                    w.row().putLong(16, key + 1);
                    w.commit();
                }
            }
            RowBuffer row = RowBuffer.allocateHeap(ChronicleChild.ROW_BYTES);
            assertThat(w.begin(keys[0], ShardWriter.NO_SOURCE, 0, 0)).isEqualTo(ShardWriter.BEGIN_OK);
            try {
                w.row().putLong(16, -7);
                // Chronicle refuses a nested context on the key this thread is applying: the writer's row() is it.
                assertThatThrownBy(() -> s.readRow(keys[0], row)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("same key");
                // Keys of the segment this thread has write-locked, and of other segments, read without waiting.
                for (int i = 1; i < keys.length; i++) {
                    assertThat(s.readRow(keys[i], row)).isTrue();
                    assertThat(row.getLong(16)).isEqualTo(keys[i] + 1);
                }
            } finally {
                w.abort(); // an apply left open would make close() wait for it
            }
            for (long key : keys) {
                assertThat(s.readRow(key, row)).isTrue();
                assertThat(row.getLong(16)).isEqualTo(key + 1);
            }
        }
    }

    @Test
    void aKeyOfAnotherShardIsRefusedByAWriter() {
        try (RowStore s = new ChronicleStoreEngine().open(ChronicleChild.config(tmp.resolve("shards")))) {
            long key = 0;
            while (s.shardOf(key) == 0) {
                key++;
            }
            long k = key;
            assertThatThrownBy(() -> s.writer(0).begin(k, ShardWriter.NO_SOURCE, 0, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shard=");
        }
    }
}
