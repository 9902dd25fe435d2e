package io.freshet.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshet.core.testing.ReferenceModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * TOP_K through the real kernels: the accessor shape (ids, counts, copyTo), the tie order, the window, and the
 * space-saving guarantee on a skewed stream with far more distinct ids than counters (the random streams of
 * {@link KernelPropertyTest} cover late, out-of-order and expired events against the {@link ReferenceModel}).
 */
class TopKTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final Window HOUR = Window.sliding(Duration.ofHours(1)).tiles(Duration.ofMinutes(10));

    private static FeatureSetBuilder<Ev> builder() {
        return FeatureSet.builder("top", Ev.class).entity("user", Ev::key).eventTime(Ev::timeMs);
    }

    private static Ev event(long timeMs, long id) {
        return new Ev(1, timeMs, 0, 0, id, false);
    }

    @Test
    void readsTheMostFrequentIdsWithTheirCountsTiesToTheSmallerId() {
        FeatureSet<Ev> set = builder().topK("top", Ev::id, HOUR, 3).count("n").build();
        FeatureTestDriver<Ev> d = FeatureTestDriver.create(set, T0);
        long[] ids = {7, 5, 9, 5, 7, 3, 9, 9, 11};
        for (long id : ids) {
            d.pipe(event(T0, id));
        }
        FeatureRef top = set.ref("top");
        FeatureVector v = d.read(1);
        // 9 x3, then 5 and 7 x2 (tie: the smaller id first); 3 and 11 x1 do not make it.
        assertThat(v.size(top)).isEqualTo(3);
        assertThat(new long[] {v.getLong(top, 0), v.getLong(top, 1), v.getLong(top, 2)}).containsExactly(9, 5, 7);
        assertThat(new long[] {v.getCount(top, 0), v.getCount(top, 1), v.getCount(top, 2)}).containsExactly(3, 2, 2);
        assertThat(v.getLong(top)).as("position 0").isEqualTo(9);
        assertThat(v.getLong(top, 3)).isEqualTo(FeatureVector.MISSING_LONG);
        assertThat(v.getCount(top, 3)).isEqualTo(FeatureVector.MISSING_LONG);
        assertThat(v.eventTimeMs(top)).isEqualTo(T0);
        double[] out = new double[v.width()];
        v.copyTo(out);
        assertThat(out).as("k ids, then k counts, then the count feature").containsExactly(9, 5, 7, 3, 2, 2, 9);
        assertThat(v.toString()).contains("top=[9x3, 5x2, 7x2]");
        assertThatThrownBy(() -> v.getCount(set.ref("n"), 0)).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("feature=n is COUNT, not TOP_K: counts exist for top-K features only");
    }

    @Test
    void fewerIdsThanKLeaveTheRestMissingAndAnEmptyWindowIsMissing() {
        FeatureSet<Ev> set = builder().topK("top", Ev::id, HOUR, 3).build();
        FeatureTestDriver<Ev> d = FeatureTestDriver.create(set, T0);
        d.pipe(event(T0, 4));
        FeatureRef top = set.ref("top");
        FeatureVector v = d.read(1);
        assertThat(v.size(top)).isEqualTo(1);
        float[] out = new float[v.width()];
        v.copyTo(out);
        assertThat(out).containsExactly(4f, Float.NaN, Float.NaN, 1f, Float.NaN, Float.NaN);
        // The window slides past the only tile: nothing live.
        d.advance(Duration.ofMinutes(70));
        v = d.read(1);
        assertThat(v.size(top)).isZero();
        assertThat(v.isPresent(top)).isFalse();
        assertThat(v.getLong(top)).isEqualTo(FeatureVector.MISSING_LONG);
    }

    @Test
    void countsSumOverLiveTilesAndForgetExpiredOnes() {
        FeatureSet<Ev> set = builder().topK("top", Ev::id, HOUR, 2).build();
        FeatureTestDriver<Ev> d = FeatureTestDriver.create(set, T0);
        d.pipe(event(T0, 1));
        d.pipe(event(T0, 1));
        d.pipe(event(T0, 1));
        d.setTime(T0 + Duration.ofMinutes(30).toMillis());
        d.pipe(event(d.nowMs(), 2));
        d.pipe(event(d.nowMs(), 2));
        d.pipe(event(d.nowMs(), 1));
        FeatureRef top = set.ref("top");
        FeatureVector v = d.read(1);
        assertThat(new long[] {v.getLong(top, 0), v.getCount(top, 0), v.getLong(top, 1), v.getCount(top, 1)})
            .containsExactly(1, 4, 2, 2);
        d.setTime(T0 + Duration.ofMinutes(65).toMillis());
        v = d.read(1);
        assertThat(new long[] {v.getLong(top, 0), v.getCount(top, 0), v.getLong(top, 1), v.getCount(top, 1)})
            .as("the first tile expired").containsExactly(2, 2, 1, 1);
    }

    /**
     * Space-saving's invariants on one summary that overflows: its counters add up to the events it saw (an evicted
     * id's count passes to the newcomer, plus one), and a reported count never under-counts, nor over-counts by more
     * than the smallest counter (at most N / m).
     */
    @Test
    void aFullSummaryKeepsSpaceSavingsInvariants() {
        FeatureSet<Ev> set = builder().topK("top", Ev::id, Window.lifetime(), 4, 4).build();
        FeatureTestDriver<Ev> d = FeatureTestDriver.create(set, T0);
        SplittableRandom random = new SplittableRandom(7);
        Map<Long, Long> truth = new HashMap<>();
        final int events = 40;
        for (int e = 0; e < events; e++) {
            long id = random.nextInt(10);
            d.pipe(event(T0, id));
            truth.merge(id, 1L, Long::sum);
        }
        FeatureRef top = set.ref("top");
        FeatureVector v = d.read(1);
        assertThat(v.size(top)).isEqualTo(4);
        long sum = 0;
        for (int j = 0; j < 4; j++) {
            long count = v.getCount(top, j);
            long real = truth.getOrDefault(v.getLong(top, j), 0L);
            sum += count;
            assertThat(count).as("position " + j).isGreaterThanOrEqualTo(real).isLessThanOrEqualTo(real + events / 4);
        }
        assertThat(sum).as("the counters hold every event").isEqualTo(events);
    }

    /**
     * A Zipf(1.1) stream over 5,000 ids, 30,000 events spread over a window of six tiles, 32 counters per tile: far
     * more distinct ids per tile than counters, yet the true top 5 are found and every count is within N / m.
     */
    @Test
    void aSkewedStreamFindsTheTrueTopKWithinTheBound() {
        final int k = 5;
        final int m = 32;
        FeatureSet<Ev> set = builder().topK("top", Ev::id, HOUR, k, m).build();
        FeatureTestDriver<Ev> d = FeatureTestDriver.create(set, T0);
        ReferenceModel<Ev> model = new ReferenceModel<>(set);
        SplittableRandom random = new SplittableRandom(19);
        double[] cdf = zipfCdf(5_000, 1.1);
        Map<Long, Long> truth = new HashMap<>();
        final int events = 30_000;
        final long span = Duration.ofMinutes(59).toMillis();
        for (int e = 0; e < events; e++) {
            long id = sample(cdf, random.nextDouble()) * 7919L;
            long t = T0 + span * e / events;
            d.setTime(t);
            Ev ev = event(t, id);
            assertThat(d.pipe(ev)).isEqualTo(FeatureTestDriver.APPLIED);
            model.apply(ev, t);
            truth.merge(id, 1L, Long::sum);
        }
        FeatureVector v = d.read(1);
        FeatureRef top = set.ref("top");
        List<Map.Entry<Long, Long>> sorted = new ArrayList<>(truth.entrySet());
        sorted.sort((a, b) -> a.getValue().equals(b.getValue()) ? Long.compare(a.getKey(), b.getKey())
            : Long.compare(b.getValue(), a.getValue()));
        assertThat(truth.size()).as("distinct ids").isGreaterThan(10 * m);
        for (int j = 0; j < k; j++) {
            assertThat(v.getLong(top, j)).as("position " + j).isEqualTo(sorted.get(j).getKey());
            assertThat((double) Math.abs(v.getCount(top, j) - sorted.get(j).getValue()))
                .isLessThanOrEqualTo((double) events / m);
        }
        assertThat(model.expected(1, v.readTimeMs()).valueMismatches(v)).isEmpty();
    }

    private static double[] zipfCdf(int n, double s) {
        double[] cdf = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += 1 / Math.pow(i + 1, s);
            cdf[i] = sum;
        }
        for (int i = 0; i < n; i++) {
            cdf[i] /= sum;
        }
        return cdf;
    }

    private static long sample(double[] cdf, double u) {
        int lo = 0;
        int hi = cdf.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cdf[mid] < u) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo + 1;
    }
}
