package io.freshet.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.freshet.core.testing.ReferenceModel;
import java.time.Duration;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Tag;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/**
 * VARIANCE and STDDEV (population): semantics on small cases, numerical stability where the textbook one-pass formula
 * cancels (a large mean with a small spread), and the stated bound against the exact variance ({@link
 * ReferenceModel#exactVariance}, BigDecimal) over random streams of badly conditioned data, lifetime and windowed,
 * read at, before and after the newest tile.
 */
class VarianceTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final Window HOUR = Window.sliding(Duration.ofHours(1));

    private static FeatureSet<Ev> set(Window window) {
        return FeatureSet.builder("spread", Ev.class).entity("user", Ev::key).eventTime(Ev::timeMs)
            .variance("var_all", Ev::amount)
            .stddev("std_all", Ev::amount)
            .variance("var_w", Ev::amount, window)
            .stddev("std_w", Ev::amount, window)
            .mean("mean_w", Ev::amount, window)
            .futureSkew(Duration.ZERO)
            .build();
    }

    @Test
    void emptyIsMissingOneValueIsZeroTwoValuesArePopulationVariance() {
        FeatureSet<Ev> s = set(HOUR);
        FeatureTestDriver<Ev> d = FeatureTestDriver.create(s, T0);
        FeatureVector v = d.read(1);
        assertThat(v.isPresent(s.ref("var_all"))).isFalse();
        assertThat(v.getDouble(s.ref("std_w"))).isNaN();

        d.pipe(new Ev(1, T0, 5));
        v = d.read(1);
        assertThat(v.getDouble(s.ref("var_all"))).isZero();
        assertThat(v.getDouble(s.ref("std_w"))).isZero();
        assertThat(v.eventTimeMs(s.ref("var_w"))).isEqualTo(T0);

        d.setTime(T0 + 1_000);
        d.pipe(new Ev(1, T0 + 1_000, 1));
        d.pipe(new Ev(1, T0 - 200_000, 3));
        v = d.read(1);
        // Population: ((5-3)^2 + (1-3)^2 + (3-3)^2) / 3, not / 2.
        assertThat(v.getDouble(s.ref("var_all"))).isCloseTo(8.0 / 3, within(1e-15));
        assertThat(v.getDouble(s.ref("var_w"))).isCloseTo(8.0 / 3, within(1e-15));
        assertThat(v.getDouble(s.ref("std_all"))).isCloseTo(Math.sqrt(8.0 / 3), within(1e-15));
        assertThat(v.getDouble(s.ref("std_w"))).isCloseTo(Math.sqrt(8.0 / 3), within(1e-15));
    }

    @Test
    void windowForgetsExpiredTilesLifetimeKeepsThem() {
        FeatureSet<Ev> s = set(Window.sliding(Duration.ofMinutes(10)).tiles(Duration.ofMinutes(1)));
        FeatureTestDriver<Ev> d = FeatureTestDriver.create(s, T0);
        d.pipe(new Ev(1, T0, 10));
        d.pipe(new Ev(1, T0, 20));
        d.setTime(T0 + 5 * 60_000);
        d.pipe(new Ev(1, T0 + 5 * 60_000, 100));
        d.pipe(new Ev(1, T0 + 5 * 60_000, 104));
        assertThat(d.read(1).getDouble(s.ref("var_w"))).isCloseTo(ReferenceModel.exactVariance(
            new double[] {10, 20, 100, 104}), within(1e-9));

        d.setTime(T0 + 11 * 60_000);
        FeatureVector v = d.read(1);
        assertThat(v.getDouble(s.ref("var_w"))).as("the first two left the window").isEqualTo(4.0);
        assertThat(v.getDouble(s.ref("var_all"))).isCloseTo(ReferenceModel.exactVariance(
            new double[] {10, 20, 100, 104}), within(1e-9));

        d.setTime(T0 + 16 * 60_000);
        v = d.read(1);
        assertThat(v.isPresent(s.ref("std_w"))).isFalse();
        assertThat(v.getDouble(s.ref("var_w"))).isNaN();
        assertThat(v.isPresent(s.ref("var_all"))).isTrue();
    }

    /**
     * 10,000 values of 1e9 + U(0, 1) over 50 minutes, arriving out of order: the one-pass textbook formula loses
     * every digit here (kappa = rms / stddev = 3.5e9); the moments keep the variance to 1e-7 relative.
     */
    @Test
    void largeMeanSmallSpreadKeepsItsDigits() {
        FeatureSet<Ev> s = set(HOUR);
        long now = T0 + 3_000_000;
        FeatureTestDriver<Ev> d = FeatureTestDriver.create(s, now);
        SplittableRandom random = new SplittableRandom(19);
        int n = 10_000;
        double[] values = new double[n];
        double sum = 0;
        double squares = 0;
        for (int i = 0; i < n; i++) {
            values[i] = 1e9 + random.nextDouble();
            sum += values[i];
            squares += values[i] * values[i];
            assertThat(d.pipe(new Ev(1, T0 + random.nextLong(3_000_000), values[i])))
                .isEqualTo(FeatureTestDriver.APPLIED);
        }
        double exact = ReferenceModel.exactVariance(values);
        double naive = squares / n - (sum / n) * (sum / n);
        assertThat(Math.abs(naive - exact) / exact).as("the textbook formula cancels on this data").isGreaterThan(1);
        FeatureVector v = d.read(1);
        double bound = ReferenceModel.varianceTolerance(n, HOUR.tileCount(), exact, ReferenceModel.rms(values));
        for (String name : new String[] {"var_all", "var_w"}) {
            double actual = v.getDouble(s.ref(name));
            assertThat(Math.abs(actual - exact)).as(name + " within the stated bound").isLessThanOrEqualTo(bound);
            assertThat(Math.abs(actual - exact) / exact).as(name + " relative error, measured").isLessThan(1e-7);
        }
        for (String name : new String[] {"std_all", "std_w"}) {
            assertThat(Math.abs(v.getDouble(s.ref(name)) - Math.sqrt(exact)) / Math.sqrt(exact)).as(name)
                .isLessThan(1e-7);
        }
    }

    /**
     * Random badly conditioned streams (means up to 1e12 with spreads down to 1e-3, so kappa up to 1e15), in and out
     * of order, some late, read at the clock, before the newest tile (the tile scan) and after a window has passed:
     * every read equals the exact variance within the stated bound ({@link ReferenceModel#varianceTolerance}).
     */
    @Property(tries = 40)
    void badlyConditionedStreamsStayWithinTheStatedBound(@ForAll long seed,
        @ForAll @IntRange(min = 0, max = 12) int meanExponent, @ForAll @IntRange(min = -3, max = 3) int spreadExponent,
        @ForAll @IntRange(min = 1, max = 1_500) int events, @ForAll @LongRange(min = 1, max = 120) long tileSeconds,
        @ForAll @IntRange(min = 1, max = 40) int tiles) {
        play(seed, meanExponent, spreadExponent, events, tileSeconds, tiles);
    }

    /** The same, much longer: {@code mvn -Psoak -pl sdk-core test}. */
    @Property(tries = 1_000)
    @Tag("soak")
    void badlyConditionedStreamsStayWithinTheStatedBoundSoak(@ForAll long seed,
        @ForAll @IntRange(min = 0, max = 15) int meanExponent, @ForAll @IntRange(min = -6, max = 3) int spreadExponent,
        @ForAll @IntRange(min = 1, max = 3_000) int events, @ForAll @LongRange(min = 1, max = 120) long tileSeconds,
        @ForAll @IntRange(min = 1, max = 100) int tiles) {
        play(seed, meanExponent, spreadExponent, events, tileSeconds, tiles);
    }

    private static void play(long seed, int meanExponent, int spreadExponent, int events, long tileSeconds,
        int tiles) {
        SplittableRandom random = new SplittableRandom(seed);
        Window window = Window.sliding(Duration.ofSeconds(tileSeconds * tiles)).tiles(Duration.ofSeconds(tileSeconds));
        FeatureSet<Ev> s = set(window);
        long now = T0;
        FeatureTestDriver<Ev> d = FeatureTestDriver.create(s, now);
        ReferenceModel<Ev> model = new ReferenceModel<>(s);
        double mean = (random.nextBoolean() ? 1 : -1) * Math.pow(10, meanExponent);
        double spread = Math.pow(10, spreadExponent);
        long spanMs = window.lengthMs() * 2;
        for (int i = 0; i < events; i++) {
            now += random.nextLong(spanMs / Math.max(1, events / 4) + 1);
            long t = Math.max(0, now - random.nextLong(spanMs));
            double x = mean + spread * random.nextGaussian();
            Ev e = new Ev(1 + random.nextInt(2), t, x);
            d.setTime(now);
            assertThat(d.pipe(e)).as("event %d", i).isEqualTo(model.apply(e, now));
            if (random.nextInt(50) == 0) {
                readBoth(d, model, now - random.nextLong(window.lengthMs()));
                d.setTime(now);
            }
        }
        for (long r : new long[] {now, now - window.tileMs(), now - window.lengthMs() / 2, now + window.lengthMs() / 2,
            now + window.lengthMs()}) {
            readBoth(d, model, r);
        }
    }

    private static void readBoth(FeatureTestDriver<Ev> d, ReferenceModel<Ev> model, long r) {
        d.setTime(r);
        for (long key = 1; key <= 2; key++) {
            model.expected(key, r).assertValuesMatch(d.read(key));
        }
    }
}
