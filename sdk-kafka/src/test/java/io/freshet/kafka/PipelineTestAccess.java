package io.freshet.kafka;

import io.freshet.core.FeatureSet;
import io.freshet.core.spi.RowStore;

/** What tests inspect of a running pipeline that is not public API: its stores and its threads. */
final class PipelineTestAccess {
    private PipelineTestAccess() {
    }

    /** @return the set's store (the pipeline's appliers are its only writers: inspect, do not write) */
    static RowStore store(FeaturePipeline p, FeatureSet<?> set) {
        return p.runtime(set).store();
    }

    /** @return whether any pipeline thread is still running */
    static boolean anyThreadAlive(FeaturePipeline p) {
        return p.core().anyThreadAlive();
    }
}
