package io.freshet.core;

/**
 * A compiled handle to one feature of one {@link FeatureSet}: resolve it once by name with
 * {@link FeatureSet#ref(String)}, then use it on the hot path to read a {@link FeatureVector} by index.
 * Immutable and thread-safe.
 */
public final class FeatureRef {
    final FeatureSet<?> owner;
    final int index;
    final int slot;
    final int width;
    private final String name;
    private final FeatureKind kind;

    FeatureRef(FeatureSet<?> owner, int index, int slot, int width, String name, FeatureKind kind) {
        this.owner = owner;
        this.index = index;
        this.slot = slot;
        this.width = width;
        this.name = name;
        this.kind = kind;
    }

    /** @return the feature's name */
    public String name() {
        return name;
    }

    /** @return the feature's kind */
    public FeatureKind kind() {
        return kind;
    }

    /** @return the feature's position in its set (declaration order) */
    public int index() {
        return index;
    }

    /** @return the first position of this feature in {@link FeatureVector#copyTo(double[])} output */
    public int vectorOffset() {
        return slot;
    }

    /** @return how many positions it takes in that output (n for last-N, 2k for top-K: ids then counts, else 1) */
    public int vectorWidth() {
        return width;
    }

    @Override
    public String toString() {
        return owner.name() + "." + name;
    }
}
