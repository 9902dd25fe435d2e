package io.freshet.kafka.parquet;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.Categories;
import io.freshet.core.FeatureLog;
import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureTestDriver;
import io.freshet.core.FeatureVector;
import io.freshet.core.Window;
import io.freshet.kafka.ServedRows;
import io.freshet.kafka.ServedRowsReport;
import io.freshet.kafka.TrainingSink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.parquet.example.data.Group;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rows from the served-feature log written as Parquet ({@link ServedRows#write} to a {@link ParquetSink}) are the rows
 * the Parquet sink writes for the vectors as they were served: same schema, same values, UTF-8 categorical features
 * (their text as served, cut to the declared width) included. No broker: the vectors come from a test driver.
 */
class ServedRowsParquetTest {
    private static final long START = 1_700_000_000_000L;
    /** Merchant categories: ASCII, a comma and quote, 2-byte and 3-byte UTF-8, some longer than 8 bytes. */
    private static final String[] CATEGORIES = {"grocery", "café, bar", "say \"hi\"", "ключ-замок", "€-travel", "x"};

    /** A payment: user, merchant, time, amount. */
    record Pay(long user, int merchant, long tsMs, double amount) {
        String category() {
            return CATEGORIES[merchant % CATEGORIES.length];
        }
    }

    /** A label that arrives after the read. */
    record Outcome(long requestId, boolean fraud) {
    }

    private static final FeatureSet<Pay> USERS = FeatureSet.builder("users", Pay.class)
        .entity("user", Pay::user)
        .eventTime(Pay::tsMs)
        .staleAfter(Duration.ofMinutes(5))
        .latest("last_amount", Pay::amount)
        .count("txn_10m", Window.sliding(Duration.ofMinutes(10)))
        .lastN("last_merchants", (Pay p) -> p.merchant(), 3)
        .latestCategory("last_category", Pay::category, Categories.utf8(8))
        .lastNCategories("recent_categories", Pay::category, Categories.utf8(5), 3)
        .latestCategory("last_category_id", Pay::category, Categories.of("grocery", "x"))
        .build();

    @Test
    void parquetRowsFromTheLogEqualTheParquetRowsOfTheServedVectors(@TempDir Path dir) throws Exception {
        FeatureTestDriver<Pay> driver = FeatureTestDriver.create(USERS, START);
        Random r = new Random(11);
        List<Outcome> labels = new ArrayList<>();
        FeatureVector v = USERS.newVector();
        Path logDir = dir.resolve("log");
        Path expected = dir.resolve("expected.parquet");
        try (FeatureLog log = FeatureLog.forReader(driver.reader()).directory(logDir).segmentBytes(32 << 10).open();
            TrainingSink sink = ParquetSink.to(expected)) {
            sink.open(List.of("fraud"), List.of(USERS));
            for (long id = 0; id < 300; id++) {
                for (int i = 0; i < 2; i++) {
                    driver.pipe(new Pay(r.nextInt(20), r.nextInt(12), driver.nowMs() - r.nextInt(120_000),
                        Math.round(r.nextDouble() * 10_000) / 100.0));
                }
                driver.advance(Duration.ofMillis(r.nextInt(30_000)));
                log.read(id, r.nextInt(24), v); // users 20..23 have no event: MISSING rows
                Outcome o = new Outcome(id, r.nextBoolean());
                labels.add(o);
                sink.write(v.readTimeMs(), new Object[] {o.fraud()}, new FeatureVector[] {v});
            }
            sink.finish();
        }

        Path served = dir.resolve("served.parquet");
        ServedRowsReport report = ServedRows.forLabels(labels, Outcome::requestId)
            .labelColumn("fraud", Outcome::fraud)
            .log(logDir, USERS)
            .write(ParquetSink.to(served));
        assertThat(report.rows()).isEqualTo(300);
        assertThat(report.scan().segments()).isGreaterThan(1);

        List<Group> want = ParquetSinkTest.readParquet(expected);
        List<Group> got = ParquetSinkTest.readParquet(served);
        assertThat(got).hasSize(300).hasSameSizeAs(want);
        assertThat(got.get(0).getType()).isEqualTo(want.get(0).getType());
        for (int i = 0; i < got.size(); i++) {
            assertThat(got.get(i).toString()).as("row %d", i).isEqualTo(want.get(i).toString());
        }
        // The comparison covered the text: multi-byte values, cut ones, and missing rows.
        List<String> rows = got.stream().map(Group::toString).toList();
        assertThat(rows).anyMatch(s -> s.contains("users__last_category: ключ\n"))
            .anyMatch(s -> s.contains("users__last_category: café, b\n"))
            .anyMatch(s -> s.contains("element: €-t\n"))
            .anyMatch(s -> s.contains("users__status: MISSING"));
    }
}
