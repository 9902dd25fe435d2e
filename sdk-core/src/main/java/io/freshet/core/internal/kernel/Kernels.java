package io.freshet.core.internal.kernel;

import io.freshet.core.FeatureSet;

/** SHIM (replaced at merge): factories of a set's preparer and write kernel. */
public final class Kernels {
    private Kernels() {
    }

    /**
     * @param set a feature set
     * @param <E> its event type
     * @return a new preparer (one per thread)
     */
    public static <E> EventPreparer<E> newPreparer(FeatureSet<E> set) {
        return new EventPreparer<>(set.newApplier());
    }

    /**
     * @param set a feature set
     * @return a new write kernel (one per writer thread)
     */
    public static RowWriteKernel newWriteKernel(FeatureSet<?> set) {
        return new RowWriteKernel(set.newApplier());
    }

    /**
     * @param set a feature set
     * @return the capacity a {@link PreparedEvent} needs for it
     */
    public static int preparedCapacity(FeatureSet<?> set) {
        return set.featureSpecs().size();
    }
}
