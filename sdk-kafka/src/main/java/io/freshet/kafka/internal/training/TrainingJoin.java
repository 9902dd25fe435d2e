package io.freshet.kafka.internal.training;

import io.freshet.core.FeatureSet;
import io.freshet.kafka.Source;
import java.util.List;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * One feature set joined to the labels of a training set: the label's key of the set's entity (numeric or text, the
 * other null) and the set's sources. Immutable.
 *
 * @param <L> the label type
 * @param <E> the set's event type
 */
public final class TrainingJoin<L, E> {
    final FeatureSet<E> set;
    final ToLongFunction<L> longKey;
    final Function<L, ? extends CharSequence> textKey;
    final List<Source<E>> sources;

    /**
     * @param set the definition
     * @param longKey the label's numeric key (LONG sets), else null
     * @param textKey the label's text key (TEXT sets), else null
     * @param sources the set's sources, checked by the builder
     */
    public TrainingJoin(FeatureSet<E> set, ToLongFunction<L> longKey, Function<L, ? extends CharSequence> textKey,
        List<Source<E>> sources) {
        this.set = set;
        this.longKey = longKey;
        this.textKey = textKey;
        this.sources = List.copyOf(sources);
    }

    /** @return the definition */
    public FeatureSet<E> set() {
        return set;
    }

    /** @return the set's sources, in the order given */
    public List<Source<E>> sources() {
        return sources;
    }
}
