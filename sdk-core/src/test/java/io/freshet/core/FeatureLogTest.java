package io.freshet.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshet.core.internal.log.LogDescriptor;
import io.freshet.core.internal.log.LogDirectory;
import io.freshet.core.internal.log.LogSegmentReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The served-feature log: exact round trip (UTF-8 category text included), rotation and retention, torn and damaged
 * entries, its directory, and the segments of format version 1.
 */
class FeatureLogTest {
    @TempDir
    Path tmp;

    private final FeatureSet<Ev> set = FeatureLogFixture.longKeySet();

    /** What a served vector was, in terms a restored one must match exactly. */
    private static String describe(FeatureVector v) {
        StringBuilder b = new StringBuilder(v.toString());
        b.append(" status=").append(v.status()).append(" updated=").append(v.rowUpdatedMs())
            .append(" event=").append(v.rowEventTimeMs());
        for (FeatureRef r : v.featureSet().refs()) {
            b.append(' ').append(r.name()).append(':').append(v.size(r)).append('/')
                .append(Double.doubleToRawLongBits(v.getDouble(r))).append('/').append(v.getLong(r));
            for (int i = 0; i < Math.max(1, v.size(r)); i++) {
                b.append('@').append(v.eventTimeMs(r, i));
                if (r.kind() == FeatureKind.LATEST_CATEGORY || r.kind() == FeatureKind.LAST_N_CATEGORIES) {
                    b.append('\'');
                    v.category(r, i, b);
                }
            }
        }
        return b.toString();
    }

    private record Served(long requestId, long key, String vector) {
    }

    private static List<Served> scanAll(Path dir, FeatureSet<?> set, LogScan[] out) {
        List<Served> got = new ArrayList<>();
        out[0] = FeatureLog.scan(dir, set, (id, key, text, v) -> got.add(new Served(id, text == null ? key
            : text.toString().hashCode(), describe(v))));
        return got;
    }

    @Test
    void everyServedVectorReadsBackExactlyWithItsRequestIdAcrossRotations() throws Exception {
        FeatureTestDriver<Ev> driver = FeatureLogFixture.fed(set, 1);
        Path dir = tmp.resolve("log");
        Map<Long, Served> expected = new HashMap<>();
        try (FeatureLog log = FeatureLog.forReader(driver.reader()).directory(dir).segmentBytes(16 << 10)
            .retainBytes(1L << 40).open()) {
            FeatureVector v = set.newVector();
            SplittableRandom r = new SplittableRandom(7);
            for (long id = 0; id < 1_200; id++) {
                long key = r.nextInt(FeatureLogFixture.KEYS + 10);
                boolean found = log.read(id, key, v);
                assertThat(found).isEqualTo(key < FeatureLogFixture.KEYS);
                expected.put(id, new Served(id, key, describe(v)));
                if (id % 60 == 0) {
                    driver.advance(Duration.ofSeconds(3)); // statuses turn STALE as the clock moves
                }
            }
            assertThat(log.entriesLogged()).isEqualTo(1_200);
            assertThat(log.entriesDropped()).isZero();
        }
        assertThat(LogDirectory.segments(dir)).hasSizeGreaterThan(10);
        LogScan[] scan = new LogScan[1];
        List<Served> got = scanAll(dir, set, scan);
        assertThat(scan[0].entries()).isEqualTo(1_200);
        assertThat(scan[0].corruptSkipped() + scan[0].tornSkipped() + scan[0].tornSegments()).isZero();
        assertThat(got).containsExactlyElementsOf(expected.values().stream()
            .sorted((a, b) -> Long.compare(a.requestId, b.requestId)).toList());
        assertThat(got.stream().map(s -> s.vector).filter(s -> s.contains("status=STALE"))).isNotEmpty();
        assertThat(got.stream().map(s -> s.vector).filter(s -> s.contains("status=MISSING"))).isNotEmpty();
    }

    @Test
    void eachReadingThreadAppendsToItsOwnLaneAndNothingIsLost() throws Exception {
        FeatureTestDriver<Ev> driver = FeatureLogFixture.fed(set, 2);
        Path dir = tmp.resolve("log");
        int threads = 4;
        int perThread = 1_500;
        Map<Long, String> expected = new java.util.concurrent.ConcurrentHashMap<>();
        try (FeatureLog log = FeatureLog.forReader(driver.reader()).directory(dir).segmentBytes(32 << 10)
            .retainBytes(1L << 40).open()) {
            List<Thread> ts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int lane = t;
                ts.add(new Thread(() -> {
                    FeatureVector v = set.newVector();
                    for (int i = 0; i < perThread; i++) {
                        long id = (long) lane * perThread + i;
                        log.read(id, id % (FeatureLogFixture.KEYS + 3), v);
                        expected.put(id, describe(v));
                    }
                }));
            }
            ts.forEach(Thread::start);
            for (Thread t : ts) {
                t.join();
            }
            assertThat(log.entriesLogged()).isEqualTo((long) threads * perThread);
        }
        LogScan[] scan = new LogScan[1];
        List<Served> got = scanAll(dir, set, scan);
        assertThat(got).hasSize(threads * perThread);
        for (Served s : got) {
            assertThat(s.vector).as("request %d", s.requestId).isEqualTo(expected.get(s.requestId));
            assertThat(s.key).isEqualTo(s.requestId % (FeatureLogFixture.KEYS + 3));
        }
        assertThat(got.stream().map(Served::requestId).distinct().count()).isEqualTo((long) threads * perThread);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.contains("-lane3.flog")))
                .isNotEmpty();
        }
    }

    @Test
    void theFirstLanesThreadAndEveryOtherThreadEachWriteOnlyTheirOwnLane() throws Exception {
        // The first lane's thread finds its lane without the ThreadLocal: another thread must never get that lane.
        FeatureTestDriver<Ev> driver = FeatureLogFixture.fed(set, 2);
        Path dir = tmp.resolve("log");
        try (FeatureLog log = FeatureLog.forReader(driver.reader()).directory(dir).segmentBytes(32 << 10)
            .retainBytes(1L << 40).open()) {
            FeatureVector v = set.newVector();
            for (long id = 0; id < 300; id++) {
                log.read(id, id % FeatureLogFixture.KEYS, v);
            }
            Thread other = new Thread(() -> {
                FeatureVector w = set.newVector();
                for (long id = 1_000; id < 1_300; id++) {
                    log.read(id, id % FeatureLogFixture.KEYS, w);
                }
            });
            other.start();
            other.join();
            for (long id = 300; id < 600; id++) {
                log.read(id, id % FeatureLogFixture.KEYS, v);
            }
        }
        Map<String, List<Long>> byLane = new HashMap<>();
        LogSegmentReader r = reader(set);
        for (Path p : LogDirectory.segments(dir)) {
            String name = p.getFileName().toString();
            List<Long> ids = byLane.computeIfAbsent(name.substring(name.indexOf("-lane") + 1), k -> new ArrayList<>());
            assertThat(r.open(p)).isTrue();
            while (r.next()) {
                ids.add(r.requestId);
            }
        }
        assertThat(byLane.keySet()).containsExactlyInAnyOrder("lane0.flog", "lane1.flog");
        assertThat(byLane.get("lane0.flog")).containsExactlyElementsOf(
            java.util.stream.LongStream.range(0, 600).boxed().toList());
        assertThat(byLane.get("lane1.flog")).containsExactlyElementsOf(
            java.util.stream.LongStream.range(1_000, 1_300).boxed().toList());
    }

    @Test
    void textKeysReadBackAndATooLongKeyIsServedButNotLogged() throws Exception {
        FeatureSet<Ev> textSet = FeatureSet.builder("served_text", Ev.class)
            .textEntity("merchant", (Ev e) -> "m-" + e.key)
            .eventTime(Ev::timeMs)
            .count("n")
            .sum("total", Ev::amount)
            .build();
        FeatureTestDriver<Ev> driver = FeatureTestDriver.create(textSet, FeatureLogFixture.START);
        driver.pipe(new Ev(7, FeatureLogFixture.START - 10, 2.5));
        Path dir = tmp.resolve("log");
        FeatureVector v = textSet.newVector();
        String longKey = "m-" + "x".repeat(30);
        try (FeatureLog log = FeatureLog.forReader(driver.reader()).directory(dir).maxKeyChars(9).open()) {
            assertThat(log.read(1, "m-7", v)).isTrue();
            assertThat(log.read(2, "m-ÿ€7", v)).isFalse();
            assertThat(log.read(3, longKey, v)).isFalse();
            assertThat(log.read(4, "m-7------", v)).isFalse();
            assertThat(log.entriesLogged()).isEqualTo(3);
            assertThat(log.entriesDropped()).isEqualTo(1);
        }
        List<String> keys = new ArrayList<>();
        List<Long> totals = new ArrayList<>();
        FeatureLog.scan(dir, textSet, (id, key, text, served) -> {
            keys.add(id + ":" + text);
            totals.add(served.getLong(textSet.ref("n")));
        });
        assertThat(keys).containsExactly("1:m-7", "2:m-ÿ€7", "4:m-7------");
        assertThat(totals).containsExactly(1L, FeatureVector.MISSING_LONG, FeatureVector.MISSING_LONG);
    }

    @Test
    void vectorsOfABatchReadAreLoggedWithAppendAndAfterCloseNothingIs() throws Exception {
        FeatureTestDriver<Ev> driver = FeatureLogFixture.fed(set, 8);
        Path dir = tmp.resolve("log");
        long[] keys = {3, 70, 5, 3};
        FeatureVector[] into = {set.newVector(), set.newVector(), set.newVector(), set.newVector()};
        List<Served> expected = new ArrayList<>();
        FeatureLog log = FeatureLog.forReader(driver.reader()).directory(dir).open();
        assertThat(driver.reader().read(keys, into)).isEqualTo(3);
        for (int i = 0; i < keys.length; i++) {
            log.append(100 + i, keys[i], into[i]);
            expected.add(new Served(100 + i, keys[i], describe(into[i])));
        }
        log.close();
        assertThat(log.read(200, 3, into[0])).isTrue(); // still served, no longer logged
        assertThat(log.entriesDropped()).isEqualTo(1);
        LogScan[] scan = new LogScan[1];
        assertThat(scanAll(dir, set, scan)).containsExactlyElementsOf(expected);
    }

    /** Writes {@code n} entries (request ids 0..n-1) into one segment and returns its path. */
    private Path oneSegment(Path dir, int n, Map<Long, String> expected) throws IOException {
        FeatureTestDriver<Ev> driver = FeatureLogFixture.fed(set, 3);
        FeatureVector v = set.newVector();
        try (FeatureLog log = FeatureLog.forReader(driver.reader()).directory(dir).open()) {
            for (long id = 0; id < n; id++) {
                log.read(id, id % 60, v);
                expected.put(id, describe(v));
            }
        }
        List<Path> segs = LogDirectory.segments(dir);
        assertThat(segs).hasSize(1);
        return segs.get(0);
    }

    private int entryBytes() {
        return LogDescriptor.entryBytes(false, FeatureLog.DEFAULT_MAX_KEY_CHARS, set.compiledLayout().vectorWidth,
            set.compiledLayout().featureCount, set.compiledLayout().categories.textWords);
    }

    private long entryOffset(long index) {
        return LogDescriptor.HEADER_BYTES + index * entryBytes();
    }

    @Test
    void aTornTailEntryIsSkippedAndCountedNeverMisread() throws Exception {
        Path dir = tmp.resolve("log");
        Map<Long, String> expected = new HashMap<>();
        Path seg = oneSegment(dir, 100, expected);
        try (RandomAccessFile f = new RandomAccessFile(seg.toFile(), "rw")) {
            // Entry 99's commit word never made it: its body is all there, the commit word is not.
            f.seek(entryOffset(99) + LogDescriptor.E_COMMIT);
            f.writeLong(0);
            // Entry 100 was half written when the process died: request id and read time, nothing else.
            f.seek(entryOffset(100) + LogDescriptor.E_REQUEST_ID);
            f.writeLong(Long.reverseBytes(100));
            f.writeLong(Long.reverseBytes(FeatureLogFixture.START));
        }
        LogScan[] scan = new LogScan[1];
        List<Served> got = scanAll(dir, set, scan);
        assertThat(scan[0].entries()).isEqualTo(99);
        assertThat(scan[0].tornSkipped()).isEqualTo(2);
        assertThat(scan[0].corruptSkipped()).isZero();
        for (Served s : got) {
            assertThat(s.vector).isEqualTo(expected.get(s.requestId));
        }
        assertThat(got.get(got.size() - 1).requestId).isEqualTo(98);
    }

    @Test
    void aFlippedByteInTheMiddleSkipsOnlyItsEntryWithACount() throws Exception {
        Path dir = tmp.resolve("log");
        Map<Long, String> expected = new HashMap<>();
        Path seg = oneSegment(dir, 200, expected);
        SplittableRandom r = new SplittableRandom(11);
        int damaged = 0;
        List<Long> damagedIds = new ArrayList<>();
        try (RandomAccessFile f = new RandomAccessFile(seg.toFile(), "rw")) {
            for (long entry = 10; entry < 200; entry += 37) {
                // Any byte of the entry: the commit word, the request id, a time, a value, a size.
                long at = entryOffset(entry) + r.nextInt(entryBytes());
                f.seek(at);
                int b = f.read();
                f.seek(at);
                f.write(b ^ (1 << r.nextInt(8)));
                damaged++;
                damagedIds.add(entry);
            }
        }
        LogScan[] scan = new LogScan[1];
        List<Served> got = scanAll(dir, set, scan);
        assertThat(scan[0].corruptSkipped()).isEqualTo(damaged);
        assertThat(scan[0].entries()).isEqualTo(200 - damaged);
        for (Served s : got) {
            assertThat(damagedIds).doesNotContain(s.requestId);
            assertThat(s.vector).isEqualTo(expected.get(s.requestId));
        }
    }

    @Test
    void retentionDeletesTheOldestClosedSegmentsOnlyInsideItsDirectory() throws Exception {
        Path dir = tmp.resolve("log");
        Path neighbour = Files.writeString(tmp.resolve("0000000000000000-lane0.flog"), "not the log's");
        Path inside = Files.writeString(dir.getParent().resolve("keep.txt"), "x");
        FeatureTestDriver<Ev> driver = FeatureLogFixture.fed(set, 4);
        long segmentBytes = 16 << 10;
        FeatureVector v = set.newVector();
        long deleted;
        FeatureLog opened = FeatureLog.forReader(driver.reader()).directory(dir).segmentBytes(segmentBytes)
            .retainBytes(4 * segmentBytes).open();
        try (FeatureLog log = opened) {
            for (long id = 0; id < 3_000; id++) {
                log.read(id, id % 60, v);
            }
        }
        // Retention runs on the log's preparer thread, and at the latest when the log closes: counted after close.
        deleted = opened.segmentsDeleted();
        List<Path> left = LogDirectory.segments(dir);
        assertThat(deleted).isPositive();
        assertThat(left.size()).isLessThanOrEqualTo(4);
        assertThat(neighbour).exists();
        assertThat(inside).exists();
        // What is left is the newest entries, contiguous up to the last.
        LogScan[] scan = new LogScan[1];
        List<Served> got = scanAll(dir, set, scan);
        for (int i = 1; i < got.size(); i++) {
            assertThat(got.get(i).requestId).isEqualTo(got.get(i - 1).requestId + 1);
        }
        assertThat(got.get(got.size() - 1).requestId).isEqualTo(2_999);
    }

    @Test
    void aDirectoryIsOneLogOfOneSet() throws Exception {
        Path dir = tmp.resolve("log");
        FeatureTestDriver<Ev> driver = FeatureLogFixture.fed(set, 5);
        try (FeatureLog log = FeatureLog.forReader(driver.reader()).directory(dir).open()) {
            log.read(1, 1, set.newVector());
            assertThatThrownBy(() -> FeatureLog.forReader(driver.reader()).directory(dir).open())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("is open in another FeatureLog");
        }
        FeatureSet<Ev> other = FeatureSet.builder("other", Ev.class).entity("user", Ev::key).eventTime(Ev::timeMs)
            .count("n").build();
        FeatureTestDriver<Ev> otherDriver = FeatureTestDriver.create(other, 0);
        assertThatThrownBy(() -> FeatureLog.forReader(otherDriver.reader()).directory(dir).open())
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("give each set");
        assertThatThrownBy(() -> FeatureLog.scan(dir, other, (id, key, text, v) -> { }))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scan it with the definition");
        assertThatThrownBy(() -> FeatureLog.forReader(driver.reader()).open())
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("directory(Path)");
        assertThatThrownBy(() -> FeatureLog.forReader(driver.reader()).segmentBytes(0))
            .hasMessageContaining("segmentBytes=0");
        // Reopened, it appends after what is there.
        try (FeatureLog log = FeatureLog.forReader(driver.reader()).directory(dir).open()) {
            log.read(2, 2, set.newVector());
        }
        List<Long> ids = new ArrayList<>();
        FeatureLog.scan(dir, set, (id, key, text, v) -> ids.add(id));
        assertThat(ids).containsExactly(1L, 2L);
    }

    @Test
    void utf8CategoryTextIsLoggedAsServedAndAValueNotHeldIsLoggedAsZeros() throws Exception {
        FeatureTestDriver<Ev> driver = FeatureLogFixture.fed(set, 12);
        Path dir = tmp.resolve("log");
        FeatureVector v = set.newVector();
        FeatureRef recent = set.ref("recent_merchants");
        List<Served> expected = new ArrayList<>();
        long[] servedText;
        try (FeatureLog log = FeatureLog.forReader(driver.reader()).directory(dir).open()) {
            assertThat(log.read(1, 3, v)).isTrue();
            assertThat(v.size(recent)).as("key 3 holds 3 recent names").isEqualTo(3);
            servedText = v.loggedText().clone();
            expected.add(new Served(1, 3, describe(v)));
            // No row: the vector's text still holds key 3's bytes, which were not served with this read.
            assertThat(log.read(2, FeatureLogFixture.KEYS + 1, v)).isFalse();
            assertThat(v.loggedText()).isEqualTo(servedText);
            expected.add(new Served(2, FeatureLogFixture.KEYS + 1, describe(v)));
        }
        LogScan[] scan = new LogScan[1];
        List<Served> got = scanAll(dir, set, scan);
        assertThat(got).containsExactlyElementsOf(expected);
        assertThat(got.get(0).vector).contains("merchant=[", "recent_merchants=[");

        LogSegmentReader r = reader(set);
        assertThat(r.open(LogDirectory.segments(dir).get(0))).isTrue();
        assertThat(r.next()).isTrue();
        assertThat(r.text).as("the served bytes, at the declared widths").isEqualTo(servedText);
        assertThat(r.next()).isTrue();
        assertThat(r.text).as("a read that served no text logs none").containsOnly(0L);
        assertThat(r.next()).isFalse();
    }

    private static LogSegmentReader reader(FeatureSet<?> s) {
        return new LogSegmentReader(s.fingerprint(), s.compiledLayout().vectorWidth, s.compiledLayout().featureCount,
            false, s.compiledLayout().categories.textWords);
    }

    @Test
    void aFlippedByteInTheCategoryTextSkipsItsEntryWithACount() throws Exception {
        Path dir = tmp.resolve("log");
        Map<Long, String> expected = new HashMap<>();
        Path seg = oneSegment(dir, 20, expected);
        int textWords = set.compiledLayout().categories.textWords;
        assertThat(textWords).isEqualTo(1 + 3);
        try (RandomAccessFile f = new RandomAccessFile(seg.toFile(), "rw")) {
            long at = entryOffset(7) + entryBytes() - 8L * textWords + 2; // the third byte of entry 7's merchant
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x04);
        }
        LogScan[] scan = new LogScan[1];
        List<Served> got = scanAll(dir, set, scan);
        assertThat(scan[0].corruptSkipped()).isEqualTo(1);
        assertThat(got).hasSize(19).noneMatch(s -> s.requestId == 7);
        for (Served s : got) {
            assertThat(s.vector).isEqualTo(expected.get(s.requestId));
        }
    }

    /** Copies a format-1 segment written by the build before UTF-8 text was logged (test resources) into a dir. */
    private static Path formatOneLog(String name, Path dir) throws IOException {
        Files.createDirectories(dir);
        String file = "0000000000000000-lane0.flog";
        try (InputStream in = FeatureLogTest.class.getResourceAsStream("featurelog-v1/" + name + "/" + file)) {
            assertThat(in).as("fixture featurelog-v1/%s", name).isNotNull();
            Files.copy(in, dir.resolve(file));
        }
        return dir;
    }

    private static int versionOf(Path segment) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "r")) {
            f.seek(LogDescriptor.H_VERSION);
            return Integer.reverseBytes(f.readInt());
        }
    }

    @Test
    void aFormatOneSegmentOfASetWithoutUtf8TextReadsBackAsServedAndANewLogAppendsBesideIt() throws Exception {
        // Written by the format-1 build: numericSet fed with seed 21, request ids 0..11 reading key id * 7 % 55.
        FeatureSet<Ev> numeric = FeatureLogFixture.numericSet();
        Path dir = formatOneLog("numeric", tmp.resolve("v1"));
        assertThat(versionOf(LogDirectory.segments(dir).get(0))).isEqualTo(1);
        FeatureTestDriver<Ev> driver = FeatureLogFixture.fed(numeric, 21);
        List<Served> expected = new ArrayList<>();
        for (long id = 0; id < 12; id++) {
            long key = id * 7 % (FeatureLogFixture.KEYS + 5);
            expected.add(new Served(id, key, describe(driver.read(key))));
        }
        LogScan[] scan = new LogScan[1];
        assertThat(scanAll(dir, numeric, scan)).containsExactlyElementsOf(expected);
        assertThat(scan[0].corruptSkipped() + scan[0].tornSkipped()).isZero();

        try (FeatureLog log = FeatureLog.forReader(driver.reader()).directory(dir).open()) {
            FeatureVector v = numeric.newVector();
            log.read(100, 5, v);
            expected.add(new Served(100, 5, describe(v)));
        }
        assertThat(LogDirectory.segments(dir).stream().map(p -> {
            try {
                return versionOf(p);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        })).containsExactly(1, LogDescriptor.VERSION);
        assertThat(scanAll(dir, numeric, scan)).containsExactlyElementsOf(expected);
    }

    @Test
    void aFormatOneSegmentOfASetWithUtf8TextIsRefusedNamingTheVersion() throws Exception {
        // Written by the format-1 build for this very set (same fingerprint): ids and byte lengths, no text.
        Path dir = formatOneLog("text", tmp.resolve("v1"));
        assertThatThrownBy(() -> FeatureLog.scan(dir, set, (id, key, text, v) -> { }))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0000000000000000-lane0.flog")
            .hasMessageContaining("format version=1").hasMessageContaining("does not record UTF-8 category text")
            .hasMessageContaining("textWords=4");
        FeatureTestDriver<Ev> driver = FeatureLogFixture.fed(set, 22);
        assertThatThrownBy(() -> FeatureLog.forReader(driver.reader()).directory(dir).open())
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("format version=1")
            .hasMessageContaining("log this set anew");
        // Its fingerprint is this set's: refused for the missing text, not as another definition's.
        assertThatThrownBy(() -> FeatureLog.scan(dir, FeatureLogFixture.numericSet(), (id, key, text, v) -> { }))
            .hasMessageContaining("scan it with the definition that served it");
    }

    @Test
    void aNewerVersionOrADamagedTextWidthInTheHeaderIsRefusedWithTheReason() throws Exception {
        Path dir = tmp.resolve("log");
        Path seg = oneSegment(dir, 3, new HashMap<>());
        try (RandomAccessFile f = new RandomAccessFile(seg.toFile(), "rw")) {
            f.seek(LogDescriptor.H_VERSION);
            f.writeInt(Integer.reverseBytes(LogDescriptor.VERSION + 1));
        }
        assertThatThrownBy(() -> FeatureLog.scan(dir, set, (id, key, text, v) -> { }))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("format version=3")
            .hasMessageContaining("reads versions 1 and 2").hasMessageContaining("newer Freshet");
        try (RandomAccessFile f = new RandomAccessFile(seg.toFile(), "rw")) {
            f.seek(LogDescriptor.H_VERSION);
            f.writeInt(Integer.reverseBytes(LogDescriptor.VERSION));
            f.seek(LogDescriptor.H_TEXT_WORDS);
            f.writeInt(Integer.reverseBytes(5));
        }
        assertThatThrownBy(() -> FeatureLog.scan(dir, set, (id, key, text, v) -> { }))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("textWords=5")
            .hasMessageContaining("layout textWords=4").hasMessageContaining("header is damaged");
    }

    /**
     * The log's own part of a logged read, the append, allocates nothing (the in-memory test store's read itself may
     * box and copy; the served read on the table store is measured with the append in FeatureLogBenchmark).
     */
    @Test
    void anAppendAllocatesNothing() throws Exception {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        FeatureTestDriver<Ev> driver = FeatureLogFixture.fed(set, 6);
        FeatureVector[] vectors = new FeatureVector[60];
        for (int k = 0; k < vectors.length; k++) {
            vectors[k] = set.newVector();
            driver.read(k, vectors[k]);
        }
        int n = 20_000;
        try (FeatureLog log = FeatureLog.forReader(driver.reader()).directory(tmp.resolve("log"))
            .segmentBytes(FeatureLog.MAX_SEGMENT_BYTES).open()) {
            for (int i = 0; i < 5 * n; i++) {
                log.append(i, i % 60, vectors[i % 60]);
            }
            // The lowest of a few rounds: under a loaded machine the JIT may still be compiling the first ones.
            long bytes = Long.MAX_VALUE;
            for (int round = 0; round < 5 && bytes > 0; round++) {
                long before = mx.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < n; i++) {
                    log.append(i, i % 60, vectors[i % 60]);
                }
                bytes = Math.min(bytes, mx.getCurrentThreadAllocatedBytes() - before);
            }
            assertThat((double) bytes / n).as("bytes per append").isLessThan(1.0);
        }
    }
}
