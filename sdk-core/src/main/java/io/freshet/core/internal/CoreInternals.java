package io.freshet.core.internal;

import io.freshet.core.EpochClock;
import io.freshet.core.FeatureReader;
import io.freshet.core.FeatureSet;
import io.freshet.core.KeyType;
import io.freshet.core.StoreConfig;
import io.freshet.core.internal.kernel.CompiledLayout;
import io.freshet.core.spi.RowLayout;
import io.freshet.core.spi.RowStore;
import java.util.List;

/**
 * The one door from the SDK's other modules (pipeline, store engines, benchmarks, the test kit) into what the public
 * API classes keep to themselves: a set's layouts and declared features, how readers are made and told that their
 * pipeline is catching up. The API classes register their side from static initialisers (the JDK's SharedSecrets
 * pattern: {@link Access} by {@code FeatureSet}, {@link RowLayoutFactory} by {@code RowLayout}), so they need no
 * public method for it and users see none.
 *
 * <p>Internal: not part of the public API. Thread-safe.
 */
public final class CoreInternals {
    private static volatile Access access;
    private static volatile RowLayoutFactory rowLayoutFactory;

    private CoreInternals() {
    }

    /** What {@code io.freshet.core} exposes to the SDK's own modules. Implemented there, package-private. */
    public interface Access {
        /**
         * @param set a feature set
         * @return its compiled layout
         */
        CompiledLayout compiledLayoutOf(FeatureSet<?> set);

        /**
         * @param set a feature set
         * @return its declared features, in declaration order, unmodifiable
         */
        List<FeatureSpec> specsOf(FeatureSet<?> set);

        /**
         * @param set a feature set
         * @return its row layout
         */
        RowLayout layoutOf(FeatureSet<?> set);

        /**
         * @param set the feature set
         * @param store a store of that set
         * @param clock the read clock
         * @return a reader
         */
        FeatureReader newReader(FeatureSet<?> set, RowStore store, EpochClock clock);

        /**
         * @param reader a reader
         * @param catchingUp whether its feed is behind its sources
         */
        void setCatchingUp(FeatureReader reader, boolean catchingUp);

        /**
         * @param reader a reader
         * @param ages where its reads of present rows record their age, or null for nowhere
         */
        void recordServedAges(FeatureReader reader, ServedAges ages);

        /**
         * @param reader a reader
         * @param set the definition it serves from now on
         * @param store that definition's store
         * @return the view reads loaded until now (only reads in flight still reference it)
         */
        Object switchReader(FeatureReader reader, FeatureSet<?> set, RowStore store);

        /**
         * @param reader a reader
         * @return the store it reads
         */
        RowStore storeOf(FeatureReader reader);

        /**
         * @param layout a row layout
         * @return a store config builder for it
         */
        StoreConfig.Builder storeConfigBuilder(RowLayout layout);
    }

    /** Creates row layouts: {@code RowLayout}'s private constructor, registered by its static initialiser. */
    @FunctionalInterface
    public interface RowLayoutFactory {
        /**
         * @param layout compiled layout
         * @param setName set name
         * @param keyType key type
         * @param fingerprint fingerprint
         * @param canonicalForm canonical form
         * @param ttlMs time to live, {@code Long.MAX_VALUE} for none
         * @return the row layout
         */
        RowLayout newRowLayout(CompiledLayout layout, String setName, KeyType keyType, long fingerprint,
            String canonicalForm, long ttlMs);
    }

    /**
     * Called once, by {@code FeatureSet}'s static initialiser.
     *
     * @param a the accessor
     */
    public static void register(Access a) {
        if (access != null) {
            throw new IllegalStateException("core access registered twice");
        }
        access = a;
    }

    /**
     * Called once, by {@code RowLayout}'s static initialiser.
     *
     * @param f the factory
     */
    public static void registerRowLayoutFactory(RowLayoutFactory f) {
        if (rowLayoutFactory != null) {
            throw new IllegalStateException("row layout factory registered twice");
        }
        rowLayoutFactory = f;
    }

    private static Access access() {
        Access a = access;
        if (a == null) {
            initialize(FeatureSet.class);
            a = access;
        }
        return a;
    }

    private static void initialize(Class<?> c) {
        try {
            Class.forName(c.getName(), true, c.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * @param set a feature set
     * @return its compiled layout (the kernels' descriptor)
     */
    public static CompiledLayout compiledLayoutOf(FeatureSet<?> set) {
        return access().compiledLayoutOf(set);
    }

    /**
     * The features as declared, for tools that interpret a definition on their own (the test kit's reference model).
     *
     * @param set a feature set
     * @return its declared features, in declaration order, unmodifiable
     */
    public static List<FeatureSpec> specsOf(FeatureSet<?> set) {
        return access().specsOf(set);
    }

    /**
     * @param set a feature set
     * @return the row layout store engines work with (also {@code StoreConfig.layout()})
     */
    public static RowLayout layoutOf(FeatureSet<?> set) {
        return access().layoutOf(set);
    }

    /**
     * @param set the feature set
     * @param store a store of that set (fingerprints must match)
     * @param clock the read clock
     * @return a reader of the set from the store
     * @throws IllegalArgumentException when the store holds another set
     */
    public static FeatureReader newReader(FeatureSet<?> set, RowStore store, EpochClock clock) {
        return access().newReader(set, store, clock);
    }

    /**
     * Set by the pipeline that feeds the reader's store: while true, existing rows read as CATCHING_UP.
     *
     * @param reader a reader
     * @param catchingUp whether the feed is behind its sources
     */
    public static void setCatchingUp(FeatureReader reader, boolean catchingUp) {
        access().setCatchingUp(reader, catchingUp);
    }

    /**
     * Installed by a metrics binder: every read of a present row records its age (null: stop recording).
     *
     * @param reader a reader
     * @param ages the recorder, or null
     */
    public static void recordServedAges(FeatureReader reader, ServedAges ages) {
        access().recordServedAges(reader, ages);
    }

    /**
     * Swaps what a reader reads, whole (a migration's promote or rollback): later reads evaluate {@code set} on
     * {@code store}; vectors of a definition the reader served before are re-targeted on their next read.
     *
     * @param reader a reader
     * @param set the definition it serves from now on (same key type)
     * @param store that definition's store
     * @return the view reads loaded until now: once a weak reference to it is cleared, no read in flight holds its
     *     store
     */
    public static Object switchReader(FeatureReader reader, FeatureSet<?> set, RowStore store) {
        return access().switchReader(reader, set, store);
    }

    /**
     * @param reader a reader
     * @return the store it reads
     */
    public static RowStore storeOf(FeatureReader reader) {
        return access().storeOf(reader);
    }

    /**
     * For engines that derive a store from another one (a resize copies the layout of its source).
     *
     * @param layout a row layout
     * @return a store config builder for that layout
     */
    public static StoreConfig.Builder storeConfigBuilder(RowLayout layout) {
        return access().storeConfigBuilder(layout);
    }

    /**
     * For {@code FeatureSet}: the row layout of a compiled set.
     *
     * @param layout compiled layout
     * @param setName set name
     * @param keyType key type
     * @param fingerprint fingerprint
     * @param canonicalForm canonical form
     * @param ttlMs time to live, {@code Long.MAX_VALUE} for none
     * @return the row layout
     */
    public static RowLayout newRowLayout(CompiledLayout layout, String setName, KeyType keyType, long fingerprint,
        String canonicalForm, long ttlMs) {
        RowLayoutFactory f = rowLayoutFactory;
        if (f == null) {
            initialize(RowLayout.class);
            f = rowLayoutFactory;
        }
        return f.newRowLayout(layout, setName, keyType, fingerprint, canonicalForm, ttlMs);
    }
}
