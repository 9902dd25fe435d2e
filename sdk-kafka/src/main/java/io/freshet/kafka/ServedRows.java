package io.freshet.kafka;

import io.freshet.core.FeatureLog;
import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureVector;
import io.freshet.core.LogScan;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * Training rows from what was served ("log and wait"): the entries of a {@link FeatureLog} joined to labels that
 * arrived later, by the request id the caller logged each read with, written in the very format of
 * {@link TrainingSet#writeCsv}: same columns, same value formatting, so that one training pipeline reads both.
 *
 * <pre>{@code
 * ServedRowsReport r = ServedRows.forLabels(outcomes, Outcome::requestId)
 *     .labelColumn("is_fraud", Outcome::isFraud)
 *     .log(Path.of("/var/lib/app/served-log"), userRisk)
 *     .writeCsv(Path.of("served.csv"));                  // and served.json beside it
 * }</pre>
 *
 * <p>One row per logged read whose request id has a label, in the log's order (segment creation order, then append
 * order within a segment: per reading thread in time order, not globally). {@code label_time_ms} is the read time: the
 * moment the values were served at, as the label time is the moment a {@code TrainingSet} row is read at; give the
 * label's own time a label column if you need it. The values, their event times and the status are the served
 * vector's, bit for bit, and a categorical feature stored as UTF-8 has the text that was served. A request id read
 * more than once (the same key, or several keys of the set) gives one row per read. A label whose request id has no
 * entry is counted ({@link ServedRowsReport#labelsUnmatched()}); a read with no label is skipped and counted, or
 * written with empty label columns after {@link #keepUnlabeled()}. Entries the log could not trust (a torn tail, a
 * damaged byte) are skipped and counted in the report's {@link LogScan}.
 *
 * <p>Memory: the labels are held in a map by request id; the log streams. Not yet: several logs (sets) in one row.
 *
 * <p>Reusable and not thread-safe while being configured; each {@link #writeCsv} is one run on the calling thread.
 *
 * @param <L> the label type
 */
public final class ServedRows<L> {
    /** Sidecar format: bumped when its fields change meaning. */
    static final String SIDECAR_FORMAT = "freshet-served-rows/1";

    private final Iterable<L> labels;
    private final ToLongFunction<L> requestId;
    private final List<TrainingSet.LabelColumn<L>> labelColumns = new ArrayList<>();
    private Path logDir;
    private FeatureSet<?> set;
    private boolean keepUnlabeled;

    private ServedRows(Iterable<L> labels, ToLongFunction<L> requestId) {
        this.labels = labels;
        this.requestId = requestId;
    }

    /**
     * @param labels the labels, in any order; each request id at most once
     * @param requestId a label's request id, as the read was logged with
     * @param <L> the label type
     * @return a builder of the rows
     */
    public static <L> ServedRows<L> forLabels(Iterable<L> labels, ToLongFunction<L> requestId) {
        return new ServedRows<>(Objects.requireNonNull(labels, "labels can't be null"),
            Objects.requireNonNull(requestId, "requestId can't be null"));
    }

    /**
     * Adds a label column: written after {@code label_time_ms}, in the order added, as {@link TrainingSet}'s are.
     *
     * @param name the column's name (not {@code label_time_ms}, no {@code __})
     * @param value the label's value for it ({@code toString()} of it is written; null is empty)
     * @return this
     */
    public ServedRows<L> labelColumn(String name, Function<L, ?> value) {
        Objects.requireNonNull(name, "name can't be null");
        Objects.requireNonNull(value, "value can't be null");
        if (name.isEmpty() || name.contains("__") || name.equals(TrainingSet.LABEL_TIME_COLUMN)) {
            throw new IllegalArgumentException("label column name=" + name + " is taken or reserved: feature "
                + "columns use set__feature and the first column is " + TrainingSet.LABEL_TIME_COLUMN
                + "; pick another");
        }
        for (TrainingSet.LabelColumn<L> c : labelColumns) {
            if (c.name.equals(name)) {
                throw new IllegalArgumentException("label column name=" + name + " was already added");
            }
        }
        labelColumns.add(new TrainingSet.LabelColumn<>(name, value));
        return this;
    }

    /**
     * @param dir the log's directory ({@link FeatureLog.Builder#directory})
     * @param servedSet the definition that served it
     * @return this
     */
    public ServedRows<L> log(Path dir, FeatureSet<?> servedSet) {
        if (this.logDir != null) {
            throw new IllegalStateException("log was already set to dir=" + logDir + ": one log per run");
        }
        this.logDir = Objects.requireNonNull(dir, "dir can't be null");
        this.set = Objects.requireNonNull(servedSet, "servedSet can't be null");
        return this;
    }

    /**
     * Also writes reads that no label matched, with empty label columns (default: skipped and counted).
     *
     * @return this
     */
    public ServedRows<L> keepUnlabeled() {
        this.keepUnlabeled = true;
        return this;
    }

    /**
     * Writes the rows to a CSV file (created or replaced) and a sidecar JSON beside it ({@code name.csv} →
     * {@code name.json}): the set's name, fingerprint and canonical form, the log and what its scan skipped.
     *
     * @param csv the CSV file
     * @return what was written and skipped
     * @throws IllegalStateException when no log was set
     * @throws IllegalArgumentException when two labels share a request id, or the log is another definition's or
     *     of a format this build does not read for the set ({@link FeatureLog#scan})
     * @throws UncheckedIOException when a file cannot be read or written
     */
    public ServedRowsReport writeCsv(Path csv) {
        return write(TrainingSink.csv(Objects.requireNonNull(csv, "csv can't be null")));
    }

    /**
     * Writes the rows to a sink (CSV, or Parquet with {@code freshet-parquet}'s {@code ParquetSink}) and a sidecar
     * JSON beside its file, as {@link #writeCsv} does.
     *
     * @param sink where the rows go; closed when this returns
     * @return what was written and skipped
     * @throws IllegalStateException when no log was set
     * @throws IllegalArgumentException when two labels share a request id, or the log is another definition's or
     *     of a format this build does not read for the set ({@link FeatureLog#scan})
     * @throws UncheckedIOException when a file cannot be read or written
     */
    public ServedRowsReport write(TrainingSink sink) {
        Objects.requireNonNull(sink, "sink can't be null");
        final Path csv = sink.file();
        if (logDir == null) {
            throw new IllegalStateException("no log: call log(dir, set) before writing");
        }
        Map<Long, L> byRequest = new HashMap<>();
        for (L label : labels) {
            long id = requestId.applyAsLong(label);
            if (byRequest.putIfAbsent(id, label) != null) {
                throw new IllegalArgumentException("requestId=" + id + " has two labels: give each request one"
                    + " label (one row per logged read joins it)");
            }
        }
        Map<Long, Boolean> matched = new HashMap<>();
        long[] counts = new long[2]; // [0] rows written, [1] reads with no label
        FeatureVector[] one = new FeatureVector[1];
        Object[] values = new Object[labelColumns.size()];
        List<String> names = new ArrayList<>(labelColumns.size());
        for (TrainingSet.LabelColumn<L> c : labelColumns) {
            names.add(c.name);
        }
        try (TrainingSink out = sink) {
            out.open(names, List.of(set));
            LogScan scan = FeatureLog.scan(logDir, set, (id, key, text, served) -> {
                L label = byRequest.get(id);
                if (label == null) {
                    counts[1]++;
                    if (!keepUnlabeled) {
                        return;
                    }
                } else {
                    matched.put(id, Boolean.TRUE);
                }
                for (int i = 0; i < values.length; i++) {
                    values[i] = label == null ? null : labelColumns.get(i).value.apply(label);
                }
                one[0] = served;
                try {
                    out.write(served.readTimeMs(), values, one);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                counts[0]++;
            });
            out.finish();
            ServedRowsReport report = new ServedRowsReport(counts[0], byRequest.size() - matched.size(), counts[1],
                scan);
            writeSidecar(TrainingSidecar.of(csv), csv, sink.format(), report);
            return report;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write served rows to " + csv + ": " + e.getMessage(), e);
        } catch (UncheckedIOException e) {
            throw new UncheckedIOException("cannot write served rows to " + csv + ": " + e.getCause().getMessage(),
                e.getCause());
        }
    }

    private void writeSidecar(Path sidecar, Path csv, String format, ServedRowsReport r) throws IOException {
        LogScan s = r.scan();
        StringBuilder j = new StringBuilder(2048);
        j.append("{\n  \"format\": ").append(TrainingSidecar.json(SIDECAR_FORMAT));
        j.append(",\n  \"file\": ").append(TrainingSidecar.json(csv.getFileName().toString()));
        j.append(",\n  \"fileFormat\": ").append(TrainingSidecar.json(format));
        j.append(",\n  \"rows\": ").append(r.rows());
        j.append(",\n  \"labelTime\": \"the read time of the served vector\"");
        j.append(",\n  \"log\": ").append(TrainingSidecar.json(logDir.toString()));
        j.append(",\n  \"entries\": ").append(s.entries());
        j.append(",\n  \"corruptSkipped\": ").append(s.corruptSkipped());
        j.append(",\n  \"tornSkipped\": ").append(s.tornSkipped());
        j.append(",\n  \"labelsUnmatched\": ").append(r.labelsUnmatched());
        j.append(",\n  \"readsUnlabeled\": ").append(r.readsUnlabeled());
        j.append(",\n  \"keepUnlabeled\": ").append(keepUnlabeled);
        j.append(",\n  \"labelColumns\": [");
        for (int i = 0; i < labelColumns.size(); i++) {
            j.append(i == 0 ? "" : ", ").append(TrainingSidecar.json(labelColumns.get(i).name));
        }
        j.append("],\n  \"sets\": [\n    {\"name\": ").append(TrainingSidecar.json(set.name()))
            .append(", \"entity\": ").append(TrainingSidecar.json(set.entityName()))
            .append(", \"keyType\": ").append(TrainingSidecar.json(set.keyType().name()))
            .append(", \"fingerprint\": ").append(TrainingSidecar.json(Long.toHexString(set.fingerprint())))
            .append(", \"staleAfterMs\": ").append(set.staleAfterMs())
            .append(", \"canonicalForm\": ").append(TrainingSidecar.json(set.canonicalForm())).append("}\n  ]\n}\n");
        Files.writeString(sidecar, j, StandardCharsets.UTF_8);
    }
}
