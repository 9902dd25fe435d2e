package io.freshet.kafka.internal.training;

import io.freshet.core.FeatureVector;
import java.io.IOException;

/**
 * Receives each training row on the run's thread: the label, its time and one vector per joined set (null where the
 * label had no key for it). The vectors are the run's own and reused for the next row: copy what is kept.
 *
 * @param <L> the label type
 */
@FunctionalInterface
public interface RowSink<L> {
    /**
     * @param label the label
     * @param labelTimeMs its time, epoch ms
     * @param vectors one vector per joined set, in join order; null where the label had no key of that set
     * @throws IOException when the row cannot be written
     */
    void accept(L label, long labelTimeMs, FeatureVector[] vectors) throws IOException;
}
