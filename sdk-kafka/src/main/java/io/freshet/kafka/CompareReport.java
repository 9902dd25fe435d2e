package io.freshet.kafka;

import java.util.List;

/**
 * What {@link Migration#compare} found reading the old and the new definition for the same keys at the same read
 * time. Features are matched by name: a shared feature whose definition is the same in both ({@code changed ==
 * false}) must read equal; one whose definition changed (another window, kind or filter) is reported but expected to
 * differ; features only in the new definition are listed as new, those only in the old as dropped. A key with a row
 * in one store only counts as differing for every unchanged shared feature.
 *
 * <p>Immutable.
 *
 * @param readTimeMs the read time both vectors were evaluated at
 * @param keys keys compared
 * @param keysInBoth keys with a row in both stores
 * @param keysOnlyOld keys with a row in the old store only
 * @param keysOnlyNew keys with a row in the new store only
 * @param shared per feature both definitions have, in the new definition's order
 * @param newFeatures features only the new definition has
 * @param droppedFeatures features only the old definition has
 */
public record CompareReport(long readTimeMs, int keys, int keysInBoth, int keysOnlyOld, int keysOnlyNew,
    List<FeatureDiff> shared, List<String> newFeatures, List<String> droppedFeatures) {

    /**
     * One feature both definitions have.
     *
     * @param feature its name
     * @param changed true when its definition differs between old and new (so differences are expected)
     * @param equal values read equal (both missing counts as equal)
     * @param differing values that differ
     * @param largestDifference largest absolute difference (infinity when one side was missing)
     * @param largestDifferenceKey the key of the largest difference, or null
     */
    public record FeatureDiff(String feature, boolean changed, long equal, long differing, double largestDifference,
        String largestDifferenceKey) {
    }

    /** @return differing / compared values over the unchanged shared features (0 when none was compared) */
    public double differingFraction() {
        long eq = 0;
        long diff = 0;
        for (FeatureDiff d : shared) {
            if (!d.changed()) {
                eq += d.equal();
                diff += d.differing();
            }
        }
        return eq + diff == 0 ? 0 : (double) diff / (eq + diff);
    }

    /** @return a multi-line summary for logs and status pages */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append("compare keys=").append(keys).append(" inBoth=").append(keysInBoth).append(" onlyOld=")
            .append(keysOnlyOld).append(" onlyNew=").append(keysOnlyNew).append(" differingFraction=")
            .append(String.format("%.4f", differingFraction()));
        for (FeatureDiff d : shared) {
            sb.append("\n  ").append(d.feature()).append(d.changed() ? " (changed)" : "").append(": equal=")
                .append(d.equal()).append(" differing=").append(d.differing());
            if (d.differing() > 0) {
                sb.append(" largest=").append(d.largestDifference()).append(" at key=")
                    .append(d.largestDifferenceKey());
            }
        }
        sb.append("\n  new: ").append(newFeatures).append("\n  dropped: ").append(droppedFeatures);
        return sb.toString();
    }
}
