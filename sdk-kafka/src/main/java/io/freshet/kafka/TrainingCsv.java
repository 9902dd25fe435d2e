package io.freshet.kafka;

import io.freshet.core.FeatureKind;
import io.freshet.core.FeatureRef;
import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureVector;
import io.freshet.core.FeatureView;
import io.freshet.core.VectorStatus;
import io.freshet.core.ViewVector;
import io.freshet.kafka.internal.training.TrainingColumns;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a {@link TrainingSet}'s rows as CSV (RFC 4180 quoting); {@link TrainingSink} documents the columns and
 * formats. Not thread-safe: one run.
 */
final class TrainingCsv implements TrainingSink {
    private final Path file;
    private final StringBuilder line = new StringBuilder(1024);
    /** Scratch for one categorical value. */
    private final StringBuilder text = new StringBuilder(64);
    private List<FeatureSet<?>> sets;
    private FeatureView view;
    private Writer out;

    TrainingCsv(Path file) {
        this.file = file;
    }

    @Override
    public Path file() {
        return file;
    }

    @Override
    public String format() {
        return "csv";
    }

    @Override
    public void open(List<String> labelColumns, List<FeatureSet<?>> sets) throws IOException {
        this.sets = List.copyOf(sets);
        List<String> columns = TrainingColumns.all(labelColumns, sets);
        this.out = new BufferedWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8), 1 << 16);
        line.setLength(0);
        for (int i = 0; i < columns.size(); i++) {
            if (i > 0) {
                line.append(',');
            }
            appendText(line, columns.get(i));
        }
        line.append('\n');
        out.append(line);
    }

    /**
     * Creates the file with the header of a view's rows: {@code label_time_ms}, the label columns, then exactly the
     * view's columns.
     *
     * @param labelColumns the label columns' names
     * @param view the view
     * @throws IOException when the file cannot be written
     */
    void openView(List<String> labelColumns, FeatureView view) throws IOException {
        this.view = view;
        List<String> columns = new ArrayList<>();
        columns.add(LABEL_TIME_COLUMN);
        columns.addAll(labelColumns);
        columns.addAll(view.columns());
        this.out = new BufferedWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8), 1 << 16);
        line.setLength(0);
        for (int i = 0; i < columns.size(); i++) {
            if (i > 0) {
                line.append(',');
            }
            appendText(line, columns.get(i));
        }
        line.append('\n');
        out.append(line);
    }

    /**
     * Writes one row of a view: each column's value as {@link ViewVector#copyTo(double[])} gives it (a long-valued
     * column as an integer), an empty cell where it is missing.
     *
     * @param labelTimeMs the label time
     * @param labelValues the label columns' values
     * @param v the view's vector at the label time
     * @throws IOException when the file cannot be written
     */
    void writeView(long labelTimeMs, Object[] labelValues, ViewVector v) throws IOException {
        line.setLength(0);
        line.append(labelTimeMs);
        for (Object value : labelValues) {
            line.append(',');
            if (value != null) {
                appendText(line, value.toString());
            }
        }
        for (int c = 0; c < v.width(); c++) {
            line.append(',');
            if (v.isPresent(c)) {
                if (view.columnType(c) == FeatureKind.ValueType.LONG) {
                    line.append((long) v.getDouble(c));
                } else {
                    line.append(v.getDouble(c));
                }
            }
        }
        line.append('\n');
        out.append(line);
    }

    @Override
    public void write(long labelTimeMs, Object[] labelValues, FeatureVector[] vectors) throws IOException {
        line.setLength(0);
        line.append(labelTimeMs);
        for (Object v : labelValues) {
            line.append(',');
            if (v != null) {
                appendText(line, v.toString());
            }
        }
        for (int s = 0; s < vectors.length; s++) {
            FeatureSet<?> set = sets.get(s);
            FeatureVector v = vectors[s];
            line.append(',').append(v == null ? VectorStatus.MISSING : v.status());
            for (FeatureRef ref : set.refs()) {
                line.append(',');
                if (v != null && v.isPresent(ref)) {
                    appendValue(line, v, ref);
                }
                if (ref.kind() == FeatureKind.TOP_K) {
                    line.append(',');
                    if (v != null && v.isPresent(ref)) {
                        appendCounts(line, v, ref);
                    }
                }
                if (ref.kind().isStored()) {
                    line.append(',');
                    long t = v == null ? FeatureVector.NO_TIME : v.eventTimeMs(ref);
                    if (t != FeatureVector.NO_TIME) {
                        line.append(t);
                    }
                }
            }
        }
        line.append('\n');
        out.append(line);
    }

    @Override
    public void finish() throws IOException {
        out.flush();
    }

    /** A TOP_K feature's counts, in the order of its ids: quoted like a last-N list. */
    private static void appendCounts(StringBuilder b, FeatureVector v, FeatureRef ref) {
        b.append("\"[");
        for (int i = 0; i < v.size(ref); i++) {
            if (i > 0) {
                b.append(',');
            }
            b.append(v.getCount(ref, i));
        }
        b.append("]\"");
    }

    private void appendValue(StringBuilder b, FeatureVector v, FeatureRef ref) {
        if (ref.kind() == FeatureKind.LATEST_CATEGORY) {
            text.setLength(0);
            v.category(ref, text);
            appendText(b, text);
        } else if (ref.kind() == FeatureKind.LAST_N_CATEGORIES) {
            // A JSON array of strings, newest first, in one CSV field: values may hold commas and quotes.
            text.setLength(0);
            text.append('[');
            for (int i = 0; i < v.size(ref); i++) {
                text.append(i > 0 ? ",\"" : "\"");
                int from = text.length();
                v.category(ref, i, text);
                for (int j = text.length() - 1; j >= from; j--) {
                    char c = text.charAt(j);
                    if (c == '"' || c == '\\') {
                        text.insert(j, '\\');
                    } else if (c < 0x20) {
                        text.replace(j, j + 1, String.format("\\u%04x", (int) c));
                    }
                }
                text.append('"');
            }
            appendText(b, text.append(']'));
        } else if (ref.kind() == FeatureKind.LAST_N || ref.kind() == FeatureKind.TOP_K) {
            // Quoted: the list's commas are not column separators.
            b.append("\"[");
            for (int i = 0; i < v.size(ref); i++) {
                if (i > 0) {
                    b.append(',');
                }
                b.append(v.getLong(ref, i));
            }
            b.append("]\"");
        } else if (ref.kind().valueType() == FeatureKind.ValueType.LONG) {
            b.append(v.getLong(ref));
        } else {
            b.append(v.getDouble(ref)); // shortest text that parses back to the same double
        }
    }

    /** RFC 4180: quoted when it holds a comma, a quote or a line break; quotes doubled. */
    static void appendText(StringBuilder b, CharSequence s) {
        boolean quote = false;
        for (int i = 0; i < s.length() && !quote; i++) {
            char c = s.charAt(i);
            quote = c == ',' || c == '"' || c == '\n' || c == '\r';
        }
        if (!quote) {
            b.append(s);
            return;
        }
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"') {
                b.append('"');
            }
            b.append(c);
        }
        b.append('"');
    }

    @Override
    public void close() throws IOException {
        if (out != null) {
            out.close();
        }
    }
}
