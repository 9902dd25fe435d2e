package io.freshet.kafka.internal.training;

import io.freshet.core.FeatureKind;
import io.freshet.core.FeatureRef;
import io.freshet.core.FeatureSet;
import io.freshet.kafka.TrainingSink;
import java.util.ArrayList;
import java.util.List;

/**
 * The one place training rows' column names are made, for every format (CSV here, Parquet in
 * {@code freshet-parquet}): {@code label_time_ms}, the label columns, then per set {@code set__status} and per
 * feature {@code set__feature}, followed for a stored feature by {@code set__feature__event_time_ms}
 * ({@link TrainingSink} documents them).
 *
 * <p>Stateless; called when a sink opens, never per row.
 */
public final class TrainingColumns {
    private TrainingColumns() {
    }

    /**
     * @param set a joined set
     * @return its status column, {@code set__status}
     */
    public static String status(FeatureSet<?> set) {
        return set.name() + TrainingSink.STATUS_SUFFIX;
    }

    /**
     * @param set a joined set
     * @param ref one of its features
     * @return the feature's value column, {@code set__feature}
     */
    public static String value(FeatureSet<?> set, FeatureRef ref) {
        return set.name() + TrainingSink.SEPARATOR + ref.name();
    }

    /**
     * @param set a joined set
     * @param ref one of its stored features ({@code ref.kind().isStored()})
     * @return the feature's event-time column, {@code set__feature__event_time_ms}
     */
    public static String eventTime(FeatureSet<?> set, FeatureRef ref) {
        return value(set, ref) + TrainingSink.EVENT_TIME_SUFFIX;
    }

    /**
     * The counts column of a TOP_K feature, beside its value column (the ids, most frequent first).
     *
     * @param set the set
     * @param ref a TOP_K feature of it
     * @return {@code set__feature__counts}
     */
    public static String counts(FeatureSet<?> set, FeatureRef ref) {
        return value(set, ref) + COUNTS_SUFFIX;
    }

    /** Suffix of a TOP_K feature's counts column. */
    public static final String COUNTS_SUFFIX = TrainingSink.SEPARATOR + "counts";

    /**
     * @param labelColumns the label columns' names, in row order
     * @param sets the joined sets, in row order
     * @return every column of a row, in row order
     */
    public static List<String> all(List<String> labelColumns, List<FeatureSet<?>> sets) {
        List<String> columns = new ArrayList<>();
        columns.add(TrainingSink.LABEL_TIME_COLUMN);
        columns.addAll(labelColumns);
        for (FeatureSet<?> set : sets) {
            columns.add(status(set));
            for (FeatureRef ref : set.refs()) {
                columns.add(value(set, ref));
                if (ref.kind() == FeatureKind.TOP_K) {
                    columns.add(counts(set, ref));
                }
                if (ref.kind().isStored()) {
                    columns.add(eventTime(set, ref));
                }
            }
        }
        return columns;
    }
}
