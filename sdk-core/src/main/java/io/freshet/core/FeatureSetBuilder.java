package io.freshet.core;

import io.freshet.core.internal.FeatureSpec;
import io.freshet.core.internal.kernel.QuantileSketch;
import io.freshet.core.internal.kernel.TopKSummary;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;
import java.util.regex.Pattern;

/**
 * Declares the features of a {@link FeatureSet}. Obtained from {@link FeatureSet#builder(String, Class)} after the
 * entity key and the event time: the types enforce that order. Each option is checked when it is set and the whole
 * definition again by {@link #build()}; errors are {@link FeatureDefinitionException}s that name the value and the
 * fix.
 *
 * <p>Extractors are primitive functional interfaces (no boxing), captured once; they must be side-effect free and
 * may be called from any ingestion thread. A builder is not thread-safe; it stays usable after {@code build()}
 * (later changes do not affect sets already built).
 *
 * @param <E> the event type
 */
public class FeatureSetBuilder<E> {
    /** Names of sets, keys and features: lower-case snake case, 1–64 characters. */
    public static final Pattern NAME_PATTERN = Pattern.compile("[a-z][a-z0-9_]{0,63}");
    /** At most this many features (stored and derived) in one set. */
    public static final int MAX_FEATURES = 256;
    /** At most this many ids in a last-N feature. */
    public static final int MAX_LAST_N = 64;
    /** At most this many ids in a top-K feature. */
    public static final int MAX_TOP_K = 32;
    /** At most this many counters per tile of a top-K feature. */
    public static final int MAX_TOP_K_COUNTERS = 256;
    /** Default HyperLogLog precision: 2^7 = 128 registers, relative standard error 1.04/sqrt(128) = 9.2%. */
    public static final int DEFAULT_DISTINCT_PRECISION = 7;
    /** At most this many bytes of sketches (all tiles) in one quantile feature: half of the largest row. */
    public static final int MAX_QUANTILE_BYTES = 8 * 1024;
    /** Default bound on how far an event time may run ahead of the applying clock. */
    public static final Duration DEFAULT_FUTURE_SKEW = Duration.ofMinutes(5);

    final State<E> state;

    FeatureSetBuilder(State<E> state) {
        this.state = state;
    }

    /**
     * First step: the entity key.
     *
     * @param <E> the event type
     */
    public static final class KeyStep<E> {
        private final State<E> state;

        KeyStep(State<E> state) {
            this.state = state;
        }

        /**
         * A numeric entity key.
         *
         * @param name key name, e.g. {@code user}
         * @param key extracts the key from an event
         * @return the next step
         */
        public TimeStep<E> entity(String name, ToLongFunction<? super E> key) {
            state.keyName = checkName("entity", name);
            state.longKey = Objects.requireNonNull(key, "key extractor can't be null");
            return new TimeStep<>(state);
        }

        /**
         * A text entity key (at most the store's key length in UTF-8 bytes).
         *
         * @param name key name, e.g. {@code device}
         * @param key extracts the key from an event; must not return null
         * @return the next step
         */
        public TimeStep<E> textEntity(String name, Function<? super E, ? extends CharSequence> key) {
            state.keyName = checkName("entity", name);
            state.textKey = Objects.requireNonNull(key, "key extractor can't be null");
            return new TimeStep<>(state);
        }
    }

    /**
     * Second step: the event time.
     *
     * @param <E> the event type
     */
    public static final class TimeStep<E> {
        private final State<E> state;

        TimeStep(State<E> state) {
            this.state = state;
        }

        /**
         * @param eventTimeMs extracts the event time in epoch milliseconds
         * @return the feature builder
         */
        public FeatureSetBuilder<E> eventTime(ToLongFunction<? super E> eventTimeMs) {
            state.eventTime = Objects.requireNonNull(eventTimeMs, "eventTime extractor can't be null");
            return new FeatureSetBuilder<>(state);
        }
    }

    /**
     * Returned by each aggregate so that it can be narrowed with {@link #where}; otherwise the same builder.
     *
     * @param <E> the event type
     */
    public static final class AggregateStep<E> extends FeatureSetBuilder<E> {
        private final int index;

        AggregateStep(State<E> state, int index) {
            super(state);
            this.index = index;
        }

        /**
         * Applies the aggregate just declared only to events that pass the filter.
         *
         * @param filter the event filter
         * @return the builder
         */
        public FeatureSetBuilder<E> where(Predicate<? super E> filter) {
            Objects.requireNonNull(filter, "filter can't be null");
            FeatureSpec spec = state.features.get(index);
            if (spec.filter != null) {
                throw new FeatureDefinitionException("feature=" + spec.name + " already has a filter: combine the "
                    + "conditions in one predicate");
            }
            state.features.set(index, spec.withFilter(filter));
            return this;
        }
    }

    static final class State<E> {
        final String name;
        final Class<E> type;
        String keyName;
        ToLongFunction<? super E> longKey;
        Function<? super E, ? extends CharSequence> textKey;
        ToLongFunction<? super E> eventTime;
        final List<FeatureSpec> features = new ArrayList<>();
        long staleAfterMs = Long.MAX_VALUE;
        long ttlMs = Long.MAX_VALUE;
        long futureSkewMs = DEFAULT_FUTURE_SKEW.toMillis();

        State(String name, Class<E> type) {
            this.name = name;
            this.type = type;
        }
    }

    static String checkName(String what, String name) {
        Objects.requireNonNull(name, what + " name can't be null");
        if (!NAME_PATTERN.matcher(name).matches()) {
            throw new FeatureDefinitionException(what + " name=\"" + name + "\" is invalid: use 1-64 characters of "
                + "[a-z0-9_] starting with a letter, e.g. txn_count_5m");
        }
        return name;
    }

    private AggregateStep<E> add(String name, FeatureKind kind, Window window, ToDoubleFunction<? super E> valueFn,
        ToLongFunction<? super E> idFn, long halfLifeMs, int param) {
        checkName("feature", name);
        Objects.requireNonNull(window, "window can't be null");
        window.checkTiled(name);
        for (FeatureSpec f : state.features) {
            if (f.name.equals(name)) {
                throw new FeatureDefinitionException("feature name=" + name + " is declared twice in set="
                    + state.name + ": feature names must be unique within a set");
            }
        }
        if (state.features.size() >= MAX_FEATURES) {
            throw new FeatureDefinitionException("set=" + state.name + " has more than MAX_FEATURES=" + MAX_FEATURES
                + " features: split it into several sets");
        }
        state.features.add(new FeatureSpec(name, kind, window, valueFn, idFn, null, halfLifeMs, param, null, null));
        return new AggregateStep<>(state, state.features.size() - 1);
    }

    private static <T> T fn(T f) {
        return Objects.requireNonNull(f, "extractor can't be null");
    }

    /**
     * The value of the event with the newest event time, and that time.
     *
     * @param name feature name
     * @param value value extractor; a non-finite value rejects the event
     * @return the builder, narrowable with {@code where}
     */
    public AggregateStep<E> latest(String name, ToDoubleFunction<? super E> value) {
        return add(name, FeatureKind.LATEST, Window.lifetime(), fn(value), null, 0, 0);
    }

    /**
     * @param name feature name
     * @return a lifetime event count
     */
    public AggregateStep<E> count(String name) {
        return count(name, Window.lifetime());
    }

    /**
     * @param name feature name
     * @param window lifetime or sliding
     * @return an event count
     */
    public AggregateStep<E> count(String name, Window window) {
        return add(name, FeatureKind.COUNT, window, null, null, 0, 0);
    }

    /**
     * @param name feature name
     * @param value value extractor
     * @return a lifetime sum
     */
    public AggregateStep<E> sum(String name, ToDoubleFunction<? super E> value) {
        return sum(name, value, Window.lifetime());
    }

    /**
     * @param name feature name
     * @param value value extractor
     * @param window lifetime or sliding
     * @return a sum
     */
    public AggregateStep<E> sum(String name, ToDoubleFunction<? super E> value, Window window) {
        return add(name, FeatureKind.SUM, window, fn(value), null, 0, 0);
    }

    /**
     * @param name feature name
     * @param value value extractor
     * @return a lifetime minimum
     */
    public AggregateStep<E> min(String name, ToDoubleFunction<? super E> value) {
        return min(name, value, Window.lifetime());
    }

    /**
     * @param name feature name
     * @param value value extractor
     * @param window lifetime or sliding
     * @return a minimum (missing when empty)
     */
    public AggregateStep<E> min(String name, ToDoubleFunction<? super E> value, Window window) {
        return add(name, FeatureKind.MIN, window, fn(value), null, 0, 0);
    }

    /**
     * @param name feature name
     * @param value value extractor
     * @return a lifetime maximum
     */
    public AggregateStep<E> max(String name, ToDoubleFunction<? super E> value) {
        return max(name, value, Window.lifetime());
    }

    /**
     * @param name feature name
     * @param value value extractor
     * @param window lifetime or sliding
     * @return a maximum (missing when empty)
     */
    public AggregateStep<E> max(String name, ToDoubleFunction<? super E> value, Window window) {
        return add(name, FeatureKind.MAX, window, fn(value), null, 0, 0);
    }

    /**
     * @param name feature name
     * @param value value extractor
     * @return a lifetime mean
     */
    public AggregateStep<E> mean(String name, ToDoubleFunction<? super E> value) {
        return mean(name, value, Window.lifetime());
    }

    /**
     * @param name feature name
     * @param value value extractor
     * @param window lifetime or sliding
     * @return a mean (missing when empty)
     */
    public AggregateStep<E> mean(String name, ToDoubleFunction<? super E> value, Window window) {
        return add(name, FeatureKind.MEAN, window, fn(value), null, 0, 0);
    }

    /**
     * @param name feature name
     * @param value value extractor
     * @return a lifetime population variance
     * @see #variance(String, ToDoubleFunction, Window)
     */
    public AggregateStep<E> variance(String name, ToDoubleFunction<? super E> value) {
        return variance(name, value, Window.lifetime());
    }

    /**
     * The population variance of the values, {@code sum((x - mean)^2) / n} (divided by n, not n - 1: one value reads
     * 0); missing (NaN) when the window is empty. State: count, mean and sum of squared deviations per tile (24 bytes,
     * twice per tile with the suffixes that make a read O(1); 24 bytes for lifetime), folded with Welford's update and
     * merged across tiles with Chan et al.'s formula, so a large mean with a small spread keeps its digits.
     *
     * <p>Accuracy: relative error at most {@code 4 * (n + tiles) * 2^-53 * kappa} against the exact variance of the
     * same doubles, where {@code n} is the number of values read, {@code tiles} the window's tile count (0 for
     * lifetime) and {@code kappa = rms(x) / stddev(x)} the data's condition number; e.g. 10^4 values around 10^9 with
     * a spread of 0.3 (kappa 3.5e9) are within 1.5e-2 by the bound and within 1e-7 as measured. A value whose square
     * overflows a double (|x| beyond about 1e154) reads as infinite.
     *
     * @param name feature name
     * @param value value extractor; a non-finite value rejects the event
     * @param window lifetime or sliding
     * @return the builder, narrowable with {@code where}
     */
    public AggregateStep<E> variance(String name, ToDoubleFunction<? super E> value, Window window) {
        return add(name, FeatureKind.VARIANCE, window, fn(value), null, 0, 0);
    }

    /**
     * @param name feature name
     * @param value value extractor
     * @return a lifetime population standard deviation
     * @see #stddev(String, ToDoubleFunction, Window)
     */
    public AggregateStep<E> stddev(String name, ToDoubleFunction<? super E> value) {
        return stddev(name, value, Window.lifetime());
    }

    /**
     * The population standard deviation of the values: the square root of {@link #variance(String, ToDoubleFunction,
     * Window) variance}, with the same state and row bytes; 0 for one value, missing (NaN) when the window is empty.
     * Its relative error is at most half the variance's bound (plus one rounding of the square root).
     *
     * @param name feature name
     * @param value value extractor; a non-finite value rejects the event
     * @param window lifetime or sliding
     * @return the builder, narrowable with {@code where}
     */
    public AggregateStep<E> stddev(String name, ToDoubleFunction<? super E> value, Window window) {
        return add(name, FeatureKind.STDDEV, window, fn(value), null, 0, 0);
    }

    /**
     * @param name feature name
     * @return the oldest event time seen, epoch ms
     */
    public AggregateStep<E> firstSeen(String name) {
        return add(name, FeatureKind.FIRST_SEEN, Window.lifetime(), null, null, 0, 0);
    }

    /**
     * @param name feature name
     * @return the newest event time seen, epoch ms
     */
    public AggregateStep<E> lastSeen(String name) {
        return add(name, FeatureKind.LAST_SEEN, Window.lifetime(), null, null, 0, 0);
    }

    /**
     * The {@code n} ids with the newest event times, newest first (a later arrival is newer on a tie).
     *
     * @param name feature name
     * @param id id extractor
     * @param n how many to keep, 1 to {@value #MAX_LAST_N}
     * @return the builder
     */
    public AggregateStep<E> lastN(String name, ToLongFunction<? super E> id, int n) {
        if (n < 1 || n > MAX_LAST_N) {
            throw new FeatureDefinitionException("feature=" + name + " lastN n=" + n + " is out of range: use 1.."
                + MAX_LAST_N);
        }
        return add(name, FeatureKind.LAST_N, Window.lifetime(), null, fn(id), 0, n);
    }

    /**
     * The category of the event with the newest event time (a later arrival wins a tie), as {@link #latest}: "last
     * device type". Stored as a dictionary id or as fixed-width UTF-8 text, by {@code storage} (see
     * {@link Categories}: values outside the dictionary, or cut to the UTF-8 width at a code point boundary, are
     * counted in {@link FeatureVector#categoryMisses}). Read with {@link FeatureVector#categoryId} and
     * {@link FeatureVector#category}; model input by the storage's form (the id, one-hot columns, or NaN for UTF-8).
     * Bytes per row: 24 for a dictionary, {@code 24 + maxBytes} (rounded up to 8) for UTF-8.
     *
     * @param name feature name
     * @param value the value; must not allocate on a hot path (return a field, a constant or a reused builder); null
     *     leaves the feature unchanged, as a filter that fails
     * @param storage {@code Categories.of(...)} or {@code Categories.utf8(maxBytes)}
     * @return the builder, narrowable with {@code where}
     */
    public AggregateStep<E> latestCategory(String name, Function<? super E, ? extends CharSequence> value,
        Categories storage) {
        return addCategorical(name, FeatureKind.LATEST_CATEGORY, value, storage, 0);
    }

    /**
     * The categories of the {@code n} events with the newest event times, newest first, as {@link #lastN}: "last 5
     * merchant categories". Storage and reads as {@link #latestCategory} (with a position); model input: n columns
     * of ids for a dictionary (NaN past the size), NaN for UTF-8; one-hot is refused (it would be n times the
     * dictionary's columns). Bytes per row: {@code 24 + n * 16} for a dictionary, {@code 24 + n * (16 + maxBytes)}
     * (maxBytes rounded up to 8) for UTF-8.
     *
     * @param name feature name
     * @param value the value (null: the feature skips the event)
     * @param storage {@code Categories.of(...)} or {@code Categories.utf8(maxBytes)}
     * @param n how many to keep, 1 to {@value #MAX_LAST_N}
     * @return the builder, narrowable with {@code where}
     */
    public AggregateStep<E> lastNCategories(String name, Function<? super E, ? extends CharSequence> value,
        Categories storage, int n) {
        if (n < 1 || n > MAX_LAST_N) {
            throw new FeatureDefinitionException("feature=" + name + " lastNCategories n=" + n
                + " is out of range: use 1.." + MAX_LAST_N);
        }
        return addCategorical(name, FeatureKind.LAST_N_CATEGORIES, value, storage, n);
    }

    private AggregateStep<E> addCategorical(String name, FeatureKind kind,
        Function<? super E, ? extends CharSequence> value, Categories storage, int n) {
        Objects.requireNonNull(storage, "categories storage can't be null: use Categories.of(...) or "
            + "Categories.utf8(maxBytes)");
        if (!storage.isDictionary() && storage.encodingRequested()) {
            throw new FeatureDefinitionException("feature=" + name + " stores " + storage + ", which has no index or "
                + "one-hot model form: declare a dictionary with Categories.of(...) for model input, or drop "
                + ".index()/.oneHot()");
        }
        if (kind == FeatureKind.LAST_N_CATEGORIES && storage.isOneHot()) {
            throw new FeatureDefinitionException("feature=" + name + " asks one-hot last-N categories, which would "
                + "take n * (size + 1) columns: use the index form (drop .oneHot()) or latestCategory");
        }
        AggregateStep<E> step = add(name, kind, Window.lifetime(), null, null, 0, n);
        int i = state.features.size() - 1;
        state.features.set(i, new FeatureSpec(name, kind, Window.lifetime(), null, null, null, 0, n, null, null,
            fn(value), storage));
        return step;
    }

    /**
     * An exponentially decayed count: each event weighs 2^(-age / halfLife) at read time.
     *
     * @param name feature name
     * @param halfLife at least 1 ms
     * @return the builder
     */
    public AggregateStep<E> decayedCount(String name, Duration halfLife) {
        return add(name, FeatureKind.DECAYED_COUNT, Window.lifetime(), null, null, halfLife(name, halfLife), 0);
    }

    /**
     * An exponentially decayed sum: each value weighs 2^(-age / halfLife) at read time.
     *
     * @param name feature name
     * @param value value extractor
     * @param halfLife at least 1 ms
     * @return the builder
     */
    public AggregateStep<E> decayedSum(String name, ToDoubleFunction<? super E> value, Duration halfLife) {
        return add(name, FeatureKind.DECAYED_SUM, Window.lifetime(), fn(value), null, halfLife(name, halfLife), 0);
    }

    private static long halfLife(String name, Duration halfLife) {
        Objects.requireNonNull(halfLife, "halfLife can't be null");
        if (halfLife.isNegative() || halfLife.toMillis() < 1 || halfLife.compareTo(Duration.ofDays(3650)) > 0) {
            throw new FeatureDefinitionException("feature=" + name + " halfLife=" + halfLife
                + " is out of range: use 1ms to 3650 days");
        }
        return halfLife.toMillis();
    }

    /**
     * @param name feature name
     * @param id id extractor
     * @return a lifetime approximate distinct count at the default precision
     */
    public AggregateStep<E> distinctApprox(String name, ToLongFunction<? super E> id) {
        return distinctApprox(name, id, Window.lifetime(), DEFAULT_DISTINCT_PRECISION);
    }

    /**
     * @param name feature name
     * @param id id extractor
     * @param window lifetime or sliding
     * @return an approximate distinct count at the default precision
     */
    public AggregateStep<E> distinctApprox(String name, ToLongFunction<? super E> id, Window window) {
        return distinctApprox(name, id, window, DEFAULT_DISTINCT_PRECISION);
    }

    /**
     * An approximate distinct count (HyperLogLog with 2^precision one-byte registers per tile; relative standard
     * error 1.04 / sqrt(2^precision); small counts use linear counting and are close to exact).
     *
     * @param name feature name
     * @param id id extractor
     * @param window lifetime or sliding
     * @param precision 4 to 12
     * @return the builder
     */
    public AggregateStep<E> distinctApprox(String name, ToLongFunction<? super E> id, Window window, int precision) {
        if (precision < 4 || precision > 12) {
            throw new FeatureDefinitionException("feature=" + name + " precision=" + precision
                + " is out of range: use 4..12 (2^precision bytes per tile)");
        }
        return add(name, FeatureKind.DISTINCT_APPROX, window, null, fn(id), 0, precision);
    }

    /**
     * An approximate quantile of a value (e.g. p90 of amounts) over a window: a log-bucket sketch (DDSketch-style)
     * per tile, merged at read time. The estimate is within {@code quantile.relativeError()} of the exact value of
     * rank {@code max(1, ceil(q * n))} among the window's n values, for values inside {@code quantile.range};
     * values outside it are counted at the range's edges (the estimate is then within the error of the value
     * clamped into the range). Each bucket counts at most 65,535 events per tile (lifetime: in all): see
     * {@link Quantile} for the sketch's size and limits. NaN (missing) when the window holds no value.
     *
     * @param name feature name
     * @param value value extractor; a non-finite value rejects the event
     * @param window sliding (its tile is the window's granularity: the window slides a tile at a time) or lifetime
     * @param quantile e.g. {@code Quantile.of(0.9).relativeError(0.02).range(0.01, 1e6)}
     * @return the builder, narrowable with {@code where}
     * @throws FeatureDefinitionException when the sketches would take more than {@value #MAX_QUANTILE_BYTES} bytes
     */
    public AggregateStep<E> quantile(String name, ToDoubleFunction<? super E> value, Window window,
        Quantile quantile) {
        Objects.requireNonNull(quantile, "quantile can't be null");
        Objects.requireNonNull(window, "window can't be null");
        window.checkTiled(name);
        int tileBytes = QuantileSketch.accumulatorBytes(QuantileSketch.bucketCount(quantile.relativeError(),
            quantile.min(), quantile.max()));
        long bytes = (long) tileBytes * Math.max(1, window.tileCount());
        if (bytes > MAX_QUANTILE_BYTES) {
            throw new FeatureDefinitionException("feature=" + name + " quantile sketches take tiles="
                + window.tileCount() + " x " + tileBytes + " bytes = " + bytes + " > MAX_QUANTILE_BYTES="
                + MAX_QUANTILE_BYTES + ": use coarser tiles (window.tiles(...)), a larger relativeError or a narrower "
                + "range");
        }
        AggregateStep<E> step = add(name, FeatureKind.QUANTILE, window, fn(value), null, 0, 0);
        state.features.set(state.features.size() - 1, new FeatureSpec(name, FeatureKind.QUANTILE, window, value,
            null, null, 0, 0, null, null, quantile));
        return step;
    }

    /**
     * The {@code k} most frequent ids over a window, with {@code 4 * k} counters per tile (at least 8, at most
     * {@value #MAX_TOP_K_COUNTERS}). See {@link #topK(String, ToLongFunction, Window, int, int)}.
     *
     * @param name feature name
     * @param id id extractor
     * @param window lifetime or sliding
     * @param k how many ids to report, 1 to {@value #MAX_TOP_K}
     * @return the builder
     */
    public AggregateStep<E> topK(String name, ToLongFunction<? super E> id, Window window, int k) {
        return topK(name, id, window, k, Math.min(MAX_TOP_K_COUNTERS, Math.max(8, 4 * k)));
    }

    /**
     * The {@code k} most frequent ids over a window and their counts: each tile keeps a space-saving summary of
     * {@code counters} (m) ids; a read sums each id's counters over the window's live tiles and reports the k largest,
     * the higher count first, then the smaller id. Read ids with {@link FeatureVector#getLong(FeatureRef, int)} and
     * counts with {@link FeatureVector#getCount(FeatureRef, int)}; {@link FeatureVector#copyTo(double[])} writes the
     * k ids, then their k counts (NaN past the size).
     *
     * <p>Accuracy, with N events in the window: every reported count is within N / m of the id's true count, and
     * every id with more than N / m events is a candidate; when no tile sees more than m distinct ids the counts are
     * exact. Row bytes: 16 * m per tile (lifetime: one summary).
     *
     * @param name feature name
     * @param id id extractor
     * @param window lifetime or sliding
     * @param k how many ids to report, 1 to {@value #MAX_TOP_K}
     * @param counters counters per tile, k to {@value #MAX_TOP_K_COUNTERS}
     * @return the builder
     */
    public AggregateStep<E> topK(String name, ToLongFunction<? super E> id, Window window, int k, int counters) {
        if (k < 1 || k > MAX_TOP_K) {
            throw new FeatureDefinitionException("feature=" + name + " topK k=" + k + " is out of range: use 1.."
                + MAX_TOP_K);
        }
        if (counters < k || counters > MAX_TOP_K_COUNTERS) {
            throw new FeatureDefinitionException("feature=" + name + " topK counters=" + counters
                + " is out of range: use k.." + MAX_TOP_K_COUNTERS + " (k=" + k + "; 16 bytes per counter per tile)");
        }
        return add(name, FeatureKind.TOP_K, window, null, fn(id), 0, TopKSummary.pack(k, counters));
    }

    /**
     * A feature computed at read time from features declared before it.
     *
     * @param name feature name
     * @param definition e.g. {@code d -> d.ratio("declines_1h", "txn_1h")}
     * @return the builder
     */
    public FeatureSetBuilder<E> derived(String name, Function<DerivedFeature.Builder, DerivedFeature> definition) {
        Objects.requireNonNull(definition, "definition can't be null");
        DerivedFeature d = Objects.requireNonNull(definition.apply(new DerivedFeature.Builder()),
            "derived definition returned null");
        checkInput(name, d.inputA, d.kind);
        if (d.inputB != null) {
            checkInput(name, d.inputB, d.kind);
        }
        add(name, d.kind, Window.lifetime(), null, null, 0, 0);
        int i = state.features.size() - 1;
        state.features.set(i, new FeatureSpec(name, d.kind, Window.lifetime(), null, null, null, 0, 0, d.inputA,
            d.inputB));
        return this;
    }

    private void checkInput(String name, String input, FeatureKind derivedKind) {
        for (FeatureSpec f : state.features) {
            if (f.name.equals(input)) {
                if (f.kind == FeatureKind.LAST_N || f.kind == FeatureKind.LAST_N_CATEGORIES
                    || f.kind == FeatureKind.TOP_K) {
                    throw new FeatureDefinitionException("derived feature=" + name + " uses input=" + input
                        + " of kind " + f.kind + ": derived inputs must be single values");
                }
                if (f.kind == FeatureKind.LATEST_CATEGORY && derivedKind != FeatureKind.TIME_SINCE) {
                    throw new FeatureDefinitionException("derived feature=" + name + " uses input=" + input
                        + " of kind LATEST_CATEGORY in " + derivedKind + ": a category is not a number; only "
                        + "timeSince takes it");
                }
                return;
            }
        }
        throw new FeatureDefinitionException("derived feature=" + name + " names unknown feature=" + input
            + ": declare it before the derived feature");
    }

    /**
     * Vectors whose row was last updated longer ago than this read as {@link VectorStatus#STALE}. Default: never.
     *
     * @param bound staleness bound
     * @return the builder
     */
    public FeatureSetBuilder<E> staleAfter(Duration bound) {
        state.staleAfterMs = positive("staleAfter", bound);
        return this;
    }

    /**
     * Rows with no update for longer than this are evicted by the store and read as {@link VectorStatus#MISSING}.
     * Default: never.
     *
     * @param ttl time to live since the last update (processing time)
     * @return the builder
     */
    public FeatureSetBuilder<E> ttl(Duration ttl) {
        state.ttlMs = positive("ttl", ttl);
        return this;
    }

    /**
     * Events whose time is further ahead of the applying clock than this are rejected and counted. Default 5 min.
     *
     * @param skew allowed skew
     * @return the builder
     */
    public FeatureSetBuilder<E> futureSkew(Duration skew) {
        Objects.requireNonNull(skew, "futureSkew can't be null");
        if (skew.isNegative() || skew.compareTo(Duration.ofDays(1)) > 0) {
            throw new FeatureDefinitionException("futureSkew=" + skew + " is out of range: use 0 to 1 day");
        }
        state.futureSkewMs = skew.toMillis();
        return this;
    }

    private static long positive(String what, Duration d) {
        Objects.requireNonNull(d, what + " can't be null");
        if (d.isNegative() || d.isZero()) {
            throw new FeatureDefinitionException(what + "=" + d + " must be positive");
        }
        return d.toMillis();
    }

    /**
     * Validates and compiles the definition.
     *
     * @return an immutable feature set
     * @throws FeatureDefinitionException when the definition is invalid
     */
    public FeatureSet<E> build() {
        if (state.features.isEmpty()) {
            throw new FeatureDefinitionException("set=" + state.name + " declares no features: add at least one, "
                + "e.g. .count(\"events\")");
        }
        boolean anyStored = false;
        for (FeatureSpec f : state.features) {
            anyStored |= f.kind.isStored();
        }
        if (!anyStored) {
            throw new FeatureDefinitionException("set=" + state.name + " has only derived features: add a stored one");
        }
        return new FeatureSet<>(state);
    }
}
