package io.freshet.core;

import io.freshet.core.internal.CoreInternals;
import io.freshet.core.internal.FeatureSpec;
import io.freshet.core.internal.kernel.CompiledLayout;
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
}
