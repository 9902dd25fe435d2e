package io.freshet.core;

import java.util.Objects;

/**
 * One read of a {@link FeatureView}: a value, a status and an age per column, in {@link FeatureView#columns()} order.
 * A caller-owned, reusable flyweight filled by {@link ViewReader#read} (or {@link #assemble}); it owns one
 * {@link FeatureVector} per source set, which a read fills in place.
 *
 * <h2>Per column</h2>
 * <ul>
 *   <li>value: {@link #getDouble(int)}, NaN when missing (a feature with no value, a key with no row, a request-time
 *       feature with a missing input);</li>
 *   <li>status: its set's row status (FRESH, STALE, CATCHING_UP) when the column has a value, MISSING when it has
 *       none; a request-time column takes its feature input's status ({@link RequestFeature});</li>
 *   <li>age: read time minus the newest event time that contributed ({@link #ageMs(int)}), -1 when none.</li>
 * </ul>
 *
 * <p>Threading: not thread-safe; one per reading thread. Allocation: none when filled or read, except
 * {@link #toString()}. Create with {@link FeatureView#newVector()}.
 */
public final class ViewVector {
    private final FeatureView view;
    /** The view's sources' vectors, which the reader fills. */
    final FeatureVector[] parts;
    /** Per read: {@link #parts}, or null for a set the request has no key for. */
    final FeatureVector[] readParts;
    private final double[] values;
    private final long[] eventTimesMs;
    private final long[] agesMs;
    private final VectorStatus[] statuses;
    private long readTimeMs = FeatureVector.NO_TIME;

    ViewVector(FeatureView view) {
        this.view = view;
        this.parts = new FeatureVector[view.sourceSets.length];
        this.readParts = new FeatureVector[parts.length];
        for (int i = 0; i < parts.length; i++) {
            parts[i] = view.sourceSets[i].newVector();
        }
        int width = view.width();
        this.values = new double[width];
        this.eventTimesMs = new long[width];
        this.agesMs = new long[width];
        this.statuses = new VectorStatus[width];
        fill(new FeatureVector[parts.length], null);
    }

    /** @return the view this vector is of */
    public FeatureView view() {
        return view;
    }

    /** @return the number of columns */
    public int width() {
        return values.length;
    }

    /** @return the newest read time of the sources' reads, epoch ms ({@link FeatureVector#NO_TIME} before any) */
    public long readTimeMs() {
        return readTimeMs;
    }

    /**
     * @param column a position in {@link FeatureView#columns()} (resolve once with {@link FeatureView#columnIndex})
     * @return its value, NaN when missing (a long-valued feature as a double)
     */
    public double getDouble(int column) {
        return values[column];
    }

    /**
     * @param column a column
     * @return true when it has a value
     */
    public boolean isPresent(int column) {
        return statuses[column] != VectorStatus.MISSING;
    }

    /**
     * @param column a column
     * @return MISSING when it has no value, else its row's status (see the class comment)
     */
    public VectorStatus status(int column) {
        return statuses[column];
    }

    /**
     * @param column a column
     * @return the newest event time that contributed to the value, or {@link FeatureVector#NO_TIME}
     */
    public long eventTimeMs(int column) {
        return eventTimesMs[column];
    }

    /**
     * @param column a column
     * @return its read time minus {@link #eventTimeMs(int)}, -1 when there is no event time
     */
    public long ageMs(int column) {
        return agesMs[column];
    }

    /**
     * @param set a source set of the view
     * @return the vector the last {@link ViewReader#read} filled for that set (e.g. for its row times, or features the
     *     view does not select); left as it was by a request with no key for the set, and by {@link #assemble}
     */
    public FeatureVector vectorOf(FeatureSet<?> set) {
        int i = view.sourceIndexOrMinus(set.name());
        if (i < 0) {
            throw new IllegalArgumentException("set=" + set.name() + " is not a source of view=" + view.name());
        }
        return parts[i];
    }

    /**
     * Copies every column's value in {@link FeatureView#columns()} order, NaN where missing: the model input, the
     * same numbers, in the same order, as the view's training rows.
     *
     * @param out target, at least {@link #width()} long from {@code offset}
     * @param offset first position to write
     */
    public void copyTo(double[] out, int offset) {
        checkTarget(out.length, offset);
        System.arraycopy(values, 0, out, offset, values.length);
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
        for (int c = 0; c < values.length; c++) {
            out[offset + c] = (float) values[c];
        }
    }

    /**
     * @param out target, at least {@link #width()} long
     * @see #copyTo(float[], int)
     */
    public void copyTo(float[] out) {
        copyTo(out, 0);
    }

    private void checkTarget(int length, int offset) {
        if (offset < 0 || length - offset < values.length) {
            throw new IndexOutOfBoundsException("out.length=" + length + " offset=" + offset + " width="
                + values.length);
        }
    }

    /**
     * Fills this vector from vectors the caller read already (by batch reads, or as training rows do at a label
     * time) and the request's parameters: the same columns a {@link ViewReader#read} of those reads would give.
     * The given vectors are read, not kept. Allocation: none.
     *
     * @param vectors one per source set in {@link FeatureView#sets()} order; null where the request had no key for
     *     the set (its columns read MISSING)
     * @param request the request's parameters (its keys are not used), or null for none (all NaN)
     * @throws IllegalArgumentException when a vector is of another set, or the request of another view
     */
    public void assemble(FeatureVector[] vectors, ViewRequest request) {
        Objects.requireNonNull(vectors, "vectors can't be null");
        if (vectors.length != parts.length) {
            throw new IllegalArgumentException("vectors.length=" + vectors.length + " != the view's " + parts.length
                + " sets: pass one per set, in view.sets() order");
        }
        for (int i = 0; i < vectors.length; i++) {
            if (vectors[i] != null && !vectors[i].featureSet().name().equals(view.sourceSets[i].name())) {
                throw new IllegalArgumentException("vectors[" + i + "] is of set=" + vectors[i].featureSet().name()
                    + " but the view's set " + i + " is " + view.sourceSets[i].name() + ": pass them in view.sets() "
                    + "order");
            }
        }
        if (request != null) {
            request.checkView(view);
        }
        fill(vectors, request);
    }

    /** Computes every column from the sources' vectors (null: missing) and the request's parameters. */
    void fill(FeatureVector[] src, ViewRequest request) {
        final FeatureView v = view;
        long newestRead = FeatureVector.NO_TIME;
        for (FeatureVector p : src) {
            if (p != null && (newestRead == FeatureVector.NO_TIME || p.readTimeMs() > newestRead)) {
                newestRead = p.readTimeMs();
            }
        }
        readTimeMs = newestRead;
        final int width = values.length;
        for (int c = 0; c < width; c++) {
            final int s = v.columnSource[c];
            if (s >= 0 && v.columnHot[c] >= 0) {
                fillHot(c, src[s], v.columnRef[c], v.columnHot[c]);
            } else if (s >= 0 && v.columnPosition[c] >= 0) {
                fillListPosition(c, src[s], v.columnRef[c], v.columnPosition[c]);
            } else if (s >= 0) {
                fillFeature(c, src[s], v.columnRef[c]);
            } else {
                fillRequestTime(c, v.columnOp[c], request == null || v.columnParam[c] < 0 ? Double.NaN
                    : request.params[v.columnParam[c]], v.columnInput[c], src);
            }
        }
    }

    private void fillFeature(int c, FeatureVector p, FeatureRef ref) {
        if (p == null || !p.isPresent(ref)) {
            missing(c);
            return;
        }
        values[c] = p.getDouble(ref);
        statuses[c] = p.status();
        long t = p.eventTimeMs(ref);
        eventTimesMs[c] = t;
        agesMs[c] = t == FeatureVector.NO_TIME ? -1 : p.readTimeMs() - t;
    }

    /** One one-hot column of a category: 1 when its id is the value's, else 0; missing when the value is. */
    private void fillHot(int c, FeatureVector p, FeatureRef ref, int id) {
        if (p == null || !p.isPresent(ref)) {
            missing(c);
            return;
        }
        values[c] = p.getLong(ref) == id ? 1 : 0;
        statuses[c] = p.status();
        long t = p.eventTimeMs(ref);
        eventTimesMs[c] = t;
        agesMs[c] = t == FeatureVector.NO_TIME ? -1 : p.readTimeMs() - t;
    }

    /**
     * One position of a LAST_N list: the id there (newest first) and its event time; or of a TOP_K feature's columns:
     * an id (most frequent first), or at k and after the count of id {@code position - k}; missing past the size.
     */
    private void fillListPosition(int c, FeatureVector p, FeatureRef ref, int position) {
        final int k = ref.kind() == FeatureKind.TOP_K ? ref.vectorWidth() / 2 : Integer.MAX_VALUE;
        final int at = position < k ? position : position - k;
        if (p == null || at >= p.size(ref)) {
            missing(c);
            return;
        }
        values[c] = position < k ? p.getLong(ref, at) : p.getCount(ref, at);
        statuses[c] = p.status();
        long t = p.eventTimeMs(ref, at);
        eventTimesMs[c] = t;
        agesMs[c] = t == FeatureVector.NO_TIME ? -1 : p.readTimeMs() - t;
    }

    private void fillRequestTime(int c, RequestFeature.Op op, double param, int input, FeatureVector[] src) {
        if (op == RequestFeature.Op.PARAM) {
            if (Double.isNaN(param)) {
                missing(c);
            } else {
                values[c] = param;
                statuses[c] = VectorStatus.FRESH;
                eventTimesMs[c] = FeatureVector.NO_TIME;
                agesMs[c] = -1;
            }
            return;
        }
        // The feature column was filled before: feature columns precede request-time ones.
        if (statuses[input] == VectorStatus.MISSING) {
            missing(c);
            return;
        }
        final double x = values[input];
        final double value;
        switch (op) {
            case RATIO:
                value = x == 0 ? Double.NaN : param / x;
                break;
            case DIFFERENCE:
                value = param - x;
                break;
            case SECONDS_SINCE:
                // The feature's own read time: the age its column reports, in seconds.
                value = agesMs[input] < 0 ? Double.NaN : agesMs[input] / 1000.0;
                break;
            default:
                throw new IllegalStateException("op=" + op + " has no evaluation");
        }
        if (Double.isNaN(value)) {
            missing(c);
            return;
        }
        values[c] = value;
        statuses[c] = statuses[input];
        eventTimesMs[c] = eventTimesMs[input];
        agesMs[c] = agesMs[input];
    }

    private void missing(int c) {
        values[c] = Double.NaN;
        statuses[c] = VectorStatus.MISSING;
        eventTimesMs[c] = FeatureVector.NO_TIME;
        agesMs[c] = -1;
    }

    /** @return every column with its value, status and age; allocates, so keep it off hot paths */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(64 + 48 * values.length);
        sb.append(view.name()).append("{readTimeMs=").append(readTimeMs);
        for (int c = 0; c < values.length; c++) {
            sb.append(", ").append(view.columns().get(c)).append('=');
            if (statuses[c] == VectorStatus.MISSING) {
                sb.append("missing");
            } else {
                sb.append(values[c]).append(' ').append(statuses[c]);
                if (agesMs[c] >= 0) {
                    sb.append(" (age ").append(agesMs[c]).append(" ms)");
                }
            }
        }
        return sb.append('}').toString();
    }
}
