package io.freshet.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshet.core.FeatureLog;
import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureTestDriver;
import io.freshet.core.FeatureVector;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A served-feature log turned into training rows: byte for byte the CSV that {@link TrainingCsv} writes for the
 * vectors as they were served, joined to labels by request id; unmatched and damaged entries counted, never written.
 */
class ServedRowsTest {
    private static final long START = 1_700_000_000_000L;

    /**
     * Every aggregation kind: the log must carry each as served, the recent merchant names as UTF-8 text of 6 bytes
     * ({@code recent_merchant_names}) among them.
     */
    private static final FeatureSet<Payment> USERS = TrainingFixtures.USERS;

    /** Merchants: ASCII, 2-, 3- and 4-byte UTF-8, some longer than the 6 bytes stored (cut at a code point). */
    private static final String[] MERCHANTS = {
        "m-0", "m-1", "m-2", "caf\u00e9-3", "\u20acuro-4", "na\u00efve-5", "a\uD83D\uDE00b-6", "m,\"7\"",
        "\u00e9\u00e9\u00e9\u00e9"};

    @TempDir
    Path tmp;

    /** A label that arrives after the read: the outcome of one request. */
    record Outcome(long requestId, boolean fraud, String note) {
    }

    /** Serves reads through a log; returns the labels (every third request has none) and writes the expected CSV. */
    private List<Outcome> serve(Path logDir, Path expectedCsv, int reads) throws Exception {
        FeatureTestDriver<Payment> driver = FeatureTestDriver.create(USERS, START);
        SplittableRandom r = new SplittableRandom(3);
        List<Outcome> labels = new ArrayList<>();
        FeatureVector v = USERS.newVector();
        try (FeatureLog log = FeatureLog.forReader(driver.reader()).directory(logDir).segmentBytes(32 << 10).open();
            TrainingSink expected = TrainingSink.csv(expectedCsv)) {
            expected.open(List.of("fraud", "note"), List.of(USERS));
            for (long id = 0; id < reads; id++) {
                for (int i = 0; i < 3; i++) {
                    driver.pipe(new Payment(r.nextInt(40), MERCHANTS[r.nextInt(9)],
                        driver.nowMs() - r.nextInt(600_000),
                        Math.round(r.nextDouble(0, 500) * 100) / 100.0, r.nextInt(10) == 0));
                }
                driver.advance(Duration.ofMillis(r.nextInt(20_000)));
                log.read(id, r.nextInt(45), v);
                if (id % 3 != 2) {
                    Outcome o = new Outcome(id, r.nextBoolean(), id % 5 == 0 ? "said \"no\", twice" : null);
                    labels.add(o);
                    expected.write(v.readTimeMs(), new Object[] {o.fraud(), o.note()}, new FeatureVector[] {v});
                }
            }
            expected.finish();
        }
        return labels;
    }

    @Test
    void rowsFromTheLogAreTheRowsOfTheServedVectorsJoinedByRequestId() throws Exception {
        Path logDir = tmp.resolve("log");
        Path expected = tmp.resolve("expected.csv");
        List<Outcome> labels = serve(logDir, expected, 600);
        List<Outcome> late = new ArrayList<>(labels);
        java.util.Collections.shuffle(late, new java.util.Random(5)); // labels arrive in any order
        late.add(new Outcome(99_999, true, "never served"));

        Path csv = tmp.resolve("served.csv");
        ServedRowsReport report = ServedRows.forLabels(late, Outcome::requestId)
            .labelColumn("fraud", Outcome::fraud)
            .labelColumn("note", Outcome::note)
            .log(logDir, USERS)
            .writeCsv(csv);

        assertThat(Files.readString(csv)).isEqualTo(Files.readString(expected));
        assertThat(report.rows()).isEqualTo(400);
        assertThat(report.labelsUnmatched()).isEqualTo(1);
        assertThat(report.readsUnlabeled()).isEqualTo(200);
        assertThat(report.scan().segments()).isGreaterThan(3);
        List<String> lines = Files.readAllLines(csv);
        assertThat(lines.get(0)).startsWith("label_time_ms,fraud,note,users__status,users__last_amount,"
            + "users__last_amount__event_time_ms,users__txn_total,");
        assertThat(lines).anyMatch(l -> l.contains(",\"said \"\"no\"\", twice\",FRESH,"));
        assertThat(lines).anyMatch(l -> l.contains(",MISSING,"));
        assertThat(lines).anyMatch(l -> l.contains("\"["));
        // The UTF-8 names as served: multi-byte, cut at 6 bytes on a code point, quoted and escaped in the list.
        assertThat(lines.get(0)).contains(",users__recent_merchant_names,");
        assertThat(lines).anyMatch(l -> l.contains("\"\"\u20acuro\"\""));
        assertThat(lines).anyMatch(l -> l.contains("\"\"a\uD83D\uDE00b\"\""));
        assertThat(lines).anyMatch(l -> l.contains("\"\"m,\\\"\"7\\\"\"\"\""));
        assertThat(Files.readString(tmp.resolve("served.json"))).contains("\"format\": \"freshet-served-rows/1\"",
            "\"rows\": 400", "\"fingerprint\": \"" + Long.toHexString(USERS.fingerprint()) + "\"");
    }

    @Test
    void unlabeledReadsAreKeptWithEmptyLabelColumnsOnRequest() throws Exception {
        Path logDir = tmp.resolve("log");
        serve(logDir, tmp.resolve("expected.csv"), 30);
        Path csv = tmp.resolve("all.csv");
        ServedRowsReport report = ServedRows.forLabels(List.<Outcome>of(), Outcome::requestId)
            .labelColumn("fraud", Outcome::fraud).log(logDir, USERS).keepUnlabeled().writeCsv(csv);
        assertThat(report.rows()).isEqualTo(30);
        assertThat(report.readsUnlabeled()).isEqualTo(30);
        List<String> lines = Files.readAllLines(csv);
        assertThat(lines).hasSize(31);
        assertThat(lines.get(1)).matches("\\d+,,[A-Z_]+,.*");
    }

    @Test
    void damagedEntriesAreSkippedAndCountedNeverWritten() throws Exception {
        Path logDir = tmp.resolve("log");
        Path expected = tmp.resolve("expected.csv");
        List<Outcome> labels = serve(logDir, expected, 60);
        Path first = Files.list(logDir).filter(p -> p.toString().endsWith(".flog")).sorted().findFirst().get();
        int entryBytes;
        try (RandomAccessFile f = new RandomAccessFile(first.toFile(), "rw")) {
            f.seek(12);
            entryBytes = Integer.reverseBytes(f.readInt());
            long at = 64 + 3L * entryBytes + entryBytes / 2; // the middle of request 3's entry (it has a label)
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x10);
        }
        Path csv = tmp.resolve("served.csv");
        ServedRowsReport report = ServedRows.forLabels(labels, Outcome::requestId)
            .labelColumn("fraud", Outcome::fraud).labelColumn("note", Outcome::note).log(logDir, USERS)
            .writeCsv(csv);
        assertThat(report.scan().corruptSkipped()).isEqualTo(1);
        assertThat(report.labelsUnmatched()).isEqualTo(1);
        List<String> want = new ArrayList<>(Files.readAllLines(expected));
        want.remove(3); // header, request 0, 1, then 3 (2 has no label)
        assertThat(Files.readAllLines(csv)).containsExactlyElementsOf(want);
    }

    @Test
    void badOptionsAreRefusedWithTheFix() {
        ServedRows<Outcome> rows = ServedRows.forLabels(List.of(new Outcome(1, true, null),
            new Outcome(1, false, null)), Outcome::requestId);
        assertThatThrownBy(() -> rows.writeCsv(tmp.resolve("x.csv"))).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("log(dir, set)");
        rows.log(tmp.resolve("log"), USERS);
        assertThatThrownBy(() -> rows.writeCsv(tmp.resolve("x.csv"))).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("requestId=1 has two labels");
        assertThatThrownBy(() -> rows.labelColumn("label_time_ms", Outcome::fraud))
            .hasMessageContaining("reserved");
        assertThatThrownBy(() -> rows.log(tmp, USERS)).hasMessageContaining("one log per run");
    }
}
