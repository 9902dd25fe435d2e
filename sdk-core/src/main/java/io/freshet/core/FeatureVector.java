package io.freshet.core;

import static io.freshet.core.internal.kernel.CompiledLayout.K_LAST_N;
import static io.freshet.core.internal.kernel.CompiledLayout.K_LAST_N_CATEGORIES;
import static io.freshet.core.internal.kernel.CompiledLayout.K_LATEST_CATEGORY;
import static io.freshet.core.internal.kernel.CompiledLayout.K_TOP_K;
import static io.freshet.core.internal.kernel.CompiledLayout.ROW_LAST_APPLY_MS;
import static io.freshet.core.internal.kernel.CompiledLayout.ROW_MAX_EVENT_TIME_MS;

import io.freshet.core.internal.kernel.CategoryValues;
import io.freshet.core.internal.kernel.CompiledLayout;
import io.freshet.core.internal.kernel.RowReadKernel;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.RowVisitor;

/**
 * The features of one key at one read time: a caller-owned, reusable flyweight filled by
 * {@link FeatureReader#read} (or {@link FeatureTestDriver#read}). Values are read by compiled {@link FeatureRef}s;
 * each value carries the newest event time that contributed to it, so a caller knows how fresh it is.
 *
 * <p>A missing value (empty min/max/mean, a latest with no event, a row that does not exist) reads as NaN from
 * {@link #getDouble} and {@link #MISSING_LONG} from {@link #getLong}; counts and sums of nothing are 0.
 *
 * <p>Threading: not thread-safe; one vector per reading thread. Allocation: none when filled or read, except
 * {@link #toString()}. Create with {@link FeatureSet#newVector()}.
 */
public final class FeatureVector {
    /** {@link #getLong} of a missing value. */
    public static final long MISSING_LONG = CompiledLayout.MISSING_LONG;
    /** {@link #eventTimeMs} of a value that no event contributed to. */
    public static final long NO_TIME = CompiledLayout.NO_TIME;

    // Not final: a reader whose set was migrated re-targets the vector to the live definition (a promote or a
    // rollback, so rarely that the arrays it allocates then do not matter); every read fills all of them anew.
    private FeatureSet<?> set;
    private CompiledLayout l;
    private long[] bits;
    private long[] timesMs;
    private int[] sizes;
    RowBuffer row;
    private VectorStatus status = VectorStatus.MISSING;
    private long readTimeMs;
    private long rowUpdatedMs = NO_TIME;
    private long rowEventTimeMs = NO_TIME;
    /** Fills bits, timesMs and sizes from a row: the evaluation lives there, this class only reads the results. */
    private RowReadKernel kernel;
    /** The categorical features' text and miss counts, filled by the kernel. */
    private CategoryValues categories;
    /** True after {@link #restoreLogged}: the served-feature log records values and UTF-8 text, not misses. */
    private boolean restored;
    /** True once a reader switched this vector to another definition: refs of the others then resolve by name. */
    private boolean retargeted;
    private long pendingStaleAfterMs;
    /** The store calls it with the row in place (or a copy in {@link #row}): evaluates at {@link #prepareRead}. */
    final RowVisitor evaluator = new Evaluator();

    FeatureVector(FeatureSet<?> set, CompiledLayout layout) {
        bind(set, layout);
        clearMissing(0);
    }

    private void bind(FeatureSet<?> s, CompiledLayout layout) {
        this.set = s;
        this.l = layout;
        this.bits = new long[layout.vectorWidth];
        this.timesMs = new long[layout.vectorWidth];
        this.sizes = new int[layout.featureCount];
        this.row = RowBuffer.allocateHeap(layout.rowSizeBytes);
        this.kernel = new RowReadKernel(layout, bits, timesMs, sizes);
        this.categories = kernel.categoryValues();
    }

    /**
     * Makes this vector one of {@code target} (a reader's set was promoted or rolled back to it): allocates new
     * arrays, once per switch. The caller's thread owns the vector, so nothing else sees it half done.
     *
     * @param target the definition now live
     */
    void retarget(FeatureSet<?> target) {
        bind(target, target.compiledLayout());
        retargeted = true;
        clearMissing(0);
    }

    /** @return the feature set this vector belongs to */
    public FeatureSet<?> featureSet() {
        return set;
    }

    /** @return FRESH, STALE, CATCHING_UP or MISSING */
    public VectorStatus status() {
        return status;
    }

    /** @return the read time the values were evaluated at, epoch ms */
    public long readTimeMs() {
        return readTimeMs;
    }

    /** @return the applying clock at the row's last update, or {@link #NO_TIME} when missing */
    public long rowUpdatedMs() {
        return rowUpdatedMs;
    }

    /** @return the newest event time applied to the row, or {@link #NO_TIME} */
    public long rowEventTimeMs() {
        return rowEventTimeMs;
    }

    private int index(FeatureRef ref) {
        if (ref.owner != set) {
            return indexByName(ref);
        }
        return ref.index;
    }

    /**
     * A ref of another definition of a migrated set (the vector was re-targeted by a promote or rollback) finds its
     * feature by name, so that callers keep the refs they hold; a feature the live definition lacks is an error.
     */
    private int indexByName(FeatureRef ref) {
        if (retargeted) {
            for (int i = 0; i < l.featureCount; i++) {
                if (l.names[i].equals(ref.name())) {
                    return i;
                }
            }
            throw new IllegalArgumentException("feature=" + ref.name() + " is not in the live definition of set="
                + set.name() + " (fingerprint=" + Long.toHexString(set.fingerprint()) + "): read it from "
                + ref.owner.name() + " before the promote, or drop it from the caller");
        }
        throw new IllegalArgumentException("feature=" + ref + " belongs to another set than " + set.name());
    }

    /**
     * @param ref the feature
     * @return true when it has a value
     */
    public boolean isPresent(FeatureRef ref) {
        return sizes[index(ref)] > 0;
    }

    /**
     * @param ref the feature
     * @return its value as a double (the newest id for last-N; a category's dictionary id, or the byte length of its
     *     UTF-8 text); NaN when missing
     */
    public double getDouble(FeatureRef ref) {
        int i = index(ref);
        return sizes[i] == 0 ? Double.NaN : doubleAt(i, l.slot[i]);
    }

    private double doubleAt(int i, int s) {
        return RowReadKernel.doubleAt(l, bits, i, s);
    }

    /**
     * @param ref the feature
     * @return its value as a long (doubles rounded to nearest; a category's dictionary id, or the byte length of its
     *     UTF-8 text); {@link #MISSING_LONG} when missing
     */
    public long getLong(FeatureRef ref) {
        int i = index(ref);
        if (sizes[i] == 0) {
            return MISSING_LONG;
        }
        int s = l.slot[i];
        return l.kinds[i].valueType() == FeatureKind.ValueType.LONG
            ? bits[s] : Math.round(Double.longBitsToDouble(bits[s]));
    }

    /**
     * @param ref the feature
     * @return the newest event time that contributed to the value, or {@link #NO_TIME}
     */
    public long eventTimeMs(FeatureRef ref) {
        return timesMs[l.slot[index(ref)]];
    }

    /**
     * @param ref the feature
     * @return read time minus {@link #eventTimeMs}, or -1 when there is no event time
     */
    public long ageMs(FeatureRef ref) {
        long t = eventTimeMs(ref);
        return t == NO_TIME ? -1 : readTimeMs - t;
    }

    /**
     * @param ref the feature
     * @return how many values it holds: 0 or 1, or 0 to n for last-N, or 0 to k ids for top-K
     */
    public int size(FeatureRef ref) {
        return sizes[index(ref)];
    }

    /**
     * @param ref a last-N feature (0 is the newest) or a top-K feature (0 is the most frequent); for another
     *     feature, position 0 is {@link #getLong(FeatureRef)}
     * @param position the position in the list
     * @return the id at that position, or {@link #MISSING_LONG} past the size
     */
    public long getLong(FeatureRef ref, int position) {
        int i = index(ref);
        if (l.kind[i] != K_LAST_N && l.kind[i] != K_TOP_K && l.kind[i] != K_LAST_N_CATEGORIES) {
            return position == 0 ? getLong(ref) : MISSING_LONG;
        }
        return position >= 0 && position < sizes[i] ? bits[l.slot[i] + position] : MISSING_LONG;
    }

    /**
     * @param ref a last-N feature
     * @param position 0 for the newest
     * @return the event time at that position, or {@link #NO_TIME} past the size
     */
    public long eventTimeMs(FeatureRef ref, int position) {
        int i = index(ref);
        return position >= 0 && position < sizes[i] ? timesMs[l.slot[i] + position] : NO_TIME;
    }

    /**
     * @param ref a top-K feature
     * @param position 0 for the most frequent id
     * @return that id's count over the window (within the feature's stated bound), or {@link #MISSING_LONG} past the
     *     size
     * @throws IllegalArgumentException when {@code ref} is not a top-K feature
     */
    public long getCount(FeatureRef ref, int position) {
        int i = index(ref);
        if (l.kind[i] != K_TOP_K) {
            throw new IllegalArgumentException("feature=" + l.names[i] + " is " + l.kinds[i]
                + ", not TOP_K: counts exist for top-K features only");
        }
        int k = l.width[i] / 2;
        return position >= 0 && position < sizes[i] ? bits[l.slot[i] + k + position] : MISSING_LONG;
    }

    /** Whether slot j of feature i holds a value: j < size, or for top-K, j's position in the ids or counts. */
    private boolean filled(int i, int j) {
        return (l.kind[i] == K_TOP_K ? j % (l.width[i] / 2) : j) < sizes[i];
    }

    private int categorical(FeatureRef ref) {
        int i = index(ref);
        if (l.kind[i] != K_LATEST_CATEGORY && l.kind[i] != K_LAST_N_CATEGORIES) {
            throw new IllegalArgumentException("feature=" + ref.name() + " is " + l.kinds[i] + ", not a categorical "
                + "feature: read it with getDouble/getLong");
        }
        return i;
    }

    /**
     * @param ref a dictionary-stored categorical feature
     * @return the newest value's id (its position in the dictionary, {@link Categories#otherId()} for a value outside
     *     it), or -1 when missing
     * @throws IllegalArgumentException for another kind or a UTF-8 feature
     */
    public int categoryId(FeatureRef ref) {
        return categoryId(ref, 0);
    }

    /**
     * @param ref a dictionary-stored categorical feature
     * @param position 0 for the newest (last-N), 0 only for latest
     * @return the id at that position, or -1 past the size
     * @throws IllegalArgumentException for another kind or a UTF-8 feature
     */
    public int categoryId(FeatureRef ref, int position) {
        int i = categorical(ref);
        if (!l.categories.categories[i].isDictionary()) {
            throw new IllegalArgumentException("feature=" + ref.name() + " stores UTF-8 text, not ids: read it with "
                + "category(ref, into)");
        }
        return position >= 0 && position < sizes[i] ? (int) bits[l.slot[i] + position] : -1;
    }

    /**
     * Appends the newest category (its dictionary name, {@link Categories#OTHER}, or its UTF-8 text) to a
     * caller-owned builder, allocating nothing once the builder has the capacity.
     *
     * @param ref a categorical feature
     * @param into where to append
     * @return false (and nothing appended) when missing
     */
    public boolean category(FeatureRef ref, StringBuilder into) {
        return category(ref, 0, into);
    }

    /**
     * @param ref a categorical feature
     * @param position 0 for the newest (last-N), 0 only for latest
     * @param into where to append
     * @return false (and nothing appended) past the size
     * @see #category(FeatureRef, StringBuilder)
     */
    public boolean category(FeatureRef ref, int position, StringBuilder into) {
        int i = categorical(ref);
        if (position < 0 || position >= sizes[i]) {
            return false;
        }
        appendCategory(i, position, into);
        return true;
    }

    private void appendCategory(int i, int position, StringBuilder into) {
        long v = bits[l.slot[i] + position];
        Categories c = l.categories.categories[i];
        if (c.isDictionary()) {
            into.append(c.name((int) Math.max(0, Math.min(v, c.otherId()))));
        } else {
            categories.appendText(i, position, v, into);
        }
    }

    /**
     * @param ref a categorical feature
     * @return how many of the key's events had a value cut to the UTF-8 width or outside the dictionary (stored as
     *     {@link Categories#OTHER}); 0 when missing, and in a vector restored from the served-feature log (which
     *     records values, not this count)
     */
    public long categoryMisses(FeatureRef ref) {
        int i = categorical(ref);
        return restored ? 0 : categories.misses(i);
    }

    /** @return the number of doubles {@link #copyTo(double[], int)} writes */
    public int width() {
        return l.vectorWidth;
    }

    /**
     * Copies every value, in declaration order, as model input: a last-N feature takes n positions (newest first), a
     * top-K feature 2k (its k ids, most frequent first, then their k counts); missing values are NaN.
     *
     * @param out target, at least {@link #width()} long from {@code offset}
     * @param offset first position to write
     */
    public void copyTo(double[] out, int offset) {
        checkTarget(out.length, offset);
        for (int i = 0; i < l.featureCount; i++) {
            int s = l.slot[i];
            if (l.categories.categories[i] != null && modelForm(i, out, null, offset + s)) {
                continue;
            }
            for (int j = 0; j < l.width[i]; j++) {
                out[offset + s + j] = filled(i, j) ? doubleAt(i, s + j) : Double.NaN;
            }
        }
    }

    /**
     * The model columns of a categorical feature that are not its ids: NaN for UTF-8 text, 0/1 for one-hot (all NaN
     * when missing). Returns false for the index form, which the plain loop writes (the id as a double).
     */
    private boolean modelForm(int i, double[] d, float[] f, int at) {
        Categories c = l.categories.categories[i];
        if (c.isDictionary() && !c.isOneHot()) {
            return false;
        }
        final long hot = c.isOneHot() && sizes[i] > 0 ? bits[l.slot[i]] : -1;
        for (int j = 0; j < l.width[i]; j++) {
            double v = c.isOneHot() && sizes[i] > 0 ? (j == hot ? 1 : 0) : Double.NaN;
            if (d != null) {
                d[at + j] = v;
            } else {
                f[at + j] = (float) v;
            }
        }
        return true;
    }

    private void checkTarget(int length, int offset) {
        if (length - offset < l.vectorWidth || offset < 0) {
            throw new IndexOutOfBoundsException("out.length=" + length + " offset=" + offset + " width="
                + l.vectorWidth);
        }
    }

    /**
     * @param out target, at least {@link #width()} long
     * @see #copyTo(double[], int)
     */
    public void copyTo(double[] out) {
        copyTo(out, 0);
    }

    /**
     * Like {@link #copyTo(double[], int)}, narrowed to float.
     *
     * @param out target
     * @param offset first position to write
     */
    public void copyTo(float[] out, int offset) {
        checkTarget(out.length, offset);
        for (int i = 0; i < l.featureCount; i++) {
            int s = l.slot[i];
            if (l.categories.categories[i] != null && modelForm(i, null, out, offset + s)) {
                continue;
            }
            for (int j = 0; j < l.width[i]; j++) {
                out[offset + s + j] = filled(i, j) ? (float) doubleAt(i, s + j) : Float.NaN;
            }
        }
    }

    /**
     * @param out target, at least {@link #width()} long
     * @see #copyTo(float[], int)
     */
    public void copyTo(float[] out) {
        copyTo(out, 0);
    }

    /** Marks the vector as CATCHING_UP (a row exists but its pipeline is not live yet). */
    void markCatchingUp() {
        if (status != VectorStatus.MISSING) {
            status = VectorStatus.CATCHING_UP;
        }
    }

    void clearMissing(long readTimeMs) {
        this.readTimeMs = readTimeMs;
        this.status = VectorStatus.MISSING;
        this.restored = false;
        this.rowUpdatedMs = NO_TIME;
        this.rowEventTimeMs = NO_TIME;
        kernel.clear();
    }

    /**
     * Sets the read time and staleness bound the next {@link #evaluator} call evaluates at.
     *
     * @param r read time, epoch ms
     * @param staleAfterMs the set's staleness bound
     */
    void prepareRead(long r, long staleAfterMs) {
        this.readTimeMs = r;
        this.pendingStaleAfterMs = staleAfterMs;
    }

    /** Evaluates {@code src} (a consistent row image) at read time {@code r}. */
    void evaluate(RowBuffer src, long r, long staleAfterMs) {
        restored = false;
        readTimeMs = r;
        rowUpdatedMs = src.getLong(ROW_LAST_APPLY_MS);
        rowEventTimeMs = src.getLong(ROW_MAX_EVENT_TIME_MS);
        status = r - rowUpdatedMs > staleAfterMs ? VectorStatus.STALE : VectorStatus.FRESH;
        kernel.evaluate(src, r);
    }

    /**
     * Evaluates a row where the store shows it. Every call rewrites every result (status, row times, each feature),
     * and reads only offsets of the layout, so a call on a torn row that the store then repeats leaves nothing behind.
     */
    private final class Evaluator implements RowVisitor {
        private final RowBuffer view = new RowBuffer();

        @Override
        public void visit(RowBuffer row) {
            evaluate(row, readTimeMs, pendingStaleAfterMs);
        }

        @Override
        public RowBuffer view() {
            return view;
        }

        @Override
        public RowBuffer copyTarget() {
            return row;
        }
    }

    /** @return the value bits as evaluated (for the served-feature log; not to be written) */
    long[] loggedBits() {
        return bits;
    }

    /** @return the values' event times (for the served-feature log; not to be written) */
    long[] loggedTimesMs() {
        return timesMs;
    }

    /** @return the features' sizes (for the served-feature log; not to be written) */
    int[] loggedSizes() {
        return sizes;
    }

    /** @return the UTF-8 category text (for the served-feature log; not to be written) */
    long[] loggedText() {
        return categories.text();
    }

    /** Makes this vector exactly what a served-feature log entry recorded: status, times, every value, the text. */
    void restoreLogged(VectorStatus s, long readMs, long updatedMs, long eventMs, long[] b, long[] t, int[] z,
        long[] text) {
        System.arraycopy(b, 0, bits, 0, bits.length);
        categories.restore(text);
        System.arraycopy(t, 0, timesMs, 0, timesMs.length);
        System.arraycopy(z, 0, sizes, 0, sizes.length);
        this.status = s;
        this.restored = true;
        this.readTimeMs = readMs;
        this.rowUpdatedMs = updatedMs;
        this.rowEventTimeMs = eventMs;
    }

    /** @return a readable dump of every feature; allocates, so keep it off hot paths */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(64 + 32 * l.featureCount);
        sb.append(set.name()).append('{').append("status=").append(status).append(", readTimeMs=").append(readTimeMs);
        for (int i = 0; i < l.featureCount; i++) {
            sb.append(", ").append(l.names[i]).append('=');
            int s = l.slot[i];
            if (l.kind[i] == K_LATEST_CATEGORY || l.kind[i] == K_LAST_N_CATEGORIES) {
                sb.append('[');
                for (int j = 0; j < sizes[i]; j++) {
                    sb.append(j == 0 ? "" : ", ");
                    appendCategory(i, j, sb);
                }
                sb.append(']');
            } else if (l.kind[i] == K_LAST_N) {
                sb.append('[');
                for (int j = 0; j < sizes[i]; j++) {
                    sb.append(j == 0 ? "" : ", ").append(bits[s + j]);
                }
                sb.append(']');
            } else if (l.kind[i] == K_TOP_K) {
                sb.append('[');
                for (int j = 0; j < sizes[i]; j++) {
                    sb.append(j == 0 ? "" : ", ").append(bits[s + j]).append('x').append(bits[s + l.width[i] / 2 + j]);
                }
                sb.append(']');
            } else if (sizes[i] == 0) {
                sb.append("missing");
            } else if (l.kinds[i].valueType() == FeatureKind.ValueType.LONG) {
                sb.append(bits[s]);
            } else {
                sb.append(Double.longBitsToDouble(bits[s]));
            }
            if (sizes[i] > 0 && timesMs[s] != NO_TIME) {
                sb.append(" (age ").append(readTimeMs - timesMs[s]).append(" ms)");
            }
        }
        return sb.append('}').toString();
    }
}
