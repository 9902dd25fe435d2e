package io.freshet.core.testing;

import io.freshet.core.internal.FeatureSpec;
import io.freshet.core.testing.ReferenceModel.ExpectedValue;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The {@link ReferenceModel}'s LATEST, FIRST_SEEN, LAST_SEEN and LAST_N, the naive way, over every event the feature
 * accepted for the key (these kinds have no window). Latest: the value of the event with the largest event time, a
 * later arrival winning a tie. First/last seen: the smallest/largest event time. Last-N: the n (time, id) pairs
 * largest in (time, arrival) order, newest first.
 */
final class ReferenceRecency {
    private ReferenceRecency() {
    }

    /**
     * @param f a LATEST feature
     * @param all the events it accepted
     * @param maxT their largest event time
     * @return the newest event's value
     */
    static ExpectedValue latest(FeatureSpec f, List<Accepted> all, long maxT) {
        if (all.isEmpty()) {
            return ExpectedValue.missing(f.name, f.kind);
        }
        Accepted newest = Collections.max(all, Accepted.NEWEST_LAST);
        return ExpectedValue.ofDouble(f.name, f.kind, newest.value, 0, maxT);
    }

    /**
     * @param f a FIRST_SEEN feature
     * @param all the events it accepted
     * @param maxT their largest event time
     * @return the smallest event time
     */
    static ExpectedValue firstSeen(FeatureSpec f, List<Accepted> all, long maxT) {
        if (all.isEmpty()) {
            return ExpectedValue.missing(f.name, f.kind);
        }
        long min = Long.MAX_VALUE;
        for (Accepted a : all) {
            min = Math.min(min, a.timeMs);
        }
        return ExpectedValue.ofLong(f.name, f.kind, min, maxT);
    }

    /**
     * @param f a LAST_SEEN feature
     * @param all the events it accepted
     * @param maxT their largest event time
     * @return the largest event time
     */
    static ExpectedValue lastSeen(FeatureSpec f, List<Accepted> all, long maxT) {
        return all.isEmpty() ? ExpectedValue.missing(f.name, f.kind) : ExpectedValue.ofLong(f.name, f.kind, maxT, maxT);
    }

    /**
     * @param f a LAST_N feature
     * @param all the events it accepted
     * @return the newest n (id, time) pairs, newest first
     */
    static ExpectedValue lastN(FeatureSpec f, List<Accepted> all) {
        List<Accepted> sorted = new ArrayList<>(all);
        sorted.sort(Accepted.NEWEST_LAST.reversed());
        int size = Math.min(f.param, sorted.size());
        long[] ids = new long[size];
        long[] times = new long[size];
        for (int j = 0; j < size; j++) {
            ids[j] = sorted.get(j).id;
            times[j] = sorted.get(j).timeMs;
        }
        return ExpectedValue.lastN(f.name, ids, times);
    }
}
