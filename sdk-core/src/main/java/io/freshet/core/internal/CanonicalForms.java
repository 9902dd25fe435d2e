package io.freshet.core.internal;

import io.freshet.core.FeatureDefinitionException;
import io.freshet.core.FeatureKind;
import io.freshet.core.KeyType;
import io.freshet.core.Quantile;
import io.freshet.core.Window;
import io.freshet.core.internal.kernel.CompiledLayout;
import io.freshet.core.internal.kernel.LayoutCompiler;
import io.freshet.core.spi.RowLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a feature set's canonical form (what its fingerprint hashes, {@code FeatureSet.canonicalForm()}) back into
 * what a store needs to be opened for reading without the set's class: the stored features' names and kinds, and a
 * {@link RowLayout} of the same row size and fingerprint. Tools use it (the store CLI's {@code inspect} and
 * {@code verify}); the layout it returns has no extractors, so it can open a store read-only and size it, never
 * apply events, and a derived feature (not part of the canonical form) is not in it.
 *
 * <pre>
 * freshet.featureset.v2;name=NAME;key=ENTITY:LONG|TEXT;
 *   f=NAME:KIND:w=LENGTH_MS/TILE_MS:filter=0|1:hl=MS:p=N;  (one per stored feature)  rowBytes=N
 * </pre>
 *
 * <p>Internal: not part of the public API. Stateless.
 */
public final class CanonicalForms {
    /** v2: the row layout of CompiledLayout with suffix accumulators and windowed arrays after the headers. */
    private static final String PREFIX = "freshet.featureset.v2;";

    private CanonicalForms() {
    }

    /** One stored feature as the canonical form names it. Immutable. */
    public static final class StoredFeature {
        /** The feature's name. */
        public final String name;
        /** Its kind (always a stored one). */
        public final FeatureKind kind;
        /** Window length in ms, 0 for lifetime. */
        public final long windowMs;

        StoredFeature(String name, FeatureKind kind, long windowMs) {
            this.name = name;
            this.kind = kind;
            this.windowMs = windowMs;
        }
    }

    /**
     * @param canonical a canonical form
     * @return its stored features, in declaration order
     * @throws IllegalArgumentException when the text is not a canonical form this version reads
     */
    public static List<StoredFeature> features(String canonical) {
        List<StoredFeature> out = new ArrayList<>();
        for (FeatureSpec s : specs(canonical)) {
            out.add(new StoredFeature(s.name, s.kind, s.window.lengthMs()));
        }
        return out;
    }

    /**
     * Rebuilds the row layout of a canonical form: the same row size and fingerprint as the set it came from.
     *
     * @param canonical a canonical form
     * @return a layout for read-only opens and sizing (no TTL, no extractors)
     * @throws IllegalArgumentException when the text is not a canonical form this version reads, or does not compile
     *     to the row size it records
     */
    public static RowLayout rowLayout(String canonical) {
        List<FeatureSpec> specs = specs(canonical);
        String name = field(canonical, "name=");
        String key = field(canonical, "key=");
        KeyType keyType = KeyType.valueOf(key.substring(key.lastIndexOf(':') + 1));
        CompiledLayout layout;
        try {
            layout = LayoutCompiler.compile(specs, name);
        } catch (FeatureDefinitionException e) {
            throw new IllegalArgumentException("canonical form does not compile: " + e.getMessage(), e);
        }
        int rowBytes = Integer.parseInt(field(canonical, "rowBytes="));
        if (layout.rowSizeBytes != rowBytes) {
            throw new IllegalArgumentException("canonical form compiles to rowSizeBytes=" + layout.rowSizeBytes
                + " != recorded rowBytes=" + rowBytes);
        }
        return CoreInternals.newRowLayout(layout, name, keyType, Fingerprint.of(canonical), canonical,
            Long.MAX_VALUE);
    }

    private static String field(String canonical, String prefix) {
        for (String part : canonical.split(";", -1)) {
            if (part.startsWith(prefix)) {
                return part.substring(prefix.length());
            }
        }
        throw new IllegalArgumentException("canonical form has no " + prefix + " part");
    }

    private static List<FeatureSpec> specs(String canonical) {
        if (!canonical.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not a canonical form of version v2 (does not start with " + PREFIX
                + "): a v1 store was written by an earlier release with another row layout; rebuild it from Kafka");
        }
        List<FeatureSpec> out = new ArrayList<>();
        for (String part : canonical.split(";", -1)) {
            if (part.startsWith("f=")) {
                out.add(spec(part.substring(2)));
            }
        }
        return out;
    }

    /**
     * {@code NAME:KIND:w=L/T:filter=F:hl=H:p=P}, then {@code :q=Q/A/MIN/MAX} for a QUANTILE or {@code :c=C} for a
     * categorical feature (names are snake case: no colon in them).
     */
    private static FeatureSpec spec(String f) {
        String[] p = f.split(":", -1);
        boolean categorical = p.length == 7 && p[6].startsWith("c=");
        if (p.length < 6 || p.length > 7 || !p[2].startsWith("w=") || !p[3].startsWith("filter=")
            || !p[4].startsWith("hl=") || !p[5].startsWith("p=") || p.length == 7 && !p[6].startsWith("q=")
            && !categorical) {
            throw new IllegalArgumentException("feature part f=" + f
                + " is not NAME:KIND:w=L/T:filter=F:hl=H:p=P[:q=Q/A/MIN/MAX or :c=C]");
        }
        try {
            FeatureKind kind = FeatureKind.valueOf(p[1]);
            String[] w = p[2].substring(2).split("/", -1);
            long lengthMs = Long.parseLong(w[0]);
            long tileMs = Long.parseLong(w[1]);
            Window window = lengthMs == 0 ? Window.lifetime()
                : Window.sliding(Duration.ofMillis(lengthMs)).tiles(Duration.ofMillis(tileMs));
            boolean filtered = !"filter=0".equals(p[3]);
            long halfLifeMs = Long.parseLong(p[4].substring(3));
            int param = Integer.parseInt(p[5].substring(2));
            Quantile quantile = null;
            if (p.length == 7 && !categorical) {
                String[] q = p[6].substring(2).split("/", -1);
                quantile = Quantile.of(Double.parseDouble(q[0])).relativeError(Double.parseDouble(q[1]))
                    .range(Double.parseDouble(q[2]), Double.parseDouble(q[3]));
            }
            if ((kind == FeatureKind.QUANTILE) != (quantile != null)) {
                throw new IllegalArgumentException("a QUANTILE feature, and only one, has a q= part");
            }
            return new FeatureSpec(p[0], kind, window, null, null, filtered ? e -> true : null, halfLifeMs, param,
                null, null, quantile, null, categorical ? FeatureSpec.fromCanonical(p[6].substring(2)) : null);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("feature part f=" + f + " is unreadable: " + e.getMessage(), e);
        }
    }
}
