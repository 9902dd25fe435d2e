package io.freshet.examples;

import io.freshet.core.FeatureView;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The train-and-serve demo's check that its in-memory training rows ({@link ModelRows}) are the view's own training
 * rows: the CSV that {@code TrainingSet...view(view).viewParam("amount", ...)} wrote for the same labels must have the
 * header {@code label_time_ms,fraud,amount,merchant} then exactly the view's columns, and each of its rows must equal
 * the in-memory row of the same label, column by column (the doubles' bits; an empty cell as a missing value). The
 * first few differences are printed.
 *
 * <p>Threading: the caller's thread.
 */
final class ViewRowsCheck {
    /** Differences printed in full. */
    private static final int PRINTED = 3;

    private ViewRowsCheck() {
    }

    /**
     * @param rows the in-memory rows
     * @param view the view both were made of
     * @param csv the view's training rows, written by {@code TrainingSet.writeCsv}
     * @param out where differences go
     * @return {CSV rows checked, equal to their in-memory row}; checked is -1 when the header is not the view's
     * @throws IOException when the CSV cannot be read
     */
    static int[] run(ModelRows rows, FeatureView view, Path csv, PrintStream out) throws IOException {
        int w = view.width();
        Map<String, ArrayDeque<Integer>> byLabel = new HashMap<>();
        for (int r = 0; r < rows.rows(); r++) {
            byLabel.computeIfAbsent(rows.labelKey(r), k -> new ArrayDeque<>()).add(r);
        }
        List<String> expectedHeader = new ArrayList<>(List.of("label_time_ms"));
        expectedHeader.addAll(ModelRows.LABEL_COLUMNS);
        expectedHeader.addAll(view.columns());
        int checked = 0;
        int equal = 0;
        double[] cells = new double[w];
        double[] mine = new double[w];
        try (BufferedReader in = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
            String header = in.readLine();
            if (header == null || !Arrays.asList(header.split(",", -1)).equals(expectedHeader)) {
                out.printf("    view rows: header %s is not %s%n", header, String.join(",", expectedHeader));
                return new int[] {-1, 0};
            }
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                String[] c = line.split(",", -1);
                checked++;
                String key = String.join(",", Arrays.copyOf(c, 1 + ModelRows.LABEL_COLUMNS.size()));
                int first = 1 + ModelRows.LABEL_COLUMNS.size();
                for (int i = 0; i < w; i++) {
                    String cell = first + i < c.length ? c[first + i] : "";
                    cells[i] = cell.isEmpty() ? Double.NaN : Double.parseDouble(cell);
                }
                ArrayDeque<Integer> candidates = byLabel.get(key);
                Integer match = null;
                if (candidates != null) {
                    for (Integer r : candidates) {
                        System.arraycopy(rows.raw(), r * w, mine, 0, w);
                        if (sameBits(cells, mine)) {
                            match = r;
                            break;
                        }
                    }
                }
                if (match != null) {
                    candidates.remove(match);
                    equal++;
                } else if (checked - equal <= PRINTED) {
                    out.printf("    view rows: CSV row %s has no equal in-memory row (label found: %b)%n", line,
                        candidates != null && !candidates.isEmpty());
                }
            }
        }
        return new int[] {checked, equal};
    }

    private static boolean sameBits(double[] a, double[] b) {
        for (int i = 0; i < a.length; i++) {
            // doubleToLongBits: every NaN is one missing value.
            if (Double.doubleToLongBits(a[i]) != Double.doubleToLongBits(b[i])) {
                return false;
            }
        }
        return true;
    }
}
