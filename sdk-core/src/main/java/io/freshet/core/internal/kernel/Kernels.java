package io.freshet.core.internal.kernel;

import io.freshet.core.FeatureSet;
import io.freshet.core.internal.CoreInternals;

/**
 * Creates a feature set's kernels: the two halves of an apply ({@link EventPreparer} on the consumer thread,
 * {@link RowWriteKernel} on the writer thread) and the size of the {@link PreparedEvent} that carries one between
 * them. Stateless and thread-safe; each kernel it returns belongs to one thread.
 */
public final class Kernels {
    private Kernels() {
    }

    /**
     * @param set the feature set
     * @param <E> its event type
     * @return a new preparer, to be owned by one consumer thread
     */
    public static <E> EventPreparer<E> newPreparer(FeatureSet<E> set) {
        return new EventPreparer<>(CoreInternals.compiledLayoutOf(set), set.futureSkewMs());
    }

    /**
     * @param set the feature set
     * @return a new write kernel, to be owned by one writer thread
     */
    public static RowWriteKernel newWriteKernel(FeatureSet<?> set) {
        return new RowWriteKernel(CoreInternals.compiledLayoutOf(set));
    }

    /**
     * @param set the feature set
     * @return the smallest {@link PreparedEvent} capacity that holds an event of this set
     */
    public static int preparedCapacity(FeatureSet<?> set) {
        return CoreInternals.compiledLayoutOf(set).categories.preparedCapacity;
    }
}
