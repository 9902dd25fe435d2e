package io.freshet.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.FeatureTestDriver;
import io.freshet.core.FeatureVector;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The check of the in-memory training rows against the view's CSV: equal rows pass, a changed cell or header fails. */
class ViewRowsCheckTest {
    private static final long T0 = 1_700_000_000_000L;

    @Test
    void equalRowsPassAndAChangedCellOrHeaderIsCaught(@TempDir Path dir) throws Exception {
        FeatureTestDriver<Payment> d = FeatureTestDriver.create(RiskFeatures.USER_RISK, T0);
        d.pipe(new Payment(7, T0, 10, false, 100, 250));
        d.advance(Duration.ofSeconds(1));
        d.pipe(new Payment(7, T0 + 1000, 30, true, 101, 250));
        d.advance(Duration.ofSeconds(1));
        ModelRows rows = new ModelRows(dir.resolve("rows"), new ModelColumns(ModelColumns.VIEW));
        rows.open(ModelRows.LABEL_COLUMNS, ModelColumns.VIEW.sets());
        long t = T0 + 2000;
        rows.write(t, new Object[] {true, 80.0, 999L}, new FeatureVector[] {d.read(7)});
        rows.write(t, new Object[] {false, 12.5, 100L}, new FeatureVector[] {d.read(8)}); // no row: missing columns

        List<String> lines = new ArrayList<>();
        lines.add("label_time_ms,fraud,amount,merchant," + String.join(",", ModelColumns.VIEW.columns()));
        lines.add(csvRow(rows, 0));
        lines.add(csvRow(rows, 1));
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        Path csv = dir.resolve("view.csv");
        Files.write(csv, lines);
        assertThat(ViewRowsCheck.run(rows, ModelColumns.VIEW, csv, out)).containsExactly(2, 2);

        // One cell changed by one unit in the last place: caught.
        String[] cells = lines.get(1).split(",", -1);
        int overMean = 4 + ModelColumns.VIEW.columnIndex("payment__amount_over_mean");
        cells[overMean] = Double.toString(Math.nextUp(Double.parseDouble(cells[overMean])));
        lines.set(1, String.join(",", cells));
        Files.write(csv, lines);
        assertThat(ViewRowsCheck.run(rows, ModelColumns.VIEW, csv, out)).containsExactly(2, 1);
        assertThat(buf.toString(StandardCharsets.UTF_8)).contains("has no equal in-memory row (label found: true)");

        // Columns in another order: refused at the header.
        List<String> reversed = new ArrayList<>(ModelColumns.VIEW.columns());
        Collections.reverse(reversed);
        lines.set(0, "label_time_ms,fraud,amount,merchant," + String.join(",", reversed));
        Files.write(csv, lines);
        assertThat(ViewRowsCheck.run(rows, ModelColumns.VIEW, csv, out)[0]).isEqualTo(-1);
    }

    /** A row as the view's training CSV writes it: label columns, then each value, empty where missing. */
    private static String csvRow(ModelRows rows, int row) {
        StringBuilder b = new StringBuilder(rows.labelKey(row));
        int w = ModelColumns.VIEW.width();
        for (int i = 0; i < w; i++) {
            double v = rows.raw()[row * w + i];
            b.append(',');
            if (!Double.isNaN(v)) {
                b.append(v);
            }
        }
        return b.toString();
    }
}
