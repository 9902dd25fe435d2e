package io.freshet.kafka.parquet;

import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureVector;
import io.freshet.kafka.TrainingSink;
import io.freshet.kafka.parquet.internal.HadoopFreeCodecs;
import io.freshet.kafka.parquet.internal.RowWriteSupport;
import io.freshet.kafka.parquet.internal.TrainingSchema;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;

/**
 * Writes a {@link io.freshet.kafka.TrainingSet}'s rows as one Parquet file that pandas ({@code read_parquet}),
 * pyarrow, DuckDB and Spark read: {@code rows.write(ParquetSink.to(Path.of("train.parquet")))}. The sidecar JSON goes
 * beside it ({@code train.json}), as for CSV.
 *
 * <h2>Columns</h2>
 * Named as in CSV ({@link TrainingSink}), typed as served:
 * <ul>
 *   <li>{@code label_time_ms}: {@code INT64}, required;</li>
 *   <li>a label column: typed by the first row's value ({@code Boolean} → {@code BOOLEAN}; {@code Long},
 *       {@code Integer}, {@code Short}, {@code Byte} → {@code INT64}; {@code Double}, {@code Float} →
 *       {@code DOUBLE}; anything else, or null in the first row, → {@code STRING} of its {@code toString()}); a
 *       later value of another kind stops the run with the column's name. Nullable;</li>
 *   <li>{@code set__status}: {@code STRING} ({@code FRESH}, {@code STALE}, {@code MISSING}), required;</li>
 *   <li>{@code set__feature}: {@code INT64} or {@code DOUBLE} as the feature's value type, a {@code LIST} of
 *       {@code INT64} for last-N (standard three-level list), {@code STRING} for a category (its dictionary name,
 *       {@code Categories.OTHER} or its UTF-8 text) and a {@code LIST} of {@code STRING} for last-N categories;
 *       null where the row has no value (a MISSING row, or a feature the key's row does not hold yet). Doubles are
 *       written bit for bit (NaN included);</li>
 *   <li>{@code set__feature__event_time_ms}: {@code INT64}, nullable, for stored features.</li>
 * </ul>
 *
 * <h2>The writer</h2>
 * parquet-java's {@link ParquetWriter} on its Hadoop-free route: {@link LocalOutputFile} and
 * {@link PlainParquetConfiguration}; no Hadoop class is loaded (this artifact's tests run with no Hadoop jar on the
 * class path). Snappy-compressed pages (snappy-java's bundled native library; {@link #uncompressed()} for none), row
 * groups of at most {@value #ROW_GROUP_BYTES} bytes, which bound the memory the writer holds whatever the row count.
 * The file is complete only when the run ends; a run that fails deletes it (it would be unreadable).
 *
 * <p>One run, on the run's thread.
 */
public final class ParquetSink implements TrainingSink {
    /** Row groups of at most this many bytes: the writer buffers one before it writes it. */
    public static final int ROW_GROUP_BYTES = 64 << 20;

    private final Path file;
    private final CompressionCodecName codec;
    private List<String> labelColumns;
    private List<FeatureSet<?>> sets;
    private RowWriteSupport support;
    private ParquetWriter<RowWriteSupport.Row> writer;
    private final RowWriteSupport.Row row = new RowWriteSupport.Row();

    private ParquetSink(Path file, CompressionCodecName codec) {
        this.file = file;
        this.codec = codec;
    }

    /**
     * @param file the Parquet file, created or replaced when the first row (or, with no label, the end of the run)
     *     comes
     * @return a sink for one run, Snappy-compressed
     */
    public static ParquetSink to(Path file) {
        return new ParquetSink(Objects.requireNonNull(file, "file can't be null"), CompressionCodecName.SNAPPY);
    }

    /** @return a sink to the same file that writes uncompressed pages (larger, a little faster to write) */
    public ParquetSink uncompressed() {
        return new ParquetSink(file, CompressionCodecName.UNCOMPRESSED);
    }

    @Override
    public Path file() {
        return file;
    }

    @Override
    public String format() {
        return "parquet";
    }

    @Override
    public void open(List<String> labelColumns, List<FeatureSet<?>> sets) {
        if (this.sets != null) {
            throw new IllegalStateException("ParquetSink for " + file + " was used already: make one per run");
        }
        this.labelColumns = List.copyOf(labelColumns);
        this.sets = List.copyOf(sets);
    }

    @Override
    public void write(long labelTimeMs, Object[] labelValues, FeatureVector[] vectors) throws IOException {
        if (writer == null) {
            start(labelValues);
        }
        row.set(labelTimeMs, labelValues, vectors);
        writer.write(row);
    }

    /** Fixes the schema (the label columns' types from the first row's values) and creates the file. */
    private void start(Object[] firstLabelValues) throws IOException {
        if (sets == null) {
            throw new IllegalStateException("ParquetSink for " + file + " was not opened: pass it to "
                + "TrainingSet.write");
        }
        TrainingSchema schema = TrainingSchema.of(labelColumns, firstLabelValues, sets);
        support = new RowWriteSupport(schema);
        writer = new Builder(file, support)
            .withConf(new PlainParquetConfiguration())
            .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
            .withCompressionCodec(codec)
            // parquet-java's default codec factory loads Hadoop classes, whatever the codec.
            .withCodecFactory(new HadoopFreeCodecs())
            .withRowGroupSize((long) ROW_GROUP_BYTES)
            .build();
    }

    @Override
    public void finish() throws IOException {
        if (writer == null) {
            start(new Object[labelColumns.size()]); // no label: the file still holds the schema
        }
        ParquetWriter<RowWriteSupport.Row> w = writer;
        writer = null;
        w.close();
    }

    /** After {@link #finish}: nothing to do. Before it (the run failed): closes the writer and deletes the file. */
    @Override
    public void close() throws IOException {
        if (writer != null) {
            ParquetWriter<RowWriteSupport.Row> w = writer;
            writer = null;
            try {
                w.close();
            } catch (IOException | RuntimeException e) {
                // The run's own failure is on its way up; parquet-java refuses to close a writer a row failed in.
            }
            Files.deleteIfExists(file);
        }
    }

    @Override
    public String toString() {
        return "ParquetSink{" + file + ", " + codec + "}";
    }

    /** parquet-java's builder over our write support, on the Hadoop-free route only. */
    private static final class Builder extends ParquetWriter.Builder<RowWriteSupport.Row, Builder> {
        private final RowWriteSupport support;

        Builder(Path file, RowWriteSupport support) {
            super(new LocalOutputFile(file));
            this.support = support;
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        protected RowWriteSupport getWriteSupport(org.apache.parquet.conf.ParquetConfiguration conf) {
            return support;
        }

        @Override
        protected RowWriteSupport getWriteSupport(org.apache.hadoop.conf.Configuration conf) {
            // Reached only through withConf(Configuration), which this class never calls: it would mean Hadoop.
            throw new UnsupportedOperationException("freshet-parquet writes without Hadoop");
        }
    }
}
