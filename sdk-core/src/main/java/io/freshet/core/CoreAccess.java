package io.freshet.core;

import io.freshet.core.internal.CoreInternals;
import io.freshet.core.internal.FeatureSpec;
import io.freshet.core.internal.ServedAges;
import io.freshet.core.internal.kernel.CompiledLayout;
import io.freshet.core.spi.RowLayout;
import io.freshet.core.spi.RowStore;
import java.util.List;

/** The package's side of {@link CoreInternals}: registered by {@link FeatureSet}'s static initialiser. */
final class CoreAccess implements CoreInternals.Access {
    @Override
    public CompiledLayout compiledLayoutOf(FeatureSet<?> set) {
        return set.compiledLayout();
    }

    @Override
    public List<FeatureSpec> specsOf(FeatureSet<?> set) {
        return set.specs();
    }

    @Override
    public RowLayout layoutOf(FeatureSet<?> set) {
        return set.rowLayout();
    }

    @Override
    public FeatureReader newReader(FeatureSet<?> set, RowStore store, EpochClock clock) {
        return new FeatureReader(set, store, clock);
    }

    @Override
    public void setCatchingUp(FeatureReader reader, boolean catchingUp) {
        reader.setCatchingUp(catchingUp);
    }

    @Override
    public void recordServedAges(FeatureReader reader, ServedAges ages) {
        reader.recordServedAges(ages);
    }

    @Override
    public Object switchReader(FeatureReader reader, FeatureSet<?> set, RowStore store) {
        return reader.switchTo(set, store);
    }

    @Override
    public RowStore storeOf(FeatureReader reader) {
        return reader.store();
    }

    @Override
    public StoreConfig.Builder storeConfigBuilder(RowLayout layout) {
        return StoreConfig.builder(layout);
    }
}
