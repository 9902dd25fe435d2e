package io.freshet.core;

import io.freshet.core.internal.Fingerprint;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * One model input assembled from several feature sets with different entity keys (user, merchant, device) and from
 * the request itself: an ordered selection of features, each set read once per request, into one caller-owned
 * {@link ViewVector} with a value, a status and an age per column. Immutable and thread-safe; build one with
 * {@link #builder(String)}:
 *
 * <pre>{@code
 * FeatureView payment = FeatureView.builder("payment")
 *     .from(userRisk, "user_id", "txn_1h", "mean_amount_1h", "last_seen")
 *     .from(merchantStats, "merchant_id", "declines_1h")
 *     .requestParam("amount")
 *     .derived("amount_over_mean_1h", r -> r.ratio("amount", "user_risk__mean_amount_1h"))
 *     .derived("seconds_since_last", r -> r.secondsSince("user_risk__last_seen"))
 *     .build();
 * ViewReader reader = payment.reader(pipeline.reader(userRisk), pipeline.reader(merchantStats));
 * ViewRequest request = payment.newRequest();   // per thread, reused
 * ViewVector vector = payment.newVector();      // per thread, reused
 * request.key(payment.keySlot("user_id"), 42L).key(payment.keySlot("merchant_id"), "m-7")
 *     .param(payment.paramSlot("amount"), 120.0);
 * reader.read(request, vector);
 * vector.copyTo(modelInput);                    // columns() order
 * }</pre>
 *
 * <h2>Column order</h2>
 * {@link #columns()}: the features of each {@code from} in the order the {@code from}s and their feature names were
 * given, named {@code set__feature} (the names training rows use), then the request-time features in declaration
 * order, named {@code view__feature}. {@link ViewVector#copyTo(double[])} writes exactly that order, one double per
 * column, NaN where a value is missing; {@code TrainingSet.Builder.view(view)} writes training rows with exactly these
 * columns after the label columns.
 *
 * <p>A LAST_N feature of {@code n} ids takes {@code n} columns, {@code set__feature__0} (the newest id) to
 * {@code set__feature__n-1}, each missing past the list's size; so does a LAST_N_CATEGORIES feature (the ids of a
 * dictionary). A TOP_K feature of {@code k} ids takes {@code 2k}: its ids {@code set__feature__0} (the most frequent)
 * to {@code __k-1}, then their counts {@code set__feature__counts__0} to {@code __k-1}. A LATEST_CATEGORY feature
 * takes one column, its id, or when its dictionary is one-hot ({@code Categories.of(...).oneHot()}) one 0/1 column per
 * name in declaration order, {@code set__feature__name}, then {@code set__feature__} followed by
 * {@link Categories#OTHER} (all NaN when missing). A categorical feature stored as UTF-8 text has no model column and
 * is refused. A set appears in one {@code from} (select all its
 * features there). Two sets may share a key name
 * when its type is the same (e.g. two user-keyed sets both under {@code user_id}).
 *
 * <p>The {@link #fingerprint()} covers the name, each source set's fingerprint with its key and selected features,
 * the parameters and the request-time features: a model can record the view it was trained on.
 */
public final class FeatureView {
    private final String name;
    final FeatureSet<?>[] sourceSets;
    /** Per source: its key's slot. */
    final int[] sourceKeySlot;
    final String[] keyNames;
    final KeyType[] keyTypes;
    final String[] paramNames;
    private final List<String> columns;
    /** Per column: the source index of a feature column, -1 for a request-time one. */
    final int[] columnSource;
    /** Per column: the feature of a feature column, else null. */
    final FeatureRef[] columnRef;
    /** Per column: the operator of a request-time column, else null. */
    final RequestFeature.Op[] columnOp;
    /** Per column: the parameter slot of a request-time column, -1 when none. */
    final int[] columnParam;
    /** Per column: the feature column a request-time column reads, -1 when none. */
    final int[] columnInput;
    /** Per column: true when the value is a long (a count, a time) in {@code copyTo}'s doubles. */
    final boolean[] columnIsLong;
    /**
     * Per column: the position in a LAST_N feature's list (0: newest) or a TOP_K feature's columns (ids 0..k-1, then
     * counts k..2k-1), -1 for any other column.
     */
    final int[] columnPosition;
    /** Per column: the id a one-hot category column is 1 for, -1 for any other column. */
    final int[] columnHot;
    private final String canonicalForm;
    private final long fingerprint;

    private FeatureView(Builder b) {
        this.name = b.name;
        int sources = b.sources.size();
        this.sourceSets = new FeatureSet<?>[sources];
        this.sourceKeySlot = new int[sources];
        List<String> keys = new ArrayList<>();
        List<KeyType> types = new ArrayList<>();
        List<String> cols = new ArrayList<>();
        List<Integer> colSource = new ArrayList<>();
        List<FeatureRef> colRef = new ArrayList<>();
        List<Integer> colPosition = new ArrayList<>();
        List<Integer> colHot = new ArrayList<>();
        StringBuilder c = new StringBuilder("freshet.view.v1;name=").append(name).append(';');
        for (int i = 0; i < sources; i++) {
            Source s = b.sources.get(i);
            sourceSets[i] = s.set;
            int slot = keys.indexOf(s.key);
            if (slot < 0) {
                slot = keys.size();
                keys.add(s.key);
                types.add(s.set.keyType());
            }
            sourceKeySlot[i] = slot;
            c.append("from=").append(s.set.name()).append('@').append(Long.toHexString(s.set.fingerprint()))
                .append(':').append(s.key).append(':').append(s.set.keyType()).append('[');
            for (int f = 0; f < s.features.size(); f++) {
                FeatureRef ref = s.features.get(f);
                List<String> names = columnsOf(s.set, ref);
                for (int pos = 0; pos < names.size(); pos++) {
                    cols.add(names.get(pos));
                    colSource.add(i);
                    colRef.add(ref);
                    colPosition.add(isList(ref) || ref.kind() == FeatureKind.TOP_K ? pos : -1);
                    colHot.add(isOneHot(s.set, ref) ? pos : -1);
                }
                c.append(f == 0 ? "" : ",").append(ref.name());
            }
            c.append("];");
        }
        this.keyNames = keys.toArray(new String[0]);
        this.keyTypes = types.toArray(new KeyType[0]);
        this.paramNames = b.params.toArray(new String[0]);
        for (String p : paramNames) {
            c.append("param=").append(p).append(';');
        }
        int featureColumns = cols.size();
        int width = featureColumns + b.derived.size();
        this.columnSource = new int[width];
        this.columnRef = new FeatureRef[width];
        this.columnOp = new RequestFeature.Op[width];
        this.columnParam = new int[width];
        this.columnInput = new int[width];
        this.columnIsLong = new boolean[width];
        this.columnPosition = new int[width];
        java.util.Arrays.fill(columnPosition, -1);
        this.columnHot = new int[width];
        java.util.Arrays.fill(columnHot, -1);
        for (int i = 0; i < featureColumns; i++) {
            columnSource[i] = colSource.get(i);
            columnRef[i] = colRef.get(i);
            columnPosition[i] = colPosition.get(i);
            columnHot[i] = colHot.get(i);
            columnParam[i] = -1;
            columnInput[i] = -1;
            columnIsLong[i] = colRef.get(i).kind().valueType() == FeatureKind.ValueType.LONG;
        }
        for (int d = 0; d < b.derived.size(); d++) {
            int i = featureColumns + d;
            Derived r = b.derived.get(d);
            cols.add(name + SEPARATOR + r.name);
            columnSource[i] = -1;
            columnOp[i] = r.feature.op;
            columnParam[i] = r.feature.param == null ? -1 : b.params.indexOf(r.feature.param);
            columnInput[i] = r.feature.column == null ? -1 : cols.indexOf(r.feature.column);
            c.append("derived=").append(r.name).append('=').append(r.feature).append(';');
        }
        this.columns = Collections.unmodifiableList(cols);
        this.canonicalForm = c.append("columns=").append(width).toString();
        this.fingerprint = Fingerprint.of(canonicalForm);
    }

    /** Between a set's (or the view's) name and a feature's in a column name, as in training rows. */
    public static final String SEPARATOR = "__";

    private static String column(FeatureSet<?> set, String feature) {
        return set.name() + SEPARATOR + feature;
    }

    /**
     * A feature's columns: {@code set__feature}, or {@code set__feature__0} (newest) to {@code __n-1} for LAST_N, or
     * for TOP_K its ids {@code set__feature__0} (most frequent) to {@code __k-1} then their counts
     * {@code set__feature__counts__0} to {@code __k-1}.
     */
    private static List<String> columnsOf(FeatureSet<?> set, FeatureRef ref) {
        if (ref.kind() == FeatureKind.TOP_K) {
            int k = ref.vectorWidth() / 2;
            List<String> out = new ArrayList<>(2 * k);
            for (int pos = 0; pos < k; pos++) {
                out.add(column(set, ref.name()) + SEPARATOR + pos);
            }
            for (int pos = 0; pos < k; pos++) {
                out.add(column(set, ref.name()) + SEPARATOR + "counts" + SEPARATOR + pos);
            }
            return out;
        }
        if (isOneHot(set, ref)) {
            Categories cats = categoriesOf(set, ref);
            List<String> out = new ArrayList<>(cats.size() + 1);
            for (int id = 0; id <= cats.size(); id++) {
                out.add(column(set, ref.name()) + SEPARATOR + cats.name(id));
            }
            return out;
        }
        if (!isList(ref)) {
            return List.of(column(set, ref.name()));
        }
        List<String> out = new ArrayList<>(ref.vectorWidth());
        for (int pos = 0; pos < ref.vectorWidth(); pos++) {
            out.add(column(set, ref.name()) + SEPARATOR + pos);
        }
        return out;
    }

    private static boolean isList(FeatureRef ref) {
        return ref.kind() == FeatureKind.LAST_N || ref.kind() == FeatureKind.LAST_N_CATEGORIES;
    }

    private static Categories categoriesOf(FeatureSet<?> set, FeatureRef ref) {
        return set.compiledLayout().categories.categories[ref.index];
    }

    private static boolean isOneHot(FeatureSet<?> set, FeatureRef ref) {
        return ref.kind() == FeatureKind.LATEST_CATEGORY && categoriesOf(set, ref).isOneHot();
    }

    /**
     * Starts a view.
     *
     * @param name view name, lower-case snake case (names the request-time columns: {@code name__feature})
     * @return the builder
     */
    public static Builder builder(String name) {
        return new Builder(FeatureSetBuilder.checkName("view", name));
    }

    /** @return the view's name */
    public String name() {
        return name;
    }

    /** @return the column names in {@link ViewVector#copyTo(double[])} order, unmodifiable */
    public List<String> columns() {
        return columns;
    }

    /** @return the number of columns: the length {@link ViewVector#copyTo(double[])} writes */
    public int width() {
        return columns.size();
    }

    /**
     * @param column a column name
     * @return its position in {@link #columns()}
     * @throws IllegalArgumentException when there is no such column
     */
    public int columnIndex(String column) {
        int i = columns.indexOf(column);
        if (i < 0) {
            throw new IllegalArgumentException("view=" + name + " has no column=" + column + "; columns: " + columns);
        }
        return i;
    }

    /**
     * @param column a position in {@link #columns()}
     * @return LONG for a long-valued feature (a count, a time: exact in {@code copyTo}'s doubles up to 2^53), else
     *     DOUBLE (request-time features too)
     */
    public FeatureKind.ValueType columnType(int column) {
        return columnIsLong[column] ? FeatureKind.ValueType.LONG : FeatureKind.ValueType.DOUBLE;
    }

    /** @return the source sets in {@code from} order, unmodifiable */
    public List<FeatureSet<?>> sets() {
        return List.of(sourceSets);
    }

    /** @return the request keys' names in slot order (first use by a {@code from}), unmodifiable */
    public List<String> keys() {
        return List.of(keyNames);
    }

    /**
     * @param set a source set of this view
     * @return the name of the request key that gives its entity
     * @throws IllegalArgumentException when the set is not a source
     */
    public String keyOf(FeatureSet<?> set) {
        return keyNames[sourceKeySlot[sourceIndex(set.name())]];
    }

    /**
     * @param setName a set's name
     * @return its position among the sources, or -1
     */
    int sourceIndexOrMinus(String setName) {
        for (int i = 0; i < sourceSets.length; i++) {
            if (sourceSets[i].name().equals(setName)) {
                return i;
            }
        }
        return -1;
    }

    private int sourceIndex(String setName) {
        int i = sourceIndexOrMinus(setName);
        if (i < 0) {
            throw new IllegalArgumentException("set=" + setName + " is not a source of view=" + name + "; sources: "
                + sets());
        }
        return i;
    }

    /**
     * Resolve once, then set keys by slot on the hot path.
     *
     * @param keyName a request key
     * @return its slot in a {@link ViewRequest}
     * @throws IllegalArgumentException when the view has no such key
     */
    public int keySlot(String keyName) {
        for (int i = 0; i < keyNames.length; i++) {
            if (keyNames[i].equals(keyName)) {
                return i;
            }
        }
        throw new IllegalArgumentException("view=" + name + " has no key=" + keyName + "; keys: " + keys());
    }

    /**
     * @param keyName a request key
     * @return LONG or TEXT, the key type of the sets it is bound to
     */
    public KeyType keyType(String keyName) {
        return keyTypes[keySlot(keyName)];
    }

    /** @return the request parameters' names in slot order, unmodifiable */
    public List<String> params() {
        return List.of(paramNames);
    }

    /**
     * Resolve once, then set parameters by slot on the hot path.
     *
     * @param param a request parameter
     * @return its slot in a {@link ViewRequest}
     * @throws IllegalArgumentException when the view has no such parameter
     */
    public int paramSlot(String param) {
        for (int i = 0; i < paramNames.length; i++) {
            if (paramNames[i].equals(param)) {
                return i;
            }
        }
        throw new IllegalArgumentException("view=" + name + " has no request param=" + param + "; params: "
            + params());
    }

    /** @return a new caller-owned request (keys unset, parameters NaN), reusable for every read of this view */
    public ViewRequest newRequest() {
        return new ViewRequest(this);
    }

    /** @return a new caller-owned vector of this view, reusable for every read */
    public ViewVector newVector() {
        return new ViewVector(this);
    }

    /**
     * A reader of this view over the readers of its sets (e.g. {@code pipeline.reader(set)} for each), in any order.
     *
     * @param readers one reader per source set (extra readers are ignored)
     * @return the view's reader; thread-safe like the readers it holds
     * @throws IllegalArgumentException when a source set has no reader
     */
    public ViewReader reader(FeatureReader... readers) {
        Objects.requireNonNull(readers, "readers can't be null");
        FeatureReader[] bySource = new FeatureReader[sourceSets.length];
        for (FeatureReader r : readers) {
            Objects.requireNonNull(r, "reader can't be null");
            int i = sourceIndexOrMinus(r.featureSet().name());
            if (i >= 0) {
                if (bySource[i] != null) {
                    throw new IllegalArgumentException("two readers of set=" + sourceSets[i].name() + ": pass one");
                }
                bySource[i] = r;
            }
        }
        for (int i = 0; i < bySource.length; i++) {
            if (bySource[i] == null) {
                throw new IllegalArgumentException("view=" + name + " has no reader of set=" + sourceSets[i].name()
                    + ": pass pipeline.reader(" + sourceSets[i].name() + ") too");
            }
        }
        return new ViewReader(this, bySource);
    }

    /** @return the 64-bit fingerprint of {@link #canonicalForm()} */
    public long fingerprint() {
        return fingerprint;
    }

    /** @return what the fingerprint hashes: sources with their fingerprints, keys, features, params, operators */
    public String canonicalForm() {
        return canonicalForm;
    }

    @Override
    public String toString() {
        return "FeatureView{" + canonicalForm + "}";
    }

    /** One {@code from}: a set, its key's name and the selected features. */
    private static final class Source {
        final FeatureSet<?> set;
        final String key;
        final List<FeatureRef> features;

        Source(FeatureSet<?> set, String key, List<FeatureRef> features) {
            this.set = set;
            this.key = key;
            this.features = features;
        }
    }

    /** One request-time feature: its name and definition. */
    private static final class Derived {
        final String name;
        final RequestFeature feature;

        Derived(String name, RequestFeature feature) {
            this.name = name;
            this.feature = feature;
        }
    }

    /**
     * Declares a {@link FeatureView}. Each option is checked when it is given; errors are
     * {@link FeatureDefinitionException}s that name the value and the fix. Not thread-safe; reusable ({@code build()}
     * copies what it was given).
     */
    public static final class Builder {
        private final String name;
        private final List<Source> sources = new ArrayList<>();
        private final List<String> params = new ArrayList<>();
        private final List<Derived> derived = new ArrayList<>();
        private final List<String> columnNames = new ArrayList<>();

        Builder(String name) {
            this.name = name;
        }

        /**
         * Selects features of a set, read with the request key {@code keyName}.
         *
         * @param set the feature set
         * @param keyName the request key that gives the set's entity, e.g. {@code user_id} (shared by sets keyed
         *     by the same entity)
         * @param features feature names of the set, in column order (at least one)
         * @return this
         * @throws FeatureDefinitionException on a missing key, an unknown, LAST_N or repeated feature, or a set that
         *     is already a source
         */
        public Builder from(FeatureSet<?> set, String keyName, String... features) {
            Objects.requireNonNull(set, "set can't be null");
            if (keyName == null || keyName.isEmpty()) {
                throw new FeatureDefinitionException("view=" + name + " from(set=" + set.name() + ") has no key: "
                    + "name the request key that gives its " + set.entityName() + ", e.g. from(" + set.name()
                    + ", \"" + set.entityName() + "_id\", ...)");
            }
            FeatureSetBuilder.checkName("key", keyName);
            Objects.requireNonNull(features, "features can't be null");
            if (features.length == 0) {
                throw new FeatureDefinitionException("view=" + name + " from(set=" + set.name() + ") selects no "
                    + "feature: name at least one of " + names(set));
            }
            for (Source s : sources) {
                if (s.set.name().equals(set.name())) {
                    throw new FeatureDefinitionException("view=" + name + " reads set=" + set.name() + " already: "
                        + "select all its features in one from(" + set.name() + ", ...)");
                }
                if (s.key.equals(keyName) && s.set.keyType() != set.keyType()) {
                    throw new FeatureDefinitionException("view=" + name + " key=" + keyName + " is " + s.set.keyType()
                        + " for set=" + s.set.name() + " but set=" + set.name() + " has a " + set.keyType()
                        + " key: give set=" + set.name() + " a key name of its own");
                }
            }
            List<FeatureRef> refs = new ArrayList<>(features.length);
            List<String> added = new ArrayList<>(features.length);
            for (String f : features) {
                Objects.requireNonNull(f, "feature name can't be null");
                FeatureRef ref = null;
                for (FeatureRef r : set.refs()) {
                    if (r.name().equals(f)) {
                        ref = r;
                    }
                }
                if (ref == null) {
                    throw new FeatureDefinitionException("view=" + name + " selects unknown feature=" + f + " of set="
                        + set.name() + ": pick one of " + names(set));
                }
                Categories cats = set.compiledLayout().categories.categories[ref.index];
                if (cats != null && !cats.isDictionary()) {
                    throw new FeatureDefinitionException("view=" + name + " selects feature=" + f + " of set="
                        + set.name() + ", stored as " + cats + ", which has no model column: declare it with "
                        + "Categories.of(...) to use it in a view");
                }
                for (String column : columnsOf(set, ref)) {
                    checkColumnFree(column, added);
                    added.add(column);
                }
                refs.add(ref);
            }
            columnNames.addAll(added);
            sources.add(new Source(set, keyName, List.copyOf(refs)));
            return this;
        }

        private static List<String> names(FeatureSet<?> set) {
            List<String> n = new ArrayList<>();
            for (FeatureRef r : set.refs()) {
                n.add(r.name());
            }
            return n;
        }

        private void checkColumnFree(String column, List<String> pending) {
            if (columnNames.contains(column) || pending.contains(column)) {
                throw new FeatureDefinitionException("view=" + name + " has column=" + column + " twice: select each "
                    + "feature once (and give request-time features names no set__feature column has)");
            }
        }

        /**
         * Declares a request parameter: a double the caller sets per request ({@link ViewRequest#param}), read by
         * request-time features. In training rows, the label gives it ({@code TrainingSet.Builder.viewParam}).
         *
         * @param param parameter name, lower-case snake case
         * @return this
         */
        public Builder requestParam(String param) {
            FeatureSetBuilder.checkName("request param", param);
            if (params.contains(param)) {
                throw new FeatureDefinitionException("view=" + name + " declares request param=" + param + " twice");
            }
            params.add(param);
            return this;
        }

        /**
         * A request-time feature, computed at read time from a parameter and/or a feature column declared before;
         * its column is {@code view__name}, after the feature columns.
         *
         * @param featureName feature name
         * @param definition e.g. {@code r -> r.ratio("amount", "user_risk__mean_amount_1h")}
         * @return this
         */
        public Builder derived(String featureName, java.util.function.Function<RequestFeature.Builder,
            RequestFeature> definition) {
            FeatureSetBuilder.checkName("request-time feature", featureName);
            Objects.requireNonNull(definition, "definition can't be null");
            RequestFeature f = Objects.requireNonNull(definition.apply(new RequestFeature.Builder()),
                "derived definition returned null");
            if (f.param != null && !params.contains(f.param)) {
                throw new FeatureDefinitionException("view=" + name + " request-time feature=" + featureName
                    + " names unknown request param=" + f.param + ": declare it first with requestParam(\""
                    + f.param + "\")");
            }
            if (f.column != null && !isFeatureColumn(f.column)) {
                throw new FeatureDefinitionException("view=" + name + " request-time feature=" + featureName
                    + " names unknown column=" + f.column + ": use a feature column selected by a from() before it, "
                    + "named set__feature; columns: " + featureColumns());
            }
            String column = name + SEPARATOR + featureName;
            checkColumnFree(column, List.of());
            columnNames.add(column);
            derived.add(new Derived(featureName, f));
            return this;
        }

        private boolean isFeatureColumn(String column) {
            return featureColumns().contains(column);
        }

        private List<String> featureColumns() {
            List<String> out = new ArrayList<>();
            for (Source s : sources) {
                for (FeatureRef r : s.features) {
                    out.addAll(columnsOf(s.set, r));
                }
            }
            return out;
        }

        /**
         * @return the immutable view
         * @throws FeatureDefinitionException when no set is selected
         */
        public FeatureView build() {
            if (sources.isEmpty()) {
                throw new FeatureDefinitionException("view=" + name + " reads no set: add from(set, \"key\", "
                    + "\"feature\", ...)");
            }
            return new FeatureView(this);
        }
    }
}
