package io.freshet.core;

import io.freshet.core.internal.CoreInternals;
import io.freshet.core.internal.FeatureSpec;
import io.freshet.core.internal.Fingerprint;
import io.freshet.core.internal.kernel.CompiledLayout;
import io.freshet.core.internal.kernel.LayoutCompiler;
import io.freshet.core.spi.RowLayout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * A named group of features over one entity key, compiled once into a fixed-size row layout and a 64-bit
 * fingerprint of its canonical form. Immutable and thread-safe; build one with {@link #builder(String, Class)}:
 *
 * <pre>{@code
 * FeatureSet<Payment> userRisk = FeatureSet.builder("user_risk", Payment.class)
 *     .entity("user", Payment::userId)
 *     .eventTime(Payment::timestampMs)
 *     .latest("last_amount", Payment::amount)
 *     .count("txn_1h", Window.sliding(Duration.ofHours(1)))
 *     .count("declines_1h", Window.sliding(Duration.ofHours(1))).where(Payment::declined)
 *     .derived("decline_ratio_1h", d -> d.ratio("declines_1h", "txn_1h"))
 *     .build();
 * }</pre>
 *
 * <p>The fingerprint covers what the stored state means (names, kinds, windows, parameters, whether a filter is
 * set, the key) and not the extractors' code or derived features; a store refuses rows written under another
 * fingerprint.
 *
 * @param <E> the event type
 */
public final class FeatureSet<E> {
    static {
        CoreInternals.register(new CoreAccess());
    }

    private final String name;
    private final Class<E> eventType;
    private final String entityName;
    private final KeyType keyType;
    private final ToLongFunction<? super E> longKey;
    private final Function<? super E, ? extends CharSequence> textKey;
    private final ToLongFunction<? super E> eventTime;
    private final List<FeatureSpec> specs;
    private final long staleAfterMs;
    private final long ttlMs;
    private final long futureSkewMs;
    private final CompiledLayout layout;
    private final String canonicalForm;
    private final long fingerprint;
    private final RowLayout rowLayout;
    private final List<FeatureRef> refs;
    private final Map<String, FeatureRef> refsByName;

    FeatureSet(FeatureSetBuilder.State<E> s) {
        this.name = s.name;
        this.eventType = s.type;
        this.entityName = s.keyName;
        this.keyType = s.longKey != null ? KeyType.LONG : KeyType.TEXT;
        this.longKey = s.longKey;
        this.textKey = s.textKey;
        this.eventTime = s.eventTime;
        this.specs = List.copyOf(s.features);
        this.staleAfterMs = s.staleAfterMs;
        this.ttlMs = s.ttlMs;
        this.futureSkewMs = s.futureSkewMs;
        this.layout = LayoutCompiler.compile(specs, name);
        StringBuilder c = new StringBuilder("freshet.featureset.v2;name=").append(name).append(";key=")
            .append(entityName).append(':').append(keyType).append(';');
        for (FeatureSpec f : specs) {
            if (f.kind.isStored()) {
                c.append(f.canonical()).append(';');
            }
        }
        c.append("rowBytes=").append(layout.rowSizeBytes);
        this.canonicalForm = c.toString();
        this.fingerprint = Fingerprint.of(canonicalForm);
        this.rowLayout = CoreInternals.newRowLayout(layout, name, keyType, fingerprint, canonicalForm, ttlMs);
        List<FeatureRef> r = new ArrayList<>(specs.size());
        Map<String, FeatureRef> byName = new HashMap<>();
        for (int i = 0; i < specs.size(); i++) {
            FeatureRef ref = new FeatureRef(this, i, layout.slot[i], layout.width[i], specs.get(i).name,
                specs.get(i).kind);
            r.add(ref);
            byName.put(ref.name(), ref);
        }
        this.refs = Collections.unmodifiableList(r);
        this.refsByName = Collections.unmodifiableMap(byName);
    }

    /**
     * Starts a definition.
     *
     * @param name set name, lower-case snake case
     * @param eventType the event class (for type inference and messages)
     * @param <E> the event type
     * @return the first step: the entity key
     */
    public static <E> FeatureSetBuilder.KeyStep<E> builder(String name, Class<E> eventType) {
        FeatureSetBuilder.checkName("set", name);
        Objects.requireNonNull(eventType, "eventType can't be null");
        return new FeatureSetBuilder.KeyStep<>(new FeatureSetBuilder.State<>(name, eventType));
    }

    /** @return the set's name */
    public String name() {
        return name;
    }

    /** @return the event class */
    public Class<E> eventType() {
        return eventType;
    }

    /** @return the entity key's name */
    public String entityName() {
        return entityName;
    }

    /** @return LONG or TEXT */
    public KeyType keyType() {
        return keyType;
    }

    /**
     * @param event an event
     * @return its numeric entity key
     * @throws IllegalStateException when the key type is TEXT
     */
    public long longKeyOf(E event) {
        if (longKey == null) {
            throw new IllegalStateException("set=" + name + " has a TEXT key: use textKeyOf");
        }
        return longKey.applyAsLong(event);
    }

    /**
     * @param event an event
     * @return its text entity key (may be null if the extractor returns null)
     * @throws IllegalStateException when the key type is LONG
     */
    public CharSequence textKeyOf(E event) {
        if (textKey == null) {
            throw new IllegalStateException("set=" + name + " has a LONG key: use longKeyOf");
        }
        return textKey.apply(event);
    }

    /**
     * @param event an event
     * @return its event time, epoch ms
     */
    public long eventTimeOf(E event) {
        return eventTime.applyAsLong(event);
    }

    /**
     * @param featureName a feature of this set
     * @return its compiled handle
     * @throws IllegalArgumentException when there is no such feature
     */
    public FeatureRef ref(String featureName) {
        FeatureRef r = refsByName.get(featureName);
        if (r == null) {
            throw new IllegalArgumentException("set=" + name + " has no feature=" + featureName + "; features: "
                + refsByName.keySet());
        }
        return r;
    }

    /** @return every feature's handle, in declaration order */
    public List<FeatureRef> refs() {
        return refs;
    }

    /** @return the 64-bit fingerprint of the canonical form */
    public long fingerprint() {
        return fingerprint;
    }

    /** @return the canonical form the fingerprint hashes */
    public String canonicalForm() {
        return canonicalForm;
    }

    /** @return the declared features in declaration order, unmodifiable (internal: see {@link CoreInternals}) */
    List<FeatureSpec> specs() {
        return specs;
    }

    /** @return the compiled layout (internal: see {@link CoreInternals}) */
    CompiledLayout compiledLayout() {
        return layout;
    }

    /** @return the row layout store engines work with (internal: see {@link CoreInternals}) */
    RowLayout rowLayout() {
        return rowLayout;
    }

    /** @return the fixed size of one key's row in a store, bytes (for sizing a store: capacity times this) */
    public int rowSizeBytes() {
        return layout.rowSizeBytes;
    }

    /** @return width of {@link FeatureVector#copyTo(double[])} output */
    public int vectorWidth() {
        return layout.vectorWidth;
    }

    /** @return the staleness bound in ms ({@code Long.MAX_VALUE} when none) */
    public long staleAfterMs() {
        return staleAfterMs;
    }

    /** @return the time to live in ms ({@code Long.MAX_VALUE} when none) */
    public long ttlMs() {
        return ttlMs;
    }

    /** @return the allowed future skew in ms */
    public long futureSkewMs() {
        return futureSkewMs;
    }

    /** @return a new caller-owned vector for reads of this set */
    public FeatureVector newVector() {
        return new FeatureVector(this, layout);
    }

    @Override
    public String toString() {
        return "FeatureSet{" + canonicalForm + "}";
    }
}
