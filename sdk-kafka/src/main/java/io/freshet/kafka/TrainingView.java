package io.freshet.kafka;

import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureVector;
import io.freshet.core.FeatureView;
import io.freshet.core.KeyType;
import io.freshet.core.ViewRequest;
import io.freshet.core.ViewVector;
import io.freshet.kafka.internal.training.RowSink;
import io.freshet.kafka.internal.training.TrainingJoin;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * A {@link TrainingSet}'s rows as one {@link FeatureView}'s columns: per label, the joined sets' vectors at the label
 * time assembled into the view's vector ({@link ViewVector#assemble}, the same column code a live
 * {@code ViewReader.read} runs) with the request parameters taken from the label, then written as
 * {@code label_time_ms}, the label columns, and exactly {@link FeatureView#columns()}. Checked when the training set is
 * built; one instance per training set, immutable; each run makes its own vector and request.
 *
 * @param <L> the label type
 */
final class TrainingView<L> {
    final FeatureView view;
    /** Per source set of the view: the index of its join. */
    private final int[] joinOfSource;
    /** Per parameter slot of the view: how a label gives it. */
    private final List<ToDoubleFunction<L>> params;

    private TrainingView(FeatureView view, int[] joinOfSource, List<ToDoubleFunction<L>> params) {
        this.view = view;
        this.joinOfSource = joinOfSource;
        this.params = params;
    }

    /**
     * @param view the view
     * @param joins the training set's joins
     * @param params per parameter slot of the view, the label's value (null where none was given)
     * @param <L> the label type
     * @return the view's rows
     * @throws IllegalStateException when a set of the view is not joined (its key is unbound), is joined in another
     *     definition, or a parameter has no value
     */
    static <L> TrainingView<L> of(FeatureView view, List<TrainingJoin<L, ?>> joins,
        List<ToDoubleFunction<L>> params) {
        List<FeatureSet<?>> sets = view.sets();
        int[] joinOf = new int[sets.size()];
        for (int s = 0; s < sets.size(); s++) {
            FeatureSet<?> set = sets.get(s);
            joinOf[s] = -1;
            for (int j = 0; j < joins.size(); j++) {
                if (joins.get(j).set().name().equals(set.name())) {
                    joinOf[s] = j;
                }
            }
            if (joinOf[s] < 0) {
                throw new IllegalStateException("view=" + view.name() + " key=" + view.keyOf(set) + " of set="
                    + set.name() + " is not bound to the labels: join the set with " + (set.keyType() == KeyType.LONG
                    ? "features" : "featuresByTextKey") + "(" + set.name()
                    + ", label -> its " + view.keyOf(set) + ", sources)");
            }
            FeatureSet<?> joined = joins.get(joinOf[s]).set();
            if (joined.fingerprint() != set.fingerprint()) {
                throw new IllegalStateException("set=" + set.name() + " is joined with fingerprint="
                    + Long.toHexString(joined.fingerprint()) + " but view=" + view.name() + " reads fingerprint="
                    + Long.toHexString(set.fingerprint()) + ": join the definition the view was built on");
            }
        }
        for (int p = 0; p < params.size(); p++) {
            if (params.get(p) == null) {
                String name = view.params().get(p);
                throw new IllegalStateException("view=" + view.name() + " request param=" + name + " has no value "
                    + "in the training rows: call viewParam(\"" + name + "\", label -> its " + name + ")");
            }
        }
        return new TrainingView<>(view, joinOf, List.copyOf(params));
    }

    /**
     * @param csv the open CSV sink (header written by {@link TrainingCsv#openView})
     * @param labelColumns the label columns
     * @return the run's row sink: assembles the view per label and writes it
     */
    RowSink<L> rows(TrainingCsv csv, List<TrainingSet.LabelColumn<L>> labelColumns) {
        ViewVector vector = view.newVector();
        ViewRequest request = view.newRequest();
        FeatureVector[] bySource = new FeatureVector[joinOfSource.length];
        Object[] labelValues = new Object[labelColumns.size()];
        return (label, t, vectors) -> {
            for (int i = 0; i < labelValues.length; i++) {
                labelValues[i] = labelColumns.get(i).value.apply(label);
            }
            assemble(label, vectors, bySource, request, vector);
            csv.writeView(t, labelValues, vector);
        };
    }

    /** Fills {@code into} from one label's vectors (join order) and its parameters. */
    void assemble(L label, FeatureVector[] vectors, FeatureVector[] bySource, ViewRequest request, ViewVector into) {
        for (int s = 0; s < bySource.length; s++) {
            bySource[s] = vectors[joinOfSource[s]];
        }
        for (int p = 0; p < params.size(); p++) {
            request.param(p, params.get(p).applyAsDouble(label));
        }
        into.assemble(bySource, request);
    }
}
