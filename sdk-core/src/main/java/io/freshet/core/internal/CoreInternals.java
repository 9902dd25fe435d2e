package io.freshet.core.internal;

import io.freshet.core.FeatureSet;
import io.freshet.core.internal.kernel.CompiledLayout;
import java.util.List;

/**
 * The one door from the SDK's other modules (pipeline, store engines, benchmarks, the test kit) into what the public
 * API classes keep to themselves: a set's compiled layout, a reader's store. The API classes register an
 * {@link Access} from their static initialisers (the JDK's SharedSecrets pattern), so they need no public method for
 * it and users see none.
 *
 * <p>Internal: not part of the public API. Thread-safe.
 */
public final class CoreInternals {
    private static volatile Access access;

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
    }

    /**
     * Called once, by {@code io.freshet.core}'s static initialiser.
     *
     * @param a the accessor
     */
    public static void register(Access a) {
        if (access != null) {
            throw new IllegalStateException("core access registered twice");
        }
        access = a;
    }

    private static Access access() {
        Access a = access;
        if (a == null) {
            try {
                Class.forName(FeatureSet.class.getName(), true, FeatureSet.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
            a = access;
        }
        return a;
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
}
