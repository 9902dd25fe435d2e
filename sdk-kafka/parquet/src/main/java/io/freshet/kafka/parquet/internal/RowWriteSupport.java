package io.freshet.kafka.parquet.internal;

import io.freshet.core.FeatureRef;
import io.freshet.core.FeatureVector;
import io.freshet.core.VectorStatus;
import io.freshet.kafka.TrainingSink;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;

/**
 * Turns one training row into Parquet record events ({@link RecordConsumer}), field by field in schema order; absent
 * values are skipped (Parquet's nulls). Nothing is looked up by name and, but for label text, nothing is allocated per
 * row by this class.
 */
public final class RowWriteSupport extends WriteSupport<RowWriteSupport.Row> {
    /** Status text per {@link VectorStatus} ordinal, encoded once. */
    private static final Binary[] STATUS = new Binary[VectorStatus.values().length];
    /** Scratch for one category's text. */
    private final StringBuilder text = new StringBuilder();

    static {
        for (VectorStatus s : VectorStatus.values()) {
            STATUS[s.ordinal()] = Binary.fromConstantByteArray(s.name().getBytes(StandardCharsets.UTF_8));
        }
    }

    private final TrainingSchema schema;
    private RecordConsumer out;

    /** @param schema the run's schema */
    public RowWriteSupport(TrainingSchema schema) {
        this.schema = schema;
    }

    /** The row being written: the run's own arrays, set before each write. */
    public static final class Row {
        long labelTimeMs;
        Object[] labelValues;
        FeatureVector[] vectors;

        /**
         * @param labelTimeMs the label time
         * @param labelValues the label values
         * @param vectors the vectors, one per set (null: MISSING)
         */
        public void set(long labelTimeMs, Object[] labelValues, FeatureVector[] vectors) {
            this.labelTimeMs = labelTimeMs;
            this.labelValues = labelValues;
            this.vectors = vectors;
        }
    }

    @Override
    public WriteContext init(ParquetConfiguration configuration) {
        return new WriteContext(schema.message, Map.of("freshet.training.columns", "label_time_ms, label columns, "
            + "then per set: set__status, set__feature[, set__feature__event_time_ms]"));
    }

    @Override
    public WriteContext init(org.apache.hadoop.conf.Configuration configuration) {
        // Only a Hadoop-configured writer calls this; ParquetSink never configures one.
        throw new UnsupportedOperationException("freshet-parquet writes without Hadoop");
    }

    @Override
    public String getName() {
        return "freshet-training-rows";
    }

    @Override
    public void prepareForWrite(RecordConsumer recordConsumer) {
        this.out = recordConsumer;
    }

    @Override
    public void write(Row row) {
        // Checked before the record starts: a refused row leaves the writer whole.
        for (int i = 0; i < schema.labelKinds.length; i++) {
            checkLabel(i, row.labelValues[i]);
        }
        RecordConsumer c = out;
        c.startMessage();
        int field = 0;
        c.startField(TrainingSink.LABEL_TIME_COLUMN, field);
        c.addLong(row.labelTimeMs);
        c.endField(TrainingSink.LABEL_TIME_COLUMN, field);
        field++;
        for (int i = 0; i < schema.labelKinds.length; i++, field++) {
            Object v = row.labelValues[i];
            if (v != null) {
                String name = schema.labelColumns.get(i);
                c.startField(name, field);
                writeLabel(c, i, v);
                c.endField(name, field);
            }
        }
        for (int s = 0; s < schema.refs.length; s++) {
            field = writeSet(c, s, row.vectors[s], field);
        }
        c.endMessage();
    }

    private void checkLabel(int column, Object v) {
        int kind = schema.labelKinds[column];
        if (v != null && kind != TrainingSchema.LABEL_STRING && TrainingSchema.labelKindOf(v) != kind) {
            throw new IllegalArgumentException("label column " + schema.labelColumns.get(column) + " is "
                + kindName(kind) + " (its first row's value) but a later label gives a " + v.getClass().getSimpleName()
                + ": return one type from the label column's function");
        }
    }

    private void writeLabel(RecordConsumer c, int column, Object v) {
        switch (schema.labelKinds[column]) {
            case TrainingSchema.LABEL_BOOLEAN -> c.addBoolean((Boolean) v);
            case TrainingSchema.LABEL_LONG -> c.addLong(((Number) v).longValue());
            case TrainingSchema.LABEL_DOUBLE -> c.addDouble(((Number) v).doubleValue());
            default -> c.addBinary(Binary.fromString(v.toString()));
        }
    }

    private static String kindName(int kind) {
        return switch (kind) {
            case TrainingSchema.LABEL_BOOLEAN -> "BOOLEAN";
            case TrainingSchema.LABEL_LONG -> "INT64";
            case TrainingSchema.LABEL_DOUBLE -> "DOUBLE";
            default -> "STRING";
        };
    }

    /** Writes one set's columns from its field index on; returns the next set's. */
    private int writeSet(RecordConsumer c, int s, FeatureVector v, int first) {
        int field = first;
        String statusName = schema.statusNames[s];
        c.startField(statusName, field);
        c.addBinary(STATUS[(v == null ? VectorStatus.MISSING : v.status()).ordinal()]);
        c.endField(statusName, field);
        field++;
        FeatureRef[] refs = schema.refs[s];
        for (int f = 0; f < refs.length; f++) {
            FeatureRef ref = refs[f];
            if (v != null && v.isPresent(ref)) {
                String name = schema.valueNames[s][f];
                c.startField(name, field);
                if (schema.texts[s][f]) {
                    writeCategories(c, v, ref, schema.lists[s][f]);
                } else if (schema.lists[s][f]) {
                    writeList(c, v, ref, false);
                } else if (schema.longs[s][f]) {
                    c.addLong(v.getLong(ref));
                } else {
                    c.addDouble(v.getDouble(ref));
                }
                c.endField(name, field);
            }
            field++;
            String counts = schema.countNames[s][f];
            if (counts != null) {
                if (v != null && v.isPresent(ref)) {
                    c.startField(counts, field);
                    writeList(c, v, ref, true);
                    c.endField(counts, field);
                }
                field++;
            }
            if (schema.stored[s][f]) {
                long t = v == null ? FeatureVector.NO_TIME : v.eventTimeMs(ref);
                if (t != FeatureVector.NO_TIME) {
                    c.startField(schema.timeNames[s][f], field);
                    c.addLong(t);
                    c.endField(schema.timeNames[s][f], field);
                }
                field++;
            }
        }
        return field;
    }

    /** A category as a UTF-8 string, or last-N categories as a list of them (newest first). */
    private void writeCategories(RecordConsumer c, FeatureVector v, FeatureRef ref, boolean list) {
        if (!list) {
            text.setLength(0);
            v.category(ref, text);
            c.addBinary(Binary.fromString(text.toString()));
            return;
        }
        c.startGroup();
        int n = v.size(ref);
        if (n > 0) {
            c.startField("list", 0);
            for (int i = 0; i < n; i++) {
                c.startGroup();
                c.startField("element", 0);
                text.setLength(0);
                v.category(ref, i, text);
                c.addBinary(Binary.fromString(text.toString()));
                c.endField("element", 0);
                c.endGroup();
            }
            c.endField("list", 0);
        }
        c.endGroup();
    }

    /**
     * The standard three-level list of ids, or of a TOP_K feature's counts:
     * {@code optional group (LIST) {repeated group list {required int64 element}}}.
     */
    private static void writeList(RecordConsumer c, FeatureVector v, FeatureRef ref, boolean counts) {
        c.startGroup();
        int n = v.size(ref);
        if (n > 0) {
            c.startField("list", 0);
            for (int i = 0; i < n; i++) {
                c.startGroup();
                c.startField("element", 0);
                c.addLong(counts ? v.getCount(ref, i) : v.getLong(ref, i));
                c.endField("element", 0);
                c.endGroup();
            }
            c.endField("list", 0);
        }
        c.endGroup();
    }
}
