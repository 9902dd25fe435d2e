package io.freshet.core;

/**
 * Whether and how far a store grows by itself when it fills up ({@link StoreConfig.Builder#growth(StoreGrowth)}).
 * The default, {@link #upTo(long) upTo(2^40)}, doubles a store's capacity online each time a shard's fill passes
 * {@link #DEFAULT_FILL_THRESHOLD}: reads and applies go on while the rows move into the larger layout. A store that
 * reaches its maximum, or one with growth {@link #disabled()}, is full when its rows reach its capacity.
 *
 * <p>Engines that cannot grow (Chronicle Map is sized once, at creation) ignore this option. Immutable; thread-safe.
 */
public final class StoreGrowth {
    /** Fill of a shard (rows / row slots) at which growth starts. */
    public static final double DEFAULT_FILL_THRESHOLD = 0.75;
    /** Largest capacity a store can have. */
    public static final long MAX_CAPACITY = 1L << 40;

    private static final StoreGrowth DISABLED = new StoreGrowth(false, 0, DEFAULT_FILL_THRESHOLD);
    private static final StoreGrowth DEFAULT = new StoreGrowth(true, MAX_CAPACITY, DEFAULT_FILL_THRESHOLD);

    private final boolean enabled;
    private final long maxCapacity;
    private final double fillThreshold;

    private StoreGrowth(boolean enabled, long maxCapacity, double fillThreshold) {
        this.enabled = enabled;
        this.maxCapacity = maxCapacity;
        this.fillThreshold = fillThreshold;
    }

    /** @return growth up to {@link #MAX_CAPACITY} rows (the default) */
    public static StoreGrowth unbounded() {
        return DEFAULT;
    }

    /** @return no growth: the store holds its configured capacity and is then full */
    public static StoreGrowth disabled() {
        return DISABLED;
    }

    /**
     * @param maxCapacity most rows the store may grow to (its memory and disk bound); at least its capacity, which
     *     {@link StoreConfig.Builder#build()} checks
     * @return growth by doubling, never past {@code maxCapacity}
     */
    public static StoreGrowth upTo(long maxCapacity) {
        if (maxCapacity < 1 || maxCapacity > MAX_CAPACITY) {
            throw new IllegalArgumentException("maxCapacity=" + maxCapacity + " is out of range: use 1..2^40 rows, "
                + "or StoreGrowth.disabled()");
        }
        return new StoreGrowth(true, maxCapacity, DEFAULT_FILL_THRESHOLD);
    }

    /**
     * @param fill fill of a shard (rows / row slots) at which growth starts, in 0.5..0.95
     * @return this growth starting at that fill
     */
    public StoreGrowth atFill(double fill) {
        if (!enabled) {
            throw new IllegalStateException("growth is disabled: a fill threshold has no effect; use upTo(max)");
        }
        if (!(fill >= 0.5 && fill <= 0.95)) {
            throw new IllegalArgumentException("fill=" + fill + " is out of range: use 0.5..0.95 (lower wastes "
                + "memory, higher leaves too little room to grow into while the rows move)");
        }
        return new StoreGrowth(true, maxCapacity, fill);
    }

    /** @return whether the store grows */
    public boolean enabled() {
        return enabled;
    }

    /** @return most rows the store may grow to (0 when disabled) */
    public long maxCapacity() {
        return maxCapacity;
    }

    /** @return fill of a shard at which growth starts */
    public double fillThreshold() {
        return fillThreshold;
    }

    @Override
    public String toString() {
        return enabled ? "StoreGrowth[upTo=" + maxCapacity + ", atFill=" + fillThreshold + "]"
            : "StoreGrowth[disabled]";
    }
}
