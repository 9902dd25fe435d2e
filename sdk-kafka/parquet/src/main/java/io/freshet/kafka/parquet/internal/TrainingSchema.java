package io.freshet.kafka.parquet.internal;

import io.freshet.core.FeatureKind;
import io.freshet.core.FeatureRef;
import io.freshet.core.FeatureSet;
import io.freshet.kafka.TrainingSink;
import io.freshet.kafka.internal.training.TrainingColumns;
import java.util.List;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;

/**
 * The Parquet schema of a training run's rows, compiled once: each column's index and kind, in row order, so that
 * writing a row looks up no name.
 */
public final class TrainingSchema {
    /** A label column written as BOOLEAN. */
    public static final int LABEL_BOOLEAN = 0;
    /** A label column written as INT64. */
    public static final int LABEL_LONG = 1;
    /** A label column written as DOUBLE. */
    public static final int LABEL_DOUBLE = 2;
    /** A label column written as STRING (UTF-8 of its {@code toString()}). */
    public static final int LABEL_STRING = 3;

    final MessageType message;
    final List<String> labelColumns;
    /** LABEL_* per label column. */
    final int[] labelKinds;
    final List<FeatureSet<?>> sets;
    /** Per set, its refs as an array: no iterator per row. */
    final FeatureRef[][] refs;
    /** Per set and ref: true for last-N (a list of longs), else the ref's value type decides. */
    final boolean[][] lists;
    /** Per set and ref: true for the categorical kinds (strings: one, or a list for last-N). */
    final boolean[][] texts;
    final boolean[][] longs;
    final boolean[][] stored;
    /** Column names per set ({@code set__status}) and per set and ref (value, event time or null). */
    final String[] statusNames;
    final String[][] valueNames;
    final String[][] timeNames;
    /** Per set and ref: a TOP_K feature's counts column (a list of longs beside its ids), else null. */
    final String[][] countNames;

    private TrainingSchema(MessageType message, List<String> labelColumns, int[] labelKinds,
        List<FeatureSet<?>> sets) {
        this.message = message;
        this.labelColumns = labelColumns;
        this.labelKinds = labelKinds;
        this.sets = sets;
        this.refs = new FeatureRef[sets.size()][];
        this.lists = new boolean[sets.size()][];
        this.texts = new boolean[sets.size()][];
        this.longs = new boolean[sets.size()][];
        this.stored = new boolean[sets.size()][];
        this.statusNames = new String[sets.size()];
        this.valueNames = new String[sets.size()][];
        this.timeNames = new String[sets.size()][];
        this.countNames = new String[sets.size()][];
        for (int s = 0; s < sets.size(); s++) {
            statusNames[s] = TrainingColumns.status(sets.get(s));
            List<FeatureRef> r = sets.get(s).refs();
            refs[s] = r.toArray(new FeatureRef[0]);
            lists[s] = new boolean[refs[s].length];
            texts[s] = new boolean[refs[s].length];
            longs[s] = new boolean[refs[s].length];
            stored[s] = new boolean[refs[s].length];
            valueNames[s] = new String[refs[s].length];
            timeNames[s] = new String[refs[s].length];
            countNames[s] = new String[refs[s].length];
            for (int f = 0; f < refs[s].length; f++) {
                valueNames[s][f] = TrainingColumns.value(sets.get(s), refs[s][f]);
                timeNames[s][f] = TrainingColumns.eventTime(sets.get(s), refs[s][f]);
                FeatureKind k = refs[s][f].kind();
                boolean topK = k == FeatureKind.TOP_K;
                texts[s][f] = k == FeatureKind.LATEST_CATEGORY || k == FeatureKind.LAST_N_CATEGORIES;
                lists[s][f] = k == FeatureKind.LAST_N || k == FeatureKind.LAST_N_CATEGORIES || topK;
                countNames[s][f] = topK ? TrainingColumns.counts(sets.get(s), refs[s][f]) : null;
                longs[s][f] = refs[s][f].kind().valueType() == FeatureKind.ValueType.LONG;
                stored[s][f] = refs[s][f].kind().isStored();
            }
        }
    }

    /**
     * @param labelColumns the label columns' names
     * @param firstLabelValues the first row's label values: they type the label columns
     * @param sets the joined sets, in row order
     * @return the schema
     */
    public static TrainingSchema of(List<String> labelColumns, Object[] firstLabelValues, List<FeatureSet<?>> sets) {
        Types.MessageTypeBuilder b = Types.buildMessage();
        b.required(PrimitiveTypeName.INT64).named(TrainingSink.LABEL_TIME_COLUMN);
        int[] kinds = new int[labelColumns.size()];
        for (int i = 0; i < kinds.length; i++) {
            kinds[i] = labelKindOf(firstLabelValues[i]);
            String name = labelColumns.get(i);
            switch (kinds[i]) {
                case LABEL_BOOLEAN -> b.optional(PrimitiveTypeName.BOOLEAN).named(name);
                case LABEL_LONG -> b.optional(PrimitiveTypeName.INT64).named(name);
                case LABEL_DOUBLE -> b.optional(PrimitiveTypeName.DOUBLE).named(name);
                default -> b.optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(name);
            }
        }
        for (FeatureSet<?> set : sets) {
            b.required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType())
                .named(TrainingColumns.status(set));
            for (FeatureRef ref : set.refs()) {
                String name = TrainingColumns.value(set, ref);
                if (ref.kind() == FeatureKind.LAST_N) {
                    b.optionalList().requiredElement(PrimitiveTypeName.INT64).named(name);
                } else if (ref.kind() == FeatureKind.TOP_K) {
                    b.optionalList().requiredElement(PrimitiveTypeName.INT64).named(name);
                    b.optionalList().requiredElement(PrimitiveTypeName.INT64).named(TrainingColumns.counts(set, ref));
                } else if (ref.kind() == FeatureKind.LATEST_CATEGORY) {
                    // The category as text (a dictionary's name, Categories.OTHER, or the UTF-8 value): what it
                    // means does not depend on the dictionary's order; the model form is the view's columns.
                    b.optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(name);
                } else if (ref.kind() == FeatureKind.LAST_N_CATEGORIES) {
                    b.optionalList().requiredElement(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType())
                        .named(name);
                } else if (ref.kind().valueType() == FeatureKind.ValueType.LONG) {
                    b.optional(PrimitiveTypeName.INT64).named(name);
                } else {
                    b.optional(PrimitiveTypeName.DOUBLE).named(name);
                }
                if (ref.kind().isStored()) {
                    b.optional(PrimitiveTypeName.INT64).named(TrainingColumns.eventTime(set, ref));
                }
            }
        }
        return new TrainingSchema(b.named("training_row"), List.copyOf(labelColumns), kinds, List.copyOf(sets));
    }

    /** @return the LABEL_* kind a label value is written as */
    static int labelKindOf(Object value) {
        if (value instanceof Boolean) {
            return LABEL_BOOLEAN;
        }
        if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return LABEL_LONG;
        }
        if (value instanceof Double || value instanceof Float) {
            return LABEL_DOUBLE;
        }
        return LABEL_STRING;
    }

    /** @return the Parquet schema */
    public MessageType message() {
        return message;
    }
}
