package io.freshet.kafka;

import io.freshet.core.EpochClock;
import io.freshet.core.FeatureKind;
import io.freshet.core.FeatureReader;
import io.freshet.core.FeatureRef;
import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureVector;
import io.freshet.core.internal.CoreInternals;
import io.freshet.core.spi.RowStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads both definitions of a migrated set for the same keys at one fixed read time and counts, per shared feature,
 * equal and differing values. Its own readers (never the set's live reader, so a promote in between cannot mix).
 *
 * <p>Threading: one call at a time per instance; allocates (a compare is an operator's action, not a hot path).
 */
final class MigrationComparer {
    private final FeatureSet<?> oldSet;
    private final FeatureSet<?> newSet;
    private final FeatureReader oldReader;
    private final FeatureReader newReader;
    private final long readTimeMs;
    private final List<FeatureRef[]> pairs = new ArrayList<>();
    private final List<Boolean> changed = new ArrayList<>();
    private final List<String> newFeatures = new ArrayList<>();
    private final List<String> dropped = new ArrayList<>();

    MigrationComparer(FeatureSet<?> oldSet, RowStore oldStore, FeatureSet<?> newSet, RowStore newStore,
        long readTimeMs) {
        this.oldSet = oldSet;
        this.newSet = newSet;
        this.readTimeMs = readTimeMs;
        EpochClock fixed = () -> readTimeMs;
        this.oldReader = CoreInternals.newReader(oldSet, oldStore, fixed);
        this.newReader = CoreInternals.newReader(newSet, newStore, fixed);
        Map<String, String> oldCanon = canonicalByFeature(oldSet);
        Map<String, String> newCanon = canonicalByFeature(newSet);
        for (FeatureRef n : newSet.refs()) {
            FeatureRef o = find(oldSet, n.name());
            if (o == null) {
                newFeatures.add(n.name());
            } else {
                pairs.add(new FeatureRef[] {o, n});
                changed.add(o.kind() != n.kind() || !java.util.Objects.equals(oldCanon.get(n.name()),
                    newCanon.get(n.name())));
            }
        }
        // A derived feature has no canonical form of its own: it is as changed as any stored feature is.
        boolean anyStoredChanged = false;
        for (int i = 0; i < pairs.size(); i++) {
            anyStoredChanged |= changed.get(i) && oldCanon.containsKey(pairs.get(i)[0].name());
        }
        for (int i = 0; i < pairs.size(); i++) {
            String name = pairs.get(i)[1].name();
            if (!oldCanon.containsKey(name) && !newCanon.containsKey(name) && anyStoredChanged) {
                changed.set(i, true);
            }
        }
        for (FeatureRef o : oldSet.refs()) {
            if (find(newSet, o.name()) == null) {
                dropped.add(o.name());
            }
        }
    }

    private static FeatureRef find(FeatureSet<?> set, String name) {
        for (FeatureRef r : set.refs()) {
            if (r.name().equals(name)) {
                return r;
            }
        }
        return null;
    }

    /** Each stored feature's canonical form ("f=name:KIND:w=...") from the set's; derived ones have none. */
    private static Map<String, String> canonicalByFeature(FeatureSet<?> set) {
        Map<String, String> m = new HashMap<>();
        for (String part : set.canonicalForm().split(";")) {
            if (part.startsWith("f=")) {
                int colon = part.indexOf(':');
                m.put(part.substring(2, colon), part);
            }
        }
        return m;
    }

    CompareReport compare(long[] keys) {
        Tally t = new Tally();
        for (long k : keys) {
            t.add(Long.toString(k), oldReader.read(k, t.oldVec), newReader.read(k, t.newVec));
        }
        return t.report(keys.length);
    }

    CompareReport compare(CharSequence[] keys) {
        Tally t = new Tally();
        for (CharSequence k : keys) {
            t.add(k.toString(), oldReader.read(k, t.oldVec), newReader.read(k, t.newVec));
        }
        return t.report(keys.length);
    }

    private final class Tally {
        final FeatureVector oldVec = oldSet.newVector();
        final FeatureVector newVec = newSet.newVector();
        final long[] equal = new long[pairs.size()];
        final long[] differing = new long[pairs.size()];
        final double[] largest = new double[pairs.size()];
        final String[] largestKey = new String[pairs.size()];
        int both;
        int onlyOld;
        int onlyNew;

        void add(String key, boolean inOld, boolean inNew) {
            if (!inOld && !inNew) {
                return;
            }
            if (inOld && inNew) {
                both++;
            } else if (inOld) {
                onlyOld++;
            } else {
                onlyNew++;
            }
            for (int i = 0; i < pairs.size(); i++) {
                double d = inOld && inNew ? difference(pairs.get(i)[0], pairs.get(i)[1]) : Double.POSITIVE_INFINITY;
                if (d == 0) {
                    equal[i]++;
                } else {
                    differing[i]++;
                    if (largestKey[i] == null || d > largest[i]) {
                        largest[i] = d;
                        largestKey[i] = key;
                    }
                }
            }
        }

        private final StringBuilder oldText = new StringBuilder();
        private final StringBuilder newText = new StringBuilder();

        private boolean isCategory(FeatureRef r) {
            return r.kind() == FeatureKind.LATEST_CATEGORY || r.kind() == FeatureKind.LAST_N_CATEGORIES;
        }

        /**
         * 0 when equal (categories: the same texts); else 1 for categories, or the largest absolute difference over
         * the feature's values (infinity: presence).
         */
        private double difference(FeatureRef o, FeatureRef n) {
            int size = oldVec.size(o);
            if (size != newVec.size(n)) {
                return Double.POSITIVE_INFINITY;
            }
            if (isCategory(o) && isCategory(n)) {
                // By text, not id: a reordered or extended dictionary keeps what a value means.
                for (int p = 0; p < size; p++) {
                    oldText.setLength(0);
                    newText.setLength(0);
                    oldVec.category(o, p, oldText);
                    newVec.category(n, p, newText);
                    if (oldText.compareTo(newText) != 0) {
                        return 1;
                    }
                }
                return 0;
            }
            if (o.kind() == FeatureKind.LAST_N || n.kind() == FeatureKind.LAST_N || o.kind() == FeatureKind.TOP_K
                || n.kind() == FeatureKind.TOP_K) {
                double worst = 0;
                for (int p = 0; p < size; p++) {
                    worst = Math.max(worst, Math.abs((double) oldVec.getLong(o, p) - newVec.getLong(n, p)));
                    if (o.kind() == FeatureKind.TOP_K && n.kind() == FeatureKind.TOP_K) {
                        worst = Math.max(worst, Math.abs((double) oldVec.getCount(o, p) - newVec.getCount(n, p)));
                    }
                }
                return worst;
            }
            if (size == 0) {
                return 0;
            }
            double a = oldVec.getDouble(o);
            double b = newVec.getDouble(n);
            if (Double.doubleToLongBits(a) == Double.doubleToLongBits(b)) {
                return 0;
            }
            return Math.abs(a - b);
        }

        CompareReport report(int keys) {
            List<CompareReport.FeatureDiff> diffs = new ArrayList<>();
            for (int i = 0; i < pairs.size(); i++) {
                diffs.add(new CompareReport.FeatureDiff(pairs.get(i)[1].name(), changed.get(i), equal[i],
                    differing[i], differing[i] == 0 ? 0 : largest[i], largestKey[i]));
            }
            return new CompareReport(readTimeMs, keys, both, onlyOld, onlyNew, List.copyOf(diffs),
                List.copyOf(newFeatures), List.copyOf(dropped));
        }
    }
}
