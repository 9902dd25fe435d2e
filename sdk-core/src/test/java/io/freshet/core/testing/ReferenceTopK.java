package io.freshet.core.testing;

import io.freshet.core.internal.FeatureSpec;
import io.freshet.core.internal.kernel.TopKSummary;
import io.freshet.core.testing.ReferenceModel.ExpectedValue;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@link ReferenceModel}'s TOP_K, the naive way: the exact frequencies of the live ids, the k best by (count
 * desc, id asc); exact when no live tile saw more distinct ids than the m counters, else each count within the sum of
 * floor(tile events / m) over the tiles that did ({@code ExpectedValue} checks space-saving's guarantee then).
 */
final class ReferenceTopK {
    /** TOP_K's order: the higher count first, then the smaller id. */
    private static final Comparator<Map.Entry<Long, Long>> TOP_K_ORDER =
        Comparator.comparing((Map.Entry<Long, Long> e) -> e.getValue()).reversed()
            .thenComparing(Map.Entry::getKey);

    private ReferenceTopK() {
    }

    /**
     * TOP_K from the live events: exact frequencies, the k best by (count desc, id asc), and the bound the summary's
     * counts may differ by: per live tile that saw more distinct ids than the m counters, floor(events / m); 0 for a
     * tile that fits (it counts exactly).
     *
     * @param f a TOP_K feature
     * @param live the events the read covers
     * @param maxT the largest event time the feature accepted
     * @return the expected value; missing when there are no live events
     */
    static ExpectedValue topK(FeatureSpec f, List<Accepted> live, long maxT) {
        final int k = TopKSummary.k(f.param);
        final int m = TopKSummary.counters(f.param);
        Map<Long, Long> frequency = new HashMap<>();
        Map<Long, Map<Long, Long>> perTile = new HashMap<>();
        for (Accepted a : live) {
            frequency.merge(a.id, 1L, Long::sum);
            long tile = f.window.isLifetime() ? 0 : Math.floorDiv(a.timeMs, f.window.tileMs());
            perTile.computeIfAbsent(tile, t -> new HashMap<>()).merge(a.id, 1L, Long::sum);
        }
        long bound = 0;
        for (Map<Long, Long> tile : perTile.values()) {
            if (tile.size() > m) {
                long events = 0;
                for (long c : tile.values()) {
                    events += c;
                }
                bound += events / m;
            }
        }
        List<Map.Entry<Long, Long>> sorted = new ArrayList<>(frequency.entrySet());
        sorted.sort(TOP_K_ORDER);
        int size = Math.min(k, sorted.size());
        if (size == 0) {
            return ExpectedValue.missing(f.name, f.kind);
        }
        long[] ids = new long[size];
        long[] counts = new long[size];
        long[] times = new long[size];
        for (int j = 0; j < size; j++) {
            ids[j] = sorted.get(j).getKey();
            counts[j] = sorted.get(j).getValue();
            times[j] = maxT;
        }
        return ExpectedValue.topK(f.name, ids, counts, times, bound, frequency);
    }
}
