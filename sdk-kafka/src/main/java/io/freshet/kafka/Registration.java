package io.freshet.kafka;

import io.freshet.core.FeatureSet;
import io.freshet.core.spi.RowStore;
import io.freshet.core.StoreConfig;
import io.freshet.core.spi.StoreEngine;
import java.util.List;

/** One feature set registered with a {@link FeaturePipelineBuilder}: its store (or engine and config) and sources. */
final class Registration {
    final FeatureSet<?> set;
    final RowStore store;
    final StoreEngine engine;
    final StoreConfig config;
    final List<Source<?>> sources;

    Registration(FeatureSet<?> set, RowStore store, StoreEngine engine, StoreConfig config,
        List<Source<?>> sources) {
        this.set = set;
        this.store = store;
        this.engine = engine;
        this.config = config;
        this.sources = sources;
    }
}
