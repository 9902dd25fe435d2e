package io.freshet.kafka;

import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureVector;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Where a {@link TrainingSet}'s rows go: one file, one run ({@link TrainingSet#write}). CSV comes with this artifact
 * ({@link #csv}); Parquet with {@code freshet-parquet} ({@code io.freshet.kafka.parquet.ParquetSink}), kept apart so
 * that an application without Parquet loads none of parquet-java.
 *
 * <h2>Columns, in every format</h2>
 * {@value #LABEL_TIME_COLUMN} (epoch ms), the label columns in the order added, then per set {@code set__status}
 * ({@code FRESH}, {@code STALE}, {@code MISSING}) and per feature {@code set__feature} (its value as served: a long, a
 * double, or a list of longs for last-N; a categorical feature's text, or a list of texts for last-N categories:
 * its dictionary name, {@code Categories.OTHER} or its UTF-8 value, whatever its model form, since the text keeps its
 * meaning when a dictionary is reordered; absent when the row has none), followed, for a stored feature, by
 * {@code set__feature__event_time_ms} (the value's event time; its age at the label is {@code label_time_ms} minus
 * it). The sidecar JSON beside the file ({@code train.csv} or {@code train.parquet} → {@code train.json}) records the
 * sets' fingerprints and canonical forms, the as-of settings, the offsets read and the row count.
 *
 * <p>Implementations: the run calls {@link #open} once, {@link #write} per label in label order, {@link #finish} after
 * the last row, and {@link #close} always (after a failure too), all on the run's thread.
 */
public interface TrainingSink extends Closeable {
    /** The label time column, first in every row. */
    String LABEL_TIME_COLUMN = "label_time_ms";
    /** Between a set's name and its feature's: {@code set__feature}. */
    String SEPARATOR = "__";
    /** Suffix of a set's status column: {@code set__status}. */
    String STATUS_SUFFIX = "__status";
    /** Suffix of a stored feature's event-time column: {@code set__feature__event_time_ms}. */
    String EVENT_TIME_SUFFIX = "__event_time_ms";

    /**
     * A CSV file (RFC 4180 quoting): longs as integers, doubles as Java's shortest round-trip text, last-N as
     * {@code [id,id,...]}, a category as its text, last-N categories as a JSON array of strings
     * ({@code ["web","ios"]}), an empty cell where a value is absent; label values as their {@code toString()}.
     *
     * @param file the CSV file, created or replaced when the run starts
     * @return the sink, for one run
     */
    static TrainingSink csv(Path file) {
        return new TrainingCsv(Objects.requireNonNull(file, "file can't be null"));
    }

    /** @return the file the rows go to; the sidecar JSON is written beside it */
    Path file();

    /** @return the file's format as the sidecar names it, e.g. {@code csv} or {@code parquet} */
    String format();

    /**
     * Creates the file and writes what precedes the rows.
     *
     * @param labelColumns the label columns' names, in row order
     * @param sets the joined sets, in row order (their {@link FeatureSet#refs()} give the feature columns)
     * @throws IOException when the file cannot be written
     */
    void open(List<String> labelColumns, List<FeatureSet<?>> sets) throws IOException;

    /**
     * Writes one row. The arrays and vectors are the run's own, reused for the next row: copy what you keep.
     *
     * @param labelTimeMs the label time
     * @param labelValues the label columns' values (null where a label has none)
     * @param vectors one per set, as a read at the label time returned it; null where the label had no key for the
     *     set (the row says MISSING)
     * @throws IOException when the file cannot be written
     */
    void write(long labelTimeMs, Object[] labelValues, FeatureVector[] vectors) throws IOException;

    /**
     * Completes the file after the last row: once this returns, the file is whole and readable.
     *
     * @throws IOException when the file cannot be written
     */
    void finish() throws IOException;
}
