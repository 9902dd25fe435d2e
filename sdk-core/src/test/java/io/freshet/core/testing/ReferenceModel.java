package io.freshet.core.testing;

import io.freshet.core.Categories;
import io.freshet.core.FeatureKind;
import io.freshet.core.FeatureRef;
import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureVector;
import io.freshet.core.KeyType;
import io.freshet.core.VectorStatus;
import io.freshet.core.internal.CoreInternals;
import io.freshet.core.internal.FeatureSpec;
import io.freshet.core.internal.kernel.EventPreparer;
import io.freshet.core.internal.kernel.RowWriteKernel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A deliberately simple model of what a {@link FeatureSet} computes, for tests that compare the real kernels (and
 * the stores and pipelines built on them) against it.
 *
 * <p>It keeps, per key and per feature, the plain list of events the feature accepted, and recomputes every value
 * from scratch at each read, following the documented semantics and nothing else:
 * <ul>
 *   <li>Rejections, in this order: event time below 0 ({@code REJECTED_NEGATIVE_TIME}); event time more than the
 *       set's future skew ahead of the applying clock ({@code REJECTED_FUTURE}); a value extractor of a feature
 *       whose filter passes returning NaN or an infinity ({@code REJECTED_NON_FINITE}). A rejected event changes
 *       nothing and creates no row.</li>
 *   <li>Lateness, per windowed feature with tile granularity {@code g} and {@code n} tiles: an event of tile epoch
 *       {@code e = t / g} is dropped by that feature (and the apply returns {@code APPLIED_LATE}) iff
 *       {@code e <= maxEpoch - n}, where {@code maxEpoch} is the largest epoch that feature accepted before for the
 *       key. Filters apply first; lifetime features never drop.</li>
 *   <li>A windowed value read at {@code r} covers the accepted events whose epoch lies in
 *       {@code [floor(r/g) - n + 1, floor(r/g)]} and is above {@code maxEpoch - n} (tiles the row still holds).</li>
 *   <li>Each kind's value, computed from scratch by its family's class in this package: latest, first/last seen and
 *       last-N ({@link ReferenceRecency}); count, sum, mean, min and max ({@link ReferenceTotals}); decayed count and
 *       sum ({@link ReferenceDecayed}); distinct, within {@link #distinctTolerance} ({@link ReferenceDistinct});
 *       variance, stddev and quantile, within {@link #varianceTolerance} and {@link #quantileTolerance} ({@link
 *       ReferenceSpread}); top-K ({@link ReferenceTopK}); the categorical kinds ({@link ReferenceCategories}); ratio,
 *       difference and time-since as documented on {@code DerivedFeature} ({@link ReferenceDerived}). Each class
 *       states its kinds' semantics.</li>
 *   <li>The event time of a present stored value is the largest event time the feature accepted ({@link
 *       FeatureVector#NO_TIME} when none); a missing value has none.</li>
 * </ul>
 *
 * <pre>{@code
 * ReferenceModel<Payment> model = new ReferenceModel<>(userRisk);
 * int code = model.apply(event, nowMs);         // the code the kernels must return for the same event and clock
 * reader.read(42, vector);                       // the system under test, at its clock
 * model.assertMatches(42, vector);               // expected at vector.readTimeMs(): status, row times, values
 * model.expected(42, vector.readTimeMs()).assertValuesMatch(vector);   // values only (a live pipeline)
 * }</pre>
 *
 * <p>Threading: not thread-safe. Allocation: plenty; a test tool, not a kernel.
 *
 * @param <E> the event type
 */
public final class ReferenceModel<E> {
    /** Relative tolerance of floating-point values (sums, means, decayed values) against their magnitude. */
    public static final double RELATIVE_TOLERANCE = 1e-9;
    /** Absolute slack below which floating-point values are compared as equal (denormal range). */
    public static final double ABSOLUTE_TOLERANCE = 1e-300;
    /** The constant of the stated variance bound: see {@link #varianceTolerance}. */
    public static final double VARIANCE_ERROR_FACTOR = 4;
    private static final long NO_TIME = FeatureVector.NO_TIME;

    private final FeatureSet<E> set;
    private final List<FeatureSpec> specs;
    private final Map<Object, KeyState> keys = new LinkedHashMap<>();
    private long arrivals;
    private long applied;
    private long late;
    private long rejected;

    /**
     * @param set the definition to model
     */
    public ReferenceModel(FeatureSet<E> set) {
        this.set = Objects.requireNonNull(set, "set can't be null");
        this.specs = CoreInternals.specsOf(set);
    }

    /** @return the modelled set */
    public FeatureSet<E> featureSet() {
        return set;
    }

    /**
     * Applies one event as {@code EventPreparer.prepare}, then {@code RowWriteKernel.apply} and a commit would.
     *
     * @param event the event
     * @param nowMs the applying clock
     * @return the code the kernels must return ({@code EventPreparer} rejection or {@code RowWriteKernel} result)
     */
    public int apply(E event, long nowMs) {
        final long t = set.eventTimeOf(event);
        if (t < 0) {
            rejected++;
            return EventPreparer.REJECTED_NEGATIVE_TIME;
        }
        if (t - nowMs > set.futureSkewMs()) {
            rejected++;
            return EventPreparer.REJECTED_FUTURE;
        }
        final int n = specs.size();
        final boolean[] pass = new boolean[n];
        final double[] values = new double[n];
        final long[] ids = new long[n];
        final String[] texts = new String[n];
        for (int i = 0; i < n; i++) {
            FeatureSpec f = specs.get(i);
            if (!f.kind.isStored()) {
                continue;
            }
            pass[i] = f.filter == null || f.filter.test(event);
            if (!pass[i]) {
                continue;
            }
            if (f.textFn != null) {
                CharSequence text = f.textFn.apply(event);
                // A null value: the feature skips the event, as when its filter fails.
                pass[i] = text != null;
                texts[i] = text == null ? null : text.toString();
                continue;
            }
            if (f.valueFn != null) {
                values[i] = f.valueFn.applyAsDouble(event);
                if (!Double.isFinite(values[i])) {
                    rejected++;
                    return EventPreparer.REJECTED_NON_FINITE;
                }
            }
            if (f.idFn != null) {
                ids[i] = f.idFn.applyAsLong(event);
            }
        }
        final Object key = keyOf(event);
        KeyState ks = keys.computeIfAbsent(key, k -> new KeyState(n));
        ks.lastApplyMs = nowMs;
        ks.maxEventTimeMs = Math.max(ks.maxEventTimeMs, t);
        final long arrival = arrivals++;
        int result = RowWriteKernel.APPLIED;
        for (int i = 0; i < n; i++) {
            if (!pass[i]) {
                continue;
            }
            FeatureSpec f = specs.get(i);
            FeatureLog log = ks.logs[i];
            if (!f.window.isLifetime()) {
                long e = Math.floorDiv(t, f.window.tileMs());
                if (log.hasEpoch && e <= log.maxEpoch - f.window.tileCount()) {
                    result = RowWriteKernel.APPLIED_LATE;
                    continue;
                }
                log.maxEpoch = log.hasEpoch ? Math.max(log.maxEpoch, e) : e;
                log.hasEpoch = true;
            }
            Accepted accepted = new Accepted(t, arrival, values[i], ids[i]);
            if (f.categories != null) {
                ReferenceCategories.store(f.categories, texts[i], accepted);
            }
            log.events.add(accepted);
        }
        applied++;
        if (result == RowWriteKernel.APPLIED_LATE) {
            late++;
        }
        return result;
    }

    private Object keyOf(E event) {
        if (set.keyType() == KeyType.LONG) {
            return set.longKeyOf(event);
        }
        return Objects.requireNonNull(set.textKeyOf(event), "text key extractor returned null").toString();
    }

    /**
     * Forgets an entity's state, as a delete of its row does (a tombstone, or {@code FeaturePipeline.delete}): its
     * next event starts a new row.
     *
     * @param key the entity key: a {@code Long} for a LONG-keyed set, a {@code String} for a TEXT one
     * @return whether the key had state
     */
    public boolean delete(Object key) {
        return keys.remove(key instanceof CharSequence c ? c.toString() : key) != null;
    }

    /**
     * Removes keys idle for longer than the set's TTL, as {@code FeatureTestDriver.evictIdle} does.
     *
     * @param nowMs the clock
     * @return keys removed
     */
    public int evictIdle(long nowMs) {
        if (set.ttlMs() == Long.MAX_VALUE) {
            return 0;
        }
        int removed = 0;
        for (var it = keys.values().iterator(); it.hasNext();) {
            if (nowMs - it.next().lastApplyMs > set.ttlMs()) {
                it.remove();
                removed++;
            }
        }
        return removed;
    }

    /** @return events applied (including late ones) */
    public long appliedCount() {
        return applied;
    }

    /** @return applies that at least one windowed feature dropped as late */
    public long lateCount() {
        return late;
    }

    /** @return rejected events */
    public long rejectedCount() {
        return rejected;
    }

    /** @return the keys that have a row: {@code Long}s for a LONG key, {@code String}s for a TEXT key */
    public Set<Object> keys() {
        return Collections.unmodifiableSet(keys.keySet());
    }

    /**
     * @param key numeric key
     * @param readTimeMs read time
     * @return what a read of this key at that time must return
     */
    public Expected expected(long key, long readTimeMs) {
        requireKeyType(KeyType.LONG);
        return expectedFor(key, readTimeMs);
    }

    /**
     * @param key text key
     * @param readTimeMs read time
     * @return what a read of this key at that time must return
     */
    public Expected expected(CharSequence key, long readTimeMs) {
        requireKeyType(KeyType.TEXT);
        return expectedFor(key.toString(), readTimeMs);
    }

    /**
     * Checks a vector read for {@code key} against the model at the vector's own read time: status, row times,
     * every value, size and event time.
     *
     * @param key numeric key
     * @param actual the vector read
     * @throws AssertionError listing every difference
     */
    public void assertMatches(long key, FeatureVector actual) {
        expected(key, actual.readTimeMs()).assertMatches(actual);
    }

    /**
     * Text-key variant of {@link #assertMatches(long, FeatureVector)}.
     *
     * @param key text key
     * @param actual the vector read
     */
    public void assertMatches(CharSequence key, FeatureVector actual) {
        expected(key, actual.readTimeMs()).assertMatches(actual);
    }

    private void requireKeyType(KeyType type) {
        if (set.keyType() != type) {
            throw new IllegalArgumentException("set=" + set.name() + " has a " + set.keyType() + " key, not " + type);
        }
    }

    private Expected expectedFor(Object key, long r) {
        KeyState ks = keys.get(key);
        int n = specs.size();
        List<ExpectedValue> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            FeatureSpec f = specs.get(i);
            if (ks == null) {
                out.add(ExpectedValue.missing(f.name, f.kind));
            } else if (f.kind.isStored()) {
                out.add(stored(f, ks.logs[i], r));
            } else {
                out.add(ReferenceDerived.derived(f, out, specs, r));
            }
        }
        if (ks == null) {
            return new Expected(set.name(), key, r, VectorStatus.MISSING, NO_TIME, NO_TIME, out);
        }
        VectorStatus status = r - ks.lastApplyMs > set.staleAfterMs() ? VectorStatus.STALE : VectorStatus.FRESH;
        return new Expected(set.name(), key, r, status, ks.lastApplyMs, ks.maxEventTimeMs, out);
    }

    /**
     * One stored feature's expected value at read time {@code r}: the events it accepted (for a windowed feature, the
     * live ones: those of the tiles the read covers that the row still holds), then the naive computation of its kind
     * family ({@code Reference*} classes of this package).
     */
    private static ExpectedValue stored(FeatureSpec f, FeatureLog log, long r) {
        final List<Accepted> all = log.events;
        if (f.categories != null) {
            return ReferenceCategories.expected(f, all);
        }
        long maxT = NO_TIME;
        for (Accepted a : all) {
            maxT = Math.max(maxT, a.timeMs);
        }
        List<Accepted> live = all;
        if (!f.window.isLifetime()) {
            final long g = f.window.tileMs();
            final int n = f.window.tileCount();
            final long readEpoch = Math.floorDiv(r, g);
            live = new ArrayList<>();
            for (Accepted a : all) {
                long e = Math.floorDiv(a.timeMs, g);
                if (e >= readEpoch - n + 1 && e <= readEpoch && e > log.maxEpoch - n) {
                    live.add(a);
                }
            }
        }
        switch (f.kind) {
            case LATEST:
                return ReferenceRecency.latest(f, all, maxT);
            case FIRST_SEEN:
                return ReferenceRecency.firstSeen(f, all, maxT);
            case LAST_SEEN:
                return ReferenceRecency.lastSeen(f, all, maxT);
            case LAST_N:
                return ReferenceRecency.lastN(f, all);
            case COUNT:
                return ReferenceTotals.count(f, live, maxT);
            case SUM:
                return ReferenceTotals.sum(f, live, maxT);
            case MEAN:
                return ReferenceTotals.mean(f, live, maxT);
            case MIN:
            case MAX:
                return ReferenceTotals.extreme(f, live, maxT);
            case DECAYED_COUNT:
            case DECAYED_SUM:
                return ReferenceDecayed.decayed(f, all, r, maxT);
            case DISTINCT_APPROX:
                return ReferenceDistinct.distinct(f, live, maxT);
            case VARIANCE:
            case STDDEV:
                return ReferenceSpread.spread(f, live, maxT);
            case QUANTILE:
                return ReferenceSpread.quantile(f, live, maxT);
            case TOP_K:
                return ReferenceTopK.topK(f, live, maxT);
            default:
                throw new IllegalStateException("not a stored kind: " + f.kind);
        }
    }

    /**
     * The exact population variance of the doubles, rounded once to a double: {@code (n * sum(x^2) - sum(x)^2) / n^2}
     * with exact sums (in longs when every value is a multiple of 1/16 below 2^16, as most test streams are; else in
     * BigDecimal), exact up to the final division, which keeps 34 digits.
     *
     * @param values at least one value
     * @return the variance
     */
    public static double exactVariance(double[] values) {
        return ReferenceSpread.exactVariance(values);
    }

    /**
     * @param values at least one value
     * @return the root mean square, {@code sqrt(sum(x^2) / n)}
     */
    public static double rms(double[] values) {
        return ReferenceSpread.rms(values);
    }

    /**
     * The stated bound of a variance read (FeatureSetBuilder#variance): relative error at most {@code
     * 4 * (n + tiles) * 2^-53 * kappa} with {@code kappa = rms / stddev}, i.e. an absolute error of {@code
     * 4 * (n + tiles) * 2^-53 * rms * stddev}.
     *
     * @param n values read
     * @param tiles the window's tiles, 0 for lifetime
     * @param variance the exact variance
     * @param rms the values' root mean square
     * @return the largest allowed absolute difference
     */
    public static double varianceTolerance(long n, int tiles, double variance, double rms) {
        return ReferenceSpread.varianceTolerance(n, tiles, variance, rms);
    }

    /**
     * @param exact the exact quantile (clamped into the range)
     * @param relativeError the sketch's declared relative error
     * @return the largest allowed absolute difference of the estimate
     */
    public static double quantileTolerance(double exact, double relativeError) {
        return ReferenceSpread.quantileTolerance(exact, relativeError);
    }

    /** The tolerance of a floating-point value of that magnitude: relative, and absolute near 0. */
    static double tolerance(double magnitude) {
        return RELATIVE_TOLERANCE * magnitude + ABSOLUTE_TOLERANCE;
    }

    /**
     * The bound within which an approximate distinct count must match the exact one: five relative standard
     * errors of the HyperLogLog, and never less than 2 (small counts use linear counting, which is close to exact
     * but not exact under register collisions).
     *
     * @param exact the exact distinct count
     * @param precision the HyperLogLog precision
     * @return the largest allowed absolute difference
     */
    public static double distinctTolerance(long exact, int precision) {
        return ReferenceDistinct.distinctTolerance(exact, precision);
    }

    /** What one feature accepted for one key. */
    private static final class FeatureLog {
        final List<Accepted> events = new ArrayList<>();
        boolean hasEpoch;
        long maxEpoch;
    }

    /** One key's row in the model. */
    private static final class KeyState {
        final FeatureLog[] logs;
        long lastApplyMs;
        long maxEventTimeMs = NO_TIME;

        KeyState(int features) {
            logs = new FeatureLog[features];
            for (int i = 0; i < features; i++) {
                logs[i] = new FeatureLog();
            }
        }
    }

    /**
     * The expected value of one feature. For a last-N feature, {@link #ids()} and {@link #timesMs()} hold the
     * entries newest first; for every other kind {@link #size()} is 0 (missing) or 1.
     */
    public static final class ExpectedValue {
        private final String name;
        private final FeatureKind kind;
        private final int size;
        private final double doubleValue;
        private final long longValue;
        private final double tolerance;
        private final long eventTimeMs;
        private final long[] ids;
        private final long[] timesMs;
        private final boolean known;
        /** TOP_K: the exact counts of {@link #ids}, and every live id's exact frequency; else empty. */
        private long[] counts = new long[0];
        private Map<Long, Long> frequency = Map.of();
        /** Categorical kinds: the expected values, newest first, their storage and the expected miss count. */
        private String[] texts;
        private Categories categories;
        private long misses;

        private ExpectedValue(String name, FeatureKind kind, int size, double doubleValue, long longValue,
            double tolerance, long eventTimeMs, long[] ids, long[] timesMs, boolean known) {
            this.name = name;
            this.kind = kind;
            this.size = size;
            this.doubleValue = doubleValue;
            this.longValue = longValue;
            this.tolerance = tolerance;
            this.eventTimeMs = eventTimeMs;
            this.ids = ids;
            this.timesMs = timesMs;
            this.known = known;
        }

        static ExpectedValue missing(String name, FeatureKind kind) {
            return new ExpectedValue(name, kind, 0, Double.NaN, FeatureVector.MISSING_LONG, 0, NO_TIME, new long[0],
                new long[0], true);
        }

        static ExpectedValue unknown(String name, FeatureKind kind) {
            return new ExpectedValue(name, kind, 0, Double.NaN, FeatureVector.MISSING_LONG, Double.POSITIVE_INFINITY,
                NO_TIME, new long[0], new long[0], false);
        }

        static ExpectedValue ofLong(String name, FeatureKind kind, long v, long eventTimeMs) {
            return new ExpectedValue(name, kind, 1, v, v, 0, eventTimeMs, new long[0], new long[0], true);
        }

        static ExpectedValue ofDouble(String name, FeatureKind kind, double v, double tolerance, long eventTimeMs) {
            return new ExpectedValue(name, kind, 1, v, Math.round(v), tolerance, eventTimeMs, new long[0], new long[0],
                true);
        }

        static ExpectedValue lastN(String name, long[] ids, long[] timesMs) {
            long t = ids.length == 0 ? NO_TIME : timesMs[0];
            return new ExpectedValue(name, FeatureKind.LAST_N, ids.length,
                ids.length == 0 ? Double.NaN : ids[0], ids.length == 0 ? FeatureVector.MISSING_LONG : ids[0], 0, t,
                ids, timesMs, true);
        }

        /** TOP_K: {@code tolerance} is the bound on each reported count (0: exact ids and counts). */
        static ExpectedValue topK(String name, long[] ids, long[] counts, long[] timesMs, long bound,
            Map<Long, Long> frequency) {
            ExpectedValue v = new ExpectedValue(name, FeatureKind.TOP_K, ids.length, ids[0], ids[0], bound,
                timesMs[0], ids, timesMs, true);
            v.counts = counts;
            v.frequency = frequency;
            return v;
        }

        /** @return TOP_K's exact counts of {@link #ids()}, most frequent first (a copy) */
        public long[] counts() {
            return counts.clone();
        }

        static ExpectedValue categories(String name, FeatureKind kind, Categories c, String[] texts, long[] ids,
            long[] timesMs, long misses) {
            int size = ids.length;
            ExpectedValue v = new ExpectedValue(name, kind, size, size == 0 ? Double.NaN : ids[0],
                size == 0 ? FeatureVector.MISSING_LONG : ids[0], 0, size == 0 ? NO_TIME : timesMs[0], ids, timesMs,
                true);
            v.texts = texts;
            v.categories = c;
            v.misses = misses;
            return v;
        }

        /** @return categorical values as stored, newest first (a copy); null for other kinds */
        public String[] texts() {
            return texts == null ? null : texts.clone();
        }

        /** @return the feature's name */
        public String name() {
            return name;
        }

        /** @return the feature's kind */
        public FeatureKind kind() {
            return kind;
        }

        /** @return 0 when missing; 1, or the number of entries of a last-N feature, when present */
        public int size() {
            return size;
        }

        /** @return true when the feature must have a value */
        public boolean isPresent() {
            return size > 0;
        }

        /** @return the value as a double (the newest id for last-N, the exact count for distinct); NaN if missing */
        public double asDouble() {
            return doubleValue;
        }

        /** @return the value of a LONG-typed feature; {@link FeatureVector#MISSING_LONG} if missing */
        public long asLong() {
            return longValue;
        }

        /** @return the largest allowed absolute difference of a DOUBLE-typed value (0 for exact values) */
        public double tolerance() {
            return tolerance;
        }

        /** @return the expected event time, or {@link FeatureVector#NO_TIME} */
        public long eventTimeMs() {
            return eventTimeMs;
        }

        /** @return last-N ids, newest first (a copy) */
        public long[] ids() {
            return ids.clone();
        }

        /** @return last-N event times, newest first (a copy) */
        public long[] timesMs() {
            return timesMs.clone();
        }

        /**
         * @return false for a derived value that the model cannot predict (a ratio whose approximate denominator may
         *     be 0): it is not compared
         */
        public boolean isKnown() {
            return known;
        }

        void compare(FeatureVector v, FeatureRef ref, List<String> out) {
            if (!known) {
                return;
            }
            if (v.size(ref) != size) {
                out.add("feature=" + name + " size expected=" + size + " actual=" + v.size(ref) + " (expected value="
                    + describe() + ", actual=" + describeActual(v, ref) + ")");
                return;
            }
            if (v.isPresent(ref) != (size > 0)) {
                out.add("feature=" + name + " isPresent=" + v.isPresent(ref) + " but size=" + v.size(ref));
            }
            if (v.eventTimeMs(ref) != eventTimeMs) {
                out.add("feature=" + name + " eventTimeMs expected=" + eventTimeMs + " actual=" + v.eventTimeMs(ref));
            }
            if (texts != null) {
                compareCategories(v, ref, out);
            }
            if (size == 0) {
                if (!Double.isNaN(v.getDouble(ref)) || v.getLong(ref) != FeatureVector.MISSING_LONG) {
                    out.add("feature=" + name + " is missing but reads getDouble=" + v.getDouble(ref) + " getLong="
                        + v.getLong(ref));
                }
                return;
            }
            if (kind == FeatureKind.TOP_K) {
                compareTopK(v, ref, out);
                return;
            }
            if (kind == FeatureKind.LAST_N) {
                for (int j = 0; j < size; j++) {
                    if (v.getLong(ref, j) != ids[j] || v.eventTimeMs(ref, j) != timesMs[j]) {
                        out.add("feature=" + name + " position=" + j + " expected (id=" + ids[j] + ", timeMs="
                            + timesMs[j] + ") actual (id=" + v.getLong(ref, j) + ", timeMs=" + v.eventTimeMs(ref, j)
                            + "); expected all=" + describe() + " actual all=" + describeActual(v, ref));
                        return;
                    }
                }
                return;
            }
            if (kind.valueType() == FeatureKind.ValueType.LONG) {
                if (v.getLong(ref) != longValue) {
                    out.add("feature=" + name + " expected=" + longValue + " actual=" + v.getLong(ref));
                }
                return;
            }
            double actual = v.getDouble(ref);
            if (!(Math.abs(actual - doubleValue) <= tolerance)) {
                out.add("feature=" + name + " expected=" + doubleValue + " (+/-" + tolerance + ") actual=" + actual
                    + " diff=" + (actual - doubleValue));
            }
        }

        /**
         * Exact when no tile overflowed ({@code tolerance} 0); otherwise space-saving's guarantee: each reported count
         * within the bound of its id's true count, the order by (count desc, id asc) of the reported counts, and no
         * id left out whose true count exceeds the last reported count by more than the bound.
         */
        private void compareTopK(FeatureVector v, FeatureRef ref, List<String> out) {
            final long bound = (long) tolerance;
            for (int j = 0; j < size; j++) {
                long id = v.getLong(ref, j);
                long count = v.getCount(ref, j);
                if (v.eventTimeMs(ref, j) != timesMs[j]) {
                    out.add("feature=" + name + " position=" + j + " eventTimeMs expected=" + timesMs[j] + " actual="
                        + v.eventTimeMs(ref, j));
                }
                if (bound == 0 && (id != ids[j] || count != counts[j])) {
                    out.add("feature=" + name + " position=" + j + " expected exactly (id=" + ids[j] + ", count="
                        + counts[j] + ") actual (id=" + id + ", count=" + count + "); expected all=" + describe()
                        + " actual all=" + describeActual(v, ref));
                    return;
                }
                long truth = frequency.getOrDefault(id, 0L);
                if (Math.abs(count - truth) > bound) {
                    out.add("feature=" + name + " position=" + j + " id=" + id + " count=" + count + " true=" + truth
                        + " beyond bound=" + bound + "; actual all=" + describeActual(v, ref));
                }
                if (j > 0) {
                    long prevCount = v.getCount(ref, j - 1);
                    long prevId = v.getLong(ref, j - 1);
                    if (count > prevCount || (count == prevCount && id <= prevId)) {
                        out.add("feature=" + name + " position=" + j + " out of order; actual all="
                            + describeActual(v, ref));
                    }
                }
            }
            long last = v.getCount(ref, size - 1);
            for (Map.Entry<Long, Long> e : frequency.entrySet()) {
                // Fewer ids than k: every live id is reported.
                if (frequency.size() == size || e.getValue() - bound > last) {
                    boolean reported = false;
                    for (int j = 0; j < size; j++) {
                        reported |= v.getLong(ref, j) == e.getKey();
                    }
                    if (!reported) {
                        out.add("feature=" + name + " left out id=" + e.getKey() + " of true count=" + e.getValue()
                            + " > last reported=" + last + " + bound=" + bound + "; actual all="
                            + describeActual(v, ref));
                    }
                }
            }
        }

        private void compareCategories(FeatureVector v, FeatureRef ref, List<String> out) {
            if (v.categoryMisses(ref) != misses) {
                out.add("feature=" + name + " categoryMisses expected=" + misses + " actual=" + v.categoryMisses(ref));
            }
            StringBuilder sb = new StringBuilder();
            for (int j = 0; j < size; j++) {
                sb.setLength(0);
                boolean present = v.category(ref, j, sb);
                if (!present || !sb.toString().equals(texts[j]) || v.eventTimeMs(ref, j) != timesMs[j]
                    || v.getLong(ref, j) != ids[j]
                    || (categories.isDictionary() && v.categoryId(ref, j) != ids[j])) {
                    out.add("feature=" + name + " position=" + j + " expected (" + texts[j] + ", id/length=" + ids[j]
                        + ", timeMs=" + timesMs[j] + ") actual (" + (present ? sb : "absent") + ", id/length="
                        + v.getLong(ref, j) + ", timeMs=" + v.eventTimeMs(ref, j) + ")");
                    return;
                }
            }
            sb.setLength(0);
            if (v.category(ref, size, sb) || sb.length() > 0) {
                out.add("feature=" + name + " reads a value past size=" + size + ": " + sb);
            }
        }

        private String describe() {
            if (size == 0) {
                return "missing";
            }
            if (kind == FeatureKind.TOP_K) {
                StringBuilder sb = new StringBuilder("[");
                for (int j = 0; j < size; j++) {
                    sb.append(j == 0 ? "" : ", ").append(ids[j]).append('x').append(counts[j]);
                }
                return sb.append("] +/-").append((long) tolerance).toString();
            }
            if (kind == FeatureKind.LAST_N) {
                StringBuilder sb = new StringBuilder("[");
                for (int j = 0; j < size; j++) {
                    sb.append(j == 0 ? "" : ", ").append(ids[j]).append('@').append(timesMs[j]);
                }
                return sb.append(']').toString();
            }
            return kind.valueType() == FeatureKind.ValueType.LONG ? Long.toString(longValue)
                : Double.toString(doubleValue);
        }

        private static String describeActual(FeatureVector v, FeatureRef ref) {
            if (ref.kind() == FeatureKind.TOP_K) {
                StringBuilder sb = new StringBuilder("[");
                for (int j = 0; j < v.size(ref); j++) {
                    sb.append(j == 0 ? "" : ", ").append(v.getLong(ref, j)).append('x').append(v.getCount(ref, j));
                }
                return sb.append(']').toString();
            }
            if (ref.kind() == FeatureKind.LAST_N) {
                StringBuilder sb = new StringBuilder("[");
                for (int j = 0; j < v.size(ref); j++) {
                    sb.append(j == 0 ? "" : ", ").append(v.getLong(ref, j)).append('@').append(v.eventTimeMs(ref, j));
                }
                return sb.append(']').toString();
            }
            return v.isPresent(ref) ? Double.toString(v.getDouble(ref)) : "missing";
        }

        @Override
        public String toString() {
            return name + "=" + describe() + (eventTimeMs == NO_TIME ? "" : " @" + eventTimeMs);
        }
    }

    /** Everything a read of one key at one time must return. Immutable. */
    public static final class Expected {
        private static final int MAX_REPORTED = 25;
        private final String setName;
        private final Object key;
        private final long readTimeMs;
        private final VectorStatus status;
        private final long rowUpdatedMs;
        private final long rowEventTimeMs;
        private final List<ExpectedValue> values;
        private final Map<String, ExpectedValue> byName = new HashMap<>();

        Expected(String setName, Object key, long readTimeMs, VectorStatus status, long rowUpdatedMs,
            long rowEventTimeMs, List<ExpectedValue> values) {
            this.setName = setName;
            this.key = key;
            this.readTimeMs = readTimeMs;
            this.status = status;
            this.rowUpdatedMs = rowUpdatedMs;
            this.rowEventTimeMs = rowEventTimeMs;
            this.values = Collections.unmodifiableList(values);
            for (ExpectedValue v : values) {
                byName.put(v.name, v);
            }
        }

        /** @return the key ({@code Long} or {@code String}) */
        public Object key() {
            return key;
        }

        /** @return the read time */
        public long readTimeMs() {
            return readTimeMs;
        }

        /** @return FRESH, STALE or MISSING */
        public VectorStatus status() {
            return status;
        }

        /** @return the applying clock of the key's last apply, or {@link FeatureVector#NO_TIME} */
        public long rowUpdatedMs() {
            return rowUpdatedMs;
        }

        /** @return the newest event time applied to the key, or {@link FeatureVector#NO_TIME} */
        public long rowEventTimeMs() {
            return rowEventTimeMs;
        }

        /** @return every feature's expected value, in declaration order */
        public List<ExpectedValue> values() {
            return values;
        }

        /**
         * @param featureName a feature of the set
         * @return its expected value
         */
        public ExpectedValue value(String featureName) {
            ExpectedValue v = byName.get(featureName);
            if (v == null) {
                throw new IllegalArgumentException("set=" + setName + " has no feature=" + featureName);
            }
            return v;
        }

        /**
         * Compares values, sizes and event times only: for vectors whose row bookkeeping (applying clock, status)
         * the test does not control, e.g. behind a live pipeline.
         *
         * @param actual a vector of the same definition
         * @return one line per difference; empty when it matches
         */
        public List<String> valueMismatches(FeatureVector actual) {
            List<String> out = new ArrayList<>();
            for (ExpectedValue v : values) {
                v.compare(actual, actual.featureSet().ref(v.name), out);
            }
            return out;
        }

        /**
         * Compares everything: read time, status, row times, and every value.
         *
         * @param actual a vector of the same definition
         * @return one line per difference; empty when it matches
         */
        public List<String> mismatches(FeatureVector actual) {
            List<String> out = new ArrayList<>();
            if (actual.readTimeMs() != readTimeMs) {
                out.add("readTimeMs expected=" + readTimeMs + " actual=" + actual.readTimeMs());
            }
            if (actual.status() != status) {
                out.add("status expected=" + status + " actual=" + actual.status());
            }
            if (actual.rowUpdatedMs() != rowUpdatedMs) {
                out.add("rowUpdatedMs expected=" + rowUpdatedMs + " actual=" + actual.rowUpdatedMs());
            }
            if (actual.rowEventTimeMs() != rowEventTimeMs) {
                out.add("rowEventTimeMs expected=" + rowEventTimeMs + " actual=" + actual.rowEventTimeMs());
            }
            out.addAll(valueMismatches(actual));
            return out;
        }

        /**
         * @param actual a vector of the same definition
         * @throws AssertionError naming the set, key, read time and each differing feature
         */
        public void assertMatches(FeatureVector actual) {
            fail(mismatches(actual), actual);
        }

        /**
         * Like {@link #assertMatches} but ignoring status and row bookkeeping; see {@link #valueMismatches}.
         *
         * @param actual a vector of the same definition
         */
        public void assertValuesMatch(FeatureVector actual) {
            fail(valueMismatches(actual), actual);
        }

        private void fail(List<String> problems, FeatureVector actual) {
            if (problems.isEmpty()) {
                return;
            }
            StringBuilder sb = new StringBuilder("set=").append(setName).append(" key=").append(key)
                .append(" readTimeMs=").append(readTimeMs).append(": ").append(problems.size())
                .append(" mismatch(es)");
            for (int i = 0; i < problems.size() && i < MAX_REPORTED; i++) {
                sb.append("\n  ").append(problems.get(i));
            }
            if (problems.size() > MAX_REPORTED) {
                sb.append("\n  ... and ").append(problems.size() - MAX_REPORTED).append(" more");
            }
            sb.append("\n  expected: ").append(this).append("\n  actual:   ").append(actual);
            throw new AssertionError(sb.toString());
        }

        @Override
        public String toString() {
            return "Expected{key=" + key + ", readTimeMs=" + readTimeMs + ", status=" + status + ", " + values + "}";
        }
    }
}
