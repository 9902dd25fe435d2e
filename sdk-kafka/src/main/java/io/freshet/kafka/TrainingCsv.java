package io.freshet.kafka;

import io.freshet.core.FeatureKind;
import io.freshet.core.FeatureRef;
import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureVector;
import io.freshet.core.VectorStatus;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;

/**
 * Writes a {@link TrainingSet}'s rows as CSV (RFC 4180 quoting) and its sidecar JSON. Column layout and formats are
 * documented on {@link TrainingSet}. Not thread-safe: one run.
 *
 * @param <L> the label type
 */
final class TrainingCsv<L> implements TrainingSet.RowSink<L>, AutoCloseable {
    /** Sidecar format: bumped when its fields change meaning. */
    static final String SIDECAR_FORMAT = "freshet-training-rows/1";
    /** Suffix of a stored feature's event-time column. */
    static final String EVENT_TIME_SUFFIX = "__event_time_ms";

    /** The run's definition; null when the rows come from a served-feature log ({@link ServedRows}). */
    private final TrainingSet<L> training;
    private final List<TrainingSet.LabelColumn<L>> labelColumns;
    private final List<FeatureSet<?>> sets;
    private final Path file;
    private final Writer out;
    private final List<String> columns = new ArrayList<>();
    private final StringBuilder line = new StringBuilder(1024);
    private long rows;

    TrainingCsv(TrainingSet<L> training, Path file) throws IOException {
        this(training, training.labelColumns, setsOf(training), file);
    }

    /** Rows that are not a TrainingSet run's (a served-feature log's): the same columns and formats, no run sidecar. */
    TrainingCsv(List<TrainingSet.LabelColumn<L>> labelColumns, List<FeatureSet<?>> sets, Path file)
        throws IOException {
        this(null, labelColumns, sets, file);
    }

    private TrainingCsv(TrainingSet<L> training, List<TrainingSet.LabelColumn<L>> labelColumns,
        List<FeatureSet<?>> sets, Path file) throws IOException {
        this.training = training;
        this.labelColumns = labelColumns;
        this.sets = sets;
        this.file = file;
        columns.add(TrainingSet.LABEL_TIME_COLUMN);
        for (TrainingSet.LabelColumn<L> c : labelColumns) {
            columns.add(c.name);
        }
        for (FeatureSet<?> set : sets) {
            columns.add(set.name() + "__status");
            for (FeatureRef ref : set.refs()) {
                columns.add(set.name() + "__" + ref.name());
                if (ref.kind().isStored()) {
                    columns.add(set.name() + "__" + ref.name() + EVENT_TIME_SUFFIX);
                }
            }
        }
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

    private static List<FeatureSet<?>> setsOf(TrainingSet<?> training) {
        List<FeatureSet<?>> sets = new ArrayList<>();
        for (TrainingSet.Join<?, ?> j : training.joins) {
            sets.add(j.set);
        }
        return sets;
    }

    @Override
    public void accept(L label, long labelTimeMs, FeatureVector[] vectors) throws IOException {
        line.setLength(0);
        line.append(labelTimeMs);
        for (TrainingSet.LabelColumn<L> c : labelColumns) {
            line.append(',');
            Object v = label == null ? null : c.value.apply(label);
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
        rows++;
    }

    private static void appendValue(StringBuilder b, FeatureVector v, FeatureRef ref) {
        if (ref.kind() == FeatureKind.LAST_N) {
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
    static void appendText(StringBuilder b, String s) {
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

    /** @return the header's columns */
    List<String> columns() {
        return columns;
    }

    /** @return rows written so far */
    long rows() {
        return rows;
    }

    /** Flushes the rows (a served-feature log's: {@link ServedRows} writes its own sidecar). */
    void flush() throws IOException {
        out.flush();
    }

    /** Flushes the rows and writes the sidecar JSON of a TrainingSet run. */
    void finish(Path sidecar, TrainingSet<L>.Run run, TrainingProgress done) throws IOException {
        out.flush();
        StringBuilder j = new StringBuilder(4096);
        j.append("{\n  \"format\": ").append(json(SIDECAR_FORMAT));
        j.append(",\n  \"csv\": ").append(json(file.getFileName().toString()));
        j.append(",\n  \"rows\": ").append(rows);
        j.append(",\n  \"asOfKnownTime\": {\"lagMs\": ").append(training.lagMs)
            .append(", \"recordTime\": \"largest record timestamp of the partition up to the record\"")
            .append(", \"qualifies\": \"event time < label time and record time <= label time + lagMs\"}");
        j.append(",\n  \"start\": ").append(json(training.start.toString()));
        j.append(",\n  \"startOffsets\": ");
        offsets(j, run.startOffsets);
        j.append(",\n  \"endOffsets\": ");
        offsets(j, run.endOffsets);
        j.append(",\n  \"recordsRead\": ").append(done.recordsRead());
        j.append(",\n  \"badRecordsSkipped\": ").append(run.badRecords);
        j.append(",\n  \"labelColumns\": [");
        for (int i = 0; i < training.labelColumns.size(); i++) {
            j.append(i == 0 ? "" : ", ").append(json(training.labelColumns.get(i).name));
        }
        j.append("],\n  \"sets\": [");
        for (int s = 0; s < training.joins.size(); s++) {
            TrainingSet.Join<L, ?> join = training.joins.get(s);
            FeatureSet<?> set = join.set;
            j.append(s == 0 ? "\n" : ",\n").append("    {\"name\": ").append(json(set.name()))
                .append(", \"entity\": ").append(json(set.entityName()))
                .append(", \"keyType\": ").append(json(set.keyType().name()))
                .append(", \"fingerprint\": ").append(json(Long.toHexString(set.fingerprint())))
                .append(", \"staleAfterMs\": ").append(set.staleAfterMs())
                .append(", \"futureSkewMs\": ").append(set.futureSkewMs())
                .append(", \"topics\": [");
            for (int i = 0; i < join.sources.size(); i++) {
                j.append(i == 0 ? "" : ", ").append(json(join.sources.get(i).topic()));
            }
            j.append("], \"canonicalForm\": ").append(json(set.canonicalForm())).append('}');
        }
        j.append("\n  ]\n}\n");
        Files.writeString(sidecar, j, StandardCharsets.UTF_8);
    }

    private static void offsets(StringBuilder j, Map<TopicPartition, Long> offsets) {
        Map<String, Long> sorted = new TreeMap<>();
        offsets.forEach((tp, o) -> sorted.put(tp.topic() + "-" + tp.partition(), o));
        j.append('{');
        boolean first = true;
        for (Map.Entry<String, Long> e : sorted.entrySet()) {
            j.append(first ? "" : ", ").append(json(e.getKey())).append(": ").append(e.getValue());
            first = false;
        }
        j.append('}');
    }

    static String json(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
