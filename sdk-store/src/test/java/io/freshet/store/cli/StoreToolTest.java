package io.freshet.store.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.StoreConfig;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.ShardWriter;
import io.freshet.core.spi.StoreFootprint;
import io.freshet.core.testing.TestApplier;
import io.freshet.store.StoreEngines;
import io.freshet.store.internal.KilledWriter;
import io.freshet.store.internal.MetaFileDescriptor;
import io.freshet.store.internal.table.TableStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store tool on a good table store made through the public API (rows, offsets, Kafka ids), on each kind of damage
 * (meta header, undo slot, applied offset, data page), on missing, foreign, live and killed stores, with a wrong set;
 * and that no command changes a byte or a modification time of the store.
 */
class StoreToolTest {
    private static final long T0 = 1_764_000_000_000L;
    private static final String TOPIC = "payments";
    private static final String SET = CliSets.class.getName();

    @TempDir
    Path tmp;

    /** The output and exit code of one run. */
    record Run(int code, String out, String err) {
        List<String> errLines() {
            return err.isEmpty() ? List.of() : Arrays.asList(err.split("\n"));
        }
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(code, out.toString(), err.toString());
    }

    private static StoreConfig config(Path dir) {
        return StoreConfig.builder(CliSets.PAYMENTS).directory(dir).capacity(1000).shards(2).maxTopics(2)
            .maxPartitions(4).build();
    }

    /** Three users, five payments over two partitions, the Kafka ids the pipeline records; closed cleanly. */
    private Path goodStore() {
        Path dir = tmp.resolve("store");
        try (RowStore s = StoreEngines.table().open(config(dir))) {
            write(s);
        }
        return dir;
    }

    private static void write(RowStore s) {
        int topic = s.topicIndex(TOPIC);
        s.putMetadata("kafka.cluster.id", "test-cluster-7");
        s.putMetadata("kafka.topic." + TOPIC + ".id", "topic-id-42");
        TestApplier<CliSets.Payment> a = TestApplier.of(CliSets.PAYMENTS);
        long[][] events = {{1, 0, 10, 100, 0}, {1, 1, 30, 101, 1}, {2, 0, 5, 100, 2}, {3, 1, 7, 102, 3},
            {1, 0, 2, 103, 4}};
        for (long[] e : events) {
            CliSets.Payment p = new CliSets.Payment(e[0], T0 + e[4] * 1000, e[2], e[3]);
            ShardWriter w = s.writer(s.shardOf(p.user()));
            assertThat(w.begin(p.user(), topic, (int) e[1], e[4])).isEqualTo(ShardWriter.BEGIN_OK);
            a.apply(p, p.timeMs(), w.row(), T0 + 10_000);
            w.commit();
        }
    }

    private static void flipByte(Path file, long position) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, position);
            b.put(0, (byte) (b.get(0) ^ 0x5a)).position(0);
            ch.write(b, position);
        }
    }

    private static ByteBuffer header(Path dir) throws IOException {
        ByteBuffer h = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(dir.resolve(MetaFileDescriptor.FILE_NAME))) {
            ch.read(h, 0);
        }
        return h;
    }

    /** Each file's bytes and modification time. */
    private static Map<String, String> snapshot(Path dir) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                m.put(f.getFileName().toString(), Arrays.hashCode(Files.readAllBytes(f)) + "@"
                    + Files.getLastModifiedTime(f).toMillis() + "/" + Files.size(f));
            }
        }
        return m;
    }

    private static void assertOneLineError(Run r, int code, String... fragments) {
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(code);
        assertThat(r.out()).as("nothing but the error line").isEmpty();
        assertThat(r.errLines()).as(r.err()).hasSize(1);
        assertThat(r.err()).doesNotContain("\tat ").startsWith("error: ").contains(fragments);
    }

    @Test
    void inspectShowsTheGrowthHistoryOfAStoreThatGrewAndItsCurrentCapacity() {
        Path dir = tmp.resolve("grown");
        StoreConfig small = StoreConfig.builder(CliSets.PAYMENTS).directory(dir).capacity(100).shards(2).maxTopics(2)
            .maxPartitions(4).build();
        TestApplier<CliSets.Payment> a = TestApplier.of(CliSets.PAYMENTS);
        try (RowStore s = StoreEngines.table().open(small)) {
            for (long user = 0; user < 1000; user++) {
                CliSets.Payment p = new CliSets.Payment(user, T0, 1, 100);
                ShardWriter w = s.writer(s.shardOf(user));
                int r;
                while ((r = w.begin(user, ShardWriter.NO_SOURCE, 0, 0)) == ShardWriter.BEGIN_FULL) {
                    for (int shard = 0; shard < s.shardCount(); shard++) {
                        s.writer(shard).maintain(256);
                    }
                }
                assertThat(r).isEqualTo(ShardWriter.BEGIN_OK);
                a.apply(p, p.timeMs(), w.row(), T0 + 10_000);
                w.commit();
            }
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (((TableStore) s).growing() && System.nanoTime() < deadline) {
                for (int shard = 0; shard < s.shardCount(); shard++) {
                    s.writer(shard).maintain(256);
                }
                Thread.onSpinWait();
            }
        }
        Run r = run("inspect", dir.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("growth 1:").contains(": 100 -> 200 rows (next file written in ")
            .contains(": 800 -> 1600 rows").contains("created with:    100 rows")
            .contains("capacity:        1600 rows in 2 shard(s)").contains("rows used:       1000 of 1600")
            .doesNotContain(TableStore.LAYOUT_KEY).doesNotContain(TableStore.GROWTH_HISTORY_KEY);
    }

    @Test
    void inspectShowsWhatTheStoreIsAndHolds() {
        Path dir = goodStore();
        Run r = run("inspect", dir.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("engine:          table")
            .contains("set:             payments (key LONG)")
            .contains(String.format(Locale.ROOT, "fingerprint:     0x%016x", CliSets.PAYMENTS.fingerprint()))
            .contains("features:        last_amount LATEST, txn_1h COUNT 1h, amount_sum SUM, last_merchants LAST_N "
                + "(recorded; derived features are not stored)")
            .contains("clean:           yes (closed cleanly)")
            .contains("boot id:         0x").contains("(this boot)")
            .contains("capacity:        1000 rows in 2 shard(s)")
            .contains("rows used:       3 of 1000 (fill 0.3%)")
            .contains("last apply:      " + Instant.ofEpochMilli(T0 + 10_000))
            .contains("bytes per row:   " + CliSets.PAYMENTS.rowSizeBytes())
            .contains("kafka cluster:   test-cluster-7")
            .contains("topic 0:         payments (topic id topic-id-42)")
            .contains("payments[0] = 4").contains("payments[1] = 3");
        Run withSet = run("inspect", dir.toString(), "--set", SET + "#PAYMENTS");
        assertThat(withSet.code()).as(withSet.err()).isZero();
        assertThat(withSet.out()).contains("avg_amount RATIO (derived)").contains("(from --set)");
    }

    @Test
    void inspectWarnsOfAStoreFilledPastTheFillWarning() {
        Path dir = tmp.resolve("nearly-full");
        try (RowStore s = StoreEngines.table().open(StoreConfig.builder(CliSets.PAYMENTS).directory(dir).capacity(4)
            .shards(1).build())) {
            write(s);
        }
        Run r = run("inspect", dir.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("rows used:       3 of 4 (fill 75.0%)").doesNotContain("fill warning");
        try (RowStore s = StoreEngines.table().open(StoreConfig.builder(CliSets.PAYMENTS).directory(dir).capacity(4)
            .shards(1).build())) {
            ShardWriter w = s.writer(0);
            assertThat(w.begin(4, ShardWriter.NO_SOURCE, 0, 0)).isEqualTo(ShardWriter.BEGIN_OK);
            w.commit();
        }
        Run full = run("inspect", dir.toString());
        assertThat(full.code()).as(full.err()).isZero();
        assertThat(full.out()).contains("rows used:       4 of 4 (fill 100.0%)")
            .contains("fill warning:    at or above 80%: a running pipeline warns from this fill on")
            .contains("status STORE_FULL, nothing skipped");
    }

    @Test
    void sizeShowsTheFillOfTheKeysExpectedAndTheCapacityThatKeepsThemBelowTheWarning() {
        String[] base = {"size", "--set", SET + "#PAYMENTS", "--capacity", "1000", "--engine", "table", "--keys"};
        Run tooMany = run(concat(base, "5000"));
        assertThat(tooMany.code()).as(tooMany.err()).isZero();
        assertThat(tooMany.out()).contains("fill:            500.0% at 5000 keys: more keys than rows: the set would"
            + " wait for room (status STORE_FULL, nothing skipped)").contains("--capacity 6250 keeps it below");
        assertThat(run(concat(base, "900")).out()).contains("fill:            90.0% at 900 keys: at or above the"
            + " pipeline's fill warning (80%); --capacity 1125 keeps it below");
        assertThat(run(concat(base, "700")).out()).contains("fill:            70.0% at 700 keys (below the");
        assertOneLineError(run(concat(base, "-1")), Main.EXIT_ERROR, "--keys -1");
        assertThat(run("size", "--set", SET + "#PAYMENTS", "--capacity", "1000", "--engine", "table").out())
            .doesNotContain("fill:");
    }

    private static String[] concat(String[] base, String last) {
        String[] all = Arrays.copyOf(base, base.length + 1);
        all[base.length] = last;
        return all;
    }

    @Test
    void verifyPassesAGoodStoreAndChecksItsRows() {
        Run r = run("verify", goodStore().toString());
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("ok      meta.fst lifecycle, body checksum, undo slots, offsets, topics, metadata")
            .contains("ok      rows: 3 row(s), data file checksums verified by engine table")
            .endsWith("result: OK\n");
    }

    @Test
    void sizeReportsWhatTheEngineLaysOutBeforeTheStoreExists() throws IOException {
        Run r = run("size", "--set", SET + "#PAYMENTS", "--capacity", "1000", "--shards", "2", "--max-topics", "2",
            "--max-partitions", "4");
        assertThat(r.code()).as(r.err()).isZero();
        StoreFootprint f = StoreEngines.table().footprint(config(tmp.resolve("unused")));
        assertThat(r.out()).contains("table:           disk " + Text.bytes(f.diskBytes()))
            // freshet-store's tests run without freshet-store-chronicle: the line names the artifact to add.
            .contains("chronicle:       not available: The Chronicle Map engine is in "
                + "io.freshet:freshet-store-chronicle;");
        // The figure is the store's: create it and add up its files.
        Path dir = goodStore();
        long onDisk = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                onDisk += Files.size(p);
            }
        }
        assertThat(f.diskBytes()).isEqualTo(onDisk);
        assertThat(f.heapBytes()).isPositive();
        assertThat(tmp.resolve("unused")).doesNotExist();
    }

    @Test
    void dumpPrintsTheVectorAServedReadReturns() {
        Path dir = goodStore();
        long at = T0 + 60_000;
        Run r = run("dump", dir.toString(), "1", "--set", CliSets.AsSupplier.class.getName(), "--at",
            Long.toString(at));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().trim()).isEqualTo("{\"set\":\"payments\",\"key\":1,\"status\":\"FRESH\",\"readTimeMs\":" + at
            + ",\"readTime\":\"" + Instant.ofEpochMilli(at) + "\",\"rowUpdatedMs\":" + (T0 + 10_000)
            + ",\"rowEventTimeMs\":" + (T0 + 4000) + ",\"features\":{"
            + "\"last_amount\":{\"kind\":\"LATEST\",\"value\":2.0,\"eventTimeMs\":" + (T0 + 4000) + ",\"ageMs\":56000},"
            + "\"txn_1h\":{\"kind\":\"COUNT\",\"value\":3,\"eventTimeMs\":" + (T0 + 4000) + ",\"ageMs\":56000},"
            + "\"amount_sum\":{\"kind\":\"SUM\",\"value\":42.0,\"eventTimeMs\":" + (T0 + 4000) + ",\"ageMs\":56000},"
            + "\"last_merchants\":{\"kind\":\"LAST_N\",\"values\":[103,101,100],\"eventTimesMs\":[" + (T0 + 4000) + ","
            + (T0 + 1000) + "," + T0 + "],\"eventTimeMs\":" + (T0 + 4000) + ",\"ageMs\":56000},"
            + "\"avg_amount\":{\"kind\":\"RATIO\",\"value\":14.0,\"eventTimeMs\":" + (T0 + 4000)
            + ",\"ageMs\":56000}}}");
        Run missing = run("dump", dir.toString(), "99", "--set", SET + "#PAYMENTS");
        assertThat(missing.code()).isZero();
        assertThat(missing.out()).contains("\"key\":99,\"status\":\"MISSING\"").contains("\"last_amount\":{\"kind\":"
            + "\"LATEST\",\"value\":null");
    }

    @Test
    void noCommandChangesAByteOrAModificationTime() throws IOException {
        Path dir = goodStore();
        Map<String, String> before = snapshot(dir);
        assertThat(before).containsKeys(MetaFileDescriptor.FILE_NAME, "table.fst");
        assertThat(run("inspect", dir.toString()).code()).isZero();
        assertThat(run("inspect", dir.toString(), "--set", SET + "#PAYMENTS").code()).isZero();
        assertThat(run("verify", dir.toString()).code()).isZero();
        assertThat(run("dump", dir.toString(), "1", "--set", SET + "#PAYMENTS").code()).isZero();
        assertThat(run("dump", dir.toString(), "2", "--set", SET + "#PAYMENTS", "--at", "2026-01-01T00:00:00Z")
            .code()).isZero();
        assertThat(snapshot(dir)).isEqualTo(before);
    }

    @Test
    void aDamagedMetaHeaderIsOneLineAndExitOneForEveryCommand() throws IOException {
        Path dir = goodStore();
        flipByte(dir.resolve(MetaFileDescriptor.FILE_NAME), 140);
        Run v = run("verify", dir.toString());
        assertThat(v.code()).isEqualTo(Main.EXIT_DAMAGED);
        assertThat(v.out()).contains("DAMAGED CORRUPT").contains("header checksum mismatch")
            .endsWith("result: DAMAGED\n");
        assertOneLineError(run("inspect", dir.toString()), Main.EXIT_DAMAGED, "header checksum mismatch");
        assertOneLineError(run("dump", dir.toString(), "1", "--set", SET + "#PAYMENTS"), Main.EXIT_DAMAGED,
            "header checksum mismatch");
    }

    @Test
    void aDamagedUndoSlotIsNamed() throws IOException {
        Path dir = goodStore();
        flipByte(dir.resolve(MetaFileDescriptor.FILE_NAME), MetaFileDescriptor.HEADER_BYTES);
        Run v = run("verify", dir.toString());
        assertThat(v.code()).isEqualTo(Main.EXIT_DAMAGED);
        assertThat(v.out()).contains("DAMAGED meta.fst: body of meta.fst").contains("fails the bodyCrc")
            .contains("DAMAGED meta.fst: undo slot of shard=0 has state=0x5a")
            .contains("skipped rows: the meta file is damaged").endsWith("result: DAMAGED (2 part(s))\n");
        assertOneLineError(run("inspect", dir.toString()), Main.EXIT_DAMAGED, "meta.fst is damaged", "bodyCrc",
            "(and 1 more: run verify)");
    }

    @Test
    void aDamagedAppliedOffsetIsNamed() throws IOException {
        Path dir = goodStore();
        ByteBuffer h = header(dir);
        long undoBytes = 2L * h.getInt(60);
        // Shard 1, topic 0, partition 1: its offset word.
        int perShard = (h.getInt(52) * h.getInt(56) * 16 + 63) & -64;
        flipByte(dir.resolve(MetaFileDescriptor.FILE_NAME), 4096 + undoBytes + perShard + 16);
        Run v = run("verify", dir.toString());
        assertThat(v.code()).isEqualTo(Main.EXIT_DAMAGED);
        assertThat(v.out()).contains("DAMAGED meta.fst: applied offset of shard=1 topicIndex=0 partition=1 fails its "
            + "check");
        assertOneLineError(run("dump", dir.toString(), "1", "--set", SET + "#PAYMENTS"), Main.EXIT_DAMAGED,
            "bodyCrc mismatch");
    }

    @Test
    void aDamagedDataPageIsNamedByItsByteRange() throws IOException {
        Path dir = goodStore();
        Path data = dir.resolve("table.fst");
        flipByte(data, Files.size(data) - 1);
        Run v = run("verify", dir.toString());
        assertThat(v.code()).isEqualTo(Main.EXIT_DAMAGED);
        assertThat(v.out()).contains("ok      meta.fst lifecycle").contains("DAMAGED CORRUPT " + data.toAbsolutePath())
            .contains("row data checksum mismatch in bytes [").endsWith("result: DAMAGED (1 part(s))\n");
        assertOneLineError(run("inspect", dir.toString()), Main.EXIT_DAMAGED, "row data checksum mismatch");
        assertOneLineError(run("dump", dir.toString(), "1", "--set", SET + "#PAYMENTS"), Main.EXIT_DAMAGED,
            "row data checksum mismatch");
    }

    @Test
    void missingAndForeignDirectoriesAreOneLineAndExitTwo() throws IOException {
        Path missing = tmp.resolve("nowhere");
        for (String cmd : List.of("inspect", "verify")) {
            assertOneLineError(run(cmd, missing.toString()), Main.EXIT_ERROR, "no such directory");
        }
        assertOneLineError(run("dump", missing.toString(), "1", "--set", SET + "#PAYMENTS"), Main.EXIT_ERROR,
            "no such directory");
        assertThat(missing).doesNotExist();
        Path foreign = Files.createDirectory(tmp.resolve("foreign"),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.writeString(foreign.resolve("notes.txt"), "not a store");
        assertOneLineError(run("inspect", foreign.toString()), Main.EXIT_ERROR, "not a Freshet store",
            "it holds notes.txt");
        Files.write(foreign.resolve(MetaFileDescriptor.FILE_NAME), new byte[8192]);
        assertOneLineError(run("verify", foreign.toString()), Main.EXIT_ERROR, "FOREIGN", "not a Freshet store file");
        assertOneLineError(run("inspect", foreign.resolve("notes.txt").toString()), Main.EXIT_ERROR,
            "not a directory");
    }

    @Test
    void aWrongSetIsRefusedInOneLine() {
        Path dir = goodStore();
        assertOneLineError(run("dump", dir.toString(), "1", "--set", CliSets.Other.class.getName()),
            Main.EXIT_ERROR, "does not match the store", "fingerprint=0x");
        assertOneLineError(run("dump", dir.toString(), "1", "--set", "com.example.Missing"), Main.EXIT_ERROR,
            "class com.example.Missing is not on the class path");
        assertOneLineError(run("dump", dir.toString(), "1", "--set", CliSets.Two.class.getName()), Main.EXIT_ERROR,
            "offers several sets", "name one as");
        assertOneLineError(run("dump", dir.toString(), "x1", "--set", SET + "#PAYMENTS"), Main.EXIT_ERROR,
            "KEY=x1 is not a number");
        assertOneLineError(run("size", "--set", SET + "#PAYMENTS", "--capacity", "0"), Main.EXIT_ERROR,
            "capacity=0 is out of range");
    }

    @Test
    void aStoreWithALiveWriterIsInspectedReadOnly() throws IOException {
        Path dir = tmp.resolve("live");
        try (RowStore s = StoreEngines.table().open(config(dir))) {
            write(s);
            Run i = run("inspect", dir.toString());
            assertThat(i.code()).as(i.err()).isZero();
            assertThat(i.out()).contains("clean:           no: a writer has the store open now (live writer)")
                .contains("rows used:       3 of 1000");
            Run v = run("verify", dir.toString());
            assertThat(v.code()).as(v.out() + v.err()).isZero();
            assertThat(v.out()).contains("skipped rows: a writer has the store open").endsWith("result: OK\n");
        }
    }

    @Test
    void aKilledStoreIsCheckedWithoutRecoveringIt() throws IOException {
        Path dir = tmp.resolve("killed");
        RowStore s = StoreEngines.table().open(config(dir));
        write(s);
        KilledWriter.abandonAsIfKilled(s);
        Map<String, String> before = snapshot(dir);
        Run i = run("inspect", dir.toString());
        assertThat(i.code()).as(i.err()).isZero();
        assertThat(i.out()).contains("clean:           no: the last writer stopped without closing the store")
            .contains("rows used:       not read: the store needs recovery");
        Run v = run("verify", dir.toString());
        assertThat(v.code()).as(v.out() + v.err()).isZero();
        assertThat(v.out()).contains("ok      meta.fst lifecycle, undo slots, offsets, topics, metadata")
            .contains("skipped rows: the last writer stopped without closing the store");
        assertOneLineError(run("dump", dir.toString(), "1", "--set", SET + "#PAYMENTS"), Main.EXIT_DAMAGED,
            "no writer has recovered the store yet");
        assertThat(snapshot(dir)).isEqualTo(before);
    }

    @Test
    void inspectOfAChronicleStoreNeedsOnlyTheMetaFile() throws IOException {
        Path dir = goodStore();
        // The header of a Chronicle store: engine id 1, the static checksum rewritten to match.
        Path meta = dir.resolve(MetaFileDescriptor.FILE_NAME);
        ByteBuffer h = header(dir);
        h.putInt(16, MetaFileDescriptor.ENGINE_ID_CHRONICLE);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(h.duplicate().position(0).limit(248));
        h.putLong(248, crc.getValue());
        try (FileChannel ch = FileChannel.open(meta, StandardOpenOption.WRITE)) {
            ch.write(h.duplicate().position(0).limit(256), 0);
        }
        Files.delete(dir.resolve("table.fst"));
        Map<String, String> before = snapshot(dir);
        Run r = run("inspect", dir.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("engine:          chronicle").contains("rows used:       not read for a chronicle "
            + "store").contains("payments[0] = 4").contains("kafka cluster:   test-cluster-7");
        assertThat(snapshot(dir)).isEqualTo(before);
    }

    @Test
    void usageErrorsExitTwo() {
        assertThat(run().code()).isEqualTo(Main.EXIT_ERROR);
        assertThat(run("inspect").code()).isEqualTo(Main.EXIT_ERROR);
        assertThat(run("frobnicate").code()).isEqualTo(Main.EXIT_ERROR);
        Run help = run("dump", "--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("--set=CLASS").contains("Supplier<FeatureSet>");
    }
}
