package io.freshet.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.freshet.core.internal.kernel.QuantileSketch;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The QUANTILE kind through a set: its options and their errors, its row size, its fingerprint, the rank convention,
 * the window and the range edges. The random-stream comparison with the reference model is in
 * {@link KernelPropertyTest}; the sketch's saturation and its accuracy on skewed data in {@code QuantileSketchTest}.
 */
class QuantileFeatureTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final Window HOUR_BY_10M = Window.sliding(Duration.ofHours(1)).tiles(Duration.ofMinutes(10));

    private static FeatureSetBuilder<Ev> builder() {
        return FeatureSet.builder("s", Ev.class).entity("user", Ev::key).eventTime(Ev::timeMs);
    }

    @Test
    void optionsOutOfRangeAreRejectedWithTheFix() {
        assertThatThrownBy(() -> Quantile.of(0)).isInstanceOf(FeatureDefinitionException.class)
            .hasMessage("quantile q=0.0 is out of range: use 0 < q <= 1, e.g. 0.9");
        assertThatThrownBy(() -> Quantile.of(Double.NaN)).isInstanceOf(FeatureDefinitionException.class);
        assertThatThrownBy(() -> Quantile.of(1.5)).isInstanceOf(FeatureDefinitionException.class);
        assertThatThrownBy(() -> Quantile.of(0.9).relativeError(0.5)).isInstanceOf(FeatureDefinitionException.class)
            .hasMessage("quantile relativeError=0.5 is out of range: use 0.001 to 0.2, e.g. 0.02 for 2%");
        assertThatThrownBy(() -> Quantile.of(0.9).range(0, 10)).isInstanceOf(FeatureDefinitionException.class)
            .hasMessage("quantile range=[0.0, 10.0] is invalid: use 0 < min < max, both finite, e.g. range(0.01, 1e6) "
                + "for amounts");
        assertThatThrownBy(() -> Quantile.of(0.9).range(5, 5)).isInstanceOf(FeatureDefinitionException.class);
        assertThatThrownBy(() -> Quantile.of(0.9).range(1, Double.POSITIVE_INFINITY))
            .isInstanceOf(FeatureDefinitionException.class);
        assertThatThrownBy(() -> builder().quantile("p", Ev::amount, HOUR_BY_10M, null))
            .isInstanceOf(NullPointerException.class).hasMessage("quantile can't be null");
    }

    @Test
    void sketchesLargerThanTheirShareOfTheRowAreRejectedWithTheFix() {
        // 30 tiles of 936 bytes (the default 2% over [0.01, 1e6]).
        assertThatThrownBy(() -> builder().quantile("p90", Ev::amount, Window.sliding(Duration.ofHours(1)),
            Quantile.of(0.9)))
            .isInstanceOf(FeatureDefinitionException.class)
            .hasMessage("feature=p90 quantile sketches take tiles=30 x 936 bytes = 28080 > MAX_QUANTILE_BYTES=8192: "
                + "use coarser tiles (window.tiles(...)), a larger relativeError or a narrower range");
        // The same accuracy with 10-minute tiles fits; so does a coarser sketch with the default tiles.
        builder().quantile("p90", Ev::amount, HOUR_BY_10M, Quantile.of(0.9)).build();
        builder().quantile("p90", Ev::amount, Window.sliding(Duration.ofHours(1)),
            Quantile.of(0.9).relativeError(0.05).range(1, 1e5)).build();
    }

    @Test
    void rowSizeIsTheTilesTimesTheSketchSize() {
        // 117 buckets: ceil(ln(1e5) / ln(1.05 / 0.95)) - ceil(ln 1 / ...) + 1; 8 + 2 * (117 + 2) -> 8 + 240 = 248.
        Quantile q = Quantile.of(0.9).relativeError(0.05).range(1, 1e5);
        assertThat(QuantileSketch.bucketCount(0.05, 1, 1e5)).isEqualTo(117);
        FeatureSet<Ev> windowed = builder().quantile("p90", Ev::amount, HOUR_BY_10M, q).build();
        // Row header 16, feature header (event time, max epoch) 16, 6 tiles.
        assertThat(windowed.rowSizeBytes()).isEqualTo(16 + 16 + 6 * 248);
        FeatureSet<Ev> lifetime = builder().quantile("p90", Ev::amount, Window.lifetime(), q).build();
        assertThat(lifetime.rowSizeBytes()).isEqualTo(16 + 8 + 248);
        assertThat(QuantileSketch.bucketCount(0.02, 0.01, 1e6)).isEqualTo(462);
    }

    @Test
    void theQuantileIsPartOfTheFingerprintAndTheCanonicalForm() {
        long base = builder().quantile("p", Ev::amount, HOUR_BY_10M, Quantile.of(0.9)).build().fingerprint();
        assertThat(builder().quantile("p", Ev::amount, HOUR_BY_10M, Quantile.of(0.99)).build().fingerprint())
            .as("q").isNotEqualTo(base);
        assertThat(builder().quantile("p", Ev::amount, HOUR_BY_10M, Quantile.of(0.9).relativeError(0.03)).build()
            .fingerprint()).as("relative error").isNotEqualTo(base);
        assertThat(builder().quantile("p", Ev::amount, HOUR_BY_10M, Quantile.of(0.9).range(0.01, 1e5)).build()
            .fingerprint()).as("range").isNotEqualTo(base);
        assertThat(builder().quantile("p", e -> e.amount * 2, HOUR_BY_10M, Quantile.of(0.9)).build().fingerprint())
            .as("extractor code").isEqualTo(base);
        assertThat(builder().quantile("p", Ev::amount, HOUR_BY_10M, Quantile.of(0.9)).build().canonicalForm())
            .contains("f=p:QUANTILE:w=3600000/600000:filter=0:hl=0:p=0:q=0.9/0.02/0.01/1000000.0;");
    }

    @Test
    void ranksFollowTheLowerNearestRank() {
        FeatureSet<Ev> set = builder()
            .quantile("p50", Ev::amount, HOUR_BY_10M, Quantile.of(0.5).range(0.5, 20))
            .quantile("p90", Ev::amount, HOUR_BY_10M, Quantile.of(0.9).range(0.5, 20))
            .quantile("p100", Ev::amount, HOUR_BY_10M, Quantile.of(1).range(0.5, 20))
            .quantile("p01", Ev::amount, HOUR_BY_10M, Quantile.of(0.01).range(0.5, 20))
            .build();
        FeatureTestDriver<Ev> d = FeatureTestDriver.create(set, T0);
        FeatureVector empty = d.read(1);
        assertThat(empty.isPresent(set.ref("p50"))).isFalse();
        // 1..10, in a scrambled order over several tiles.
        int[] values = {7, 3, 10, 1, 9, 2, 8, 5, 4, 6};
        for (int j = 0; j < values.length; j++) {
            d.pipe(new Ev(1, T0 - 50 * 60_000 + j * 5 * 60_000, values[j]));
        }
        FeatureVector v = d.read(1);
        assertThat(v.getDouble(set.ref("p50"))).isCloseTo(5, within(5 * 0.02));
        assertThat(v.getDouble(set.ref("p90"))).isCloseTo(9, within(9 * 0.02));
        assertThat(v.getDouble(set.ref("p100"))).isCloseTo(10, within(10 * 0.02));
        assertThat(v.getDouble(set.ref("p01"))).isCloseTo(1, within(1 * 0.02));
        assertThat(v.eventTimeMs(set.ref("p50"))).isEqualTo(T0 - 5 * 60_000);
    }

    @Test
    void valuesLeaveWithTheirTileAndAnEmptyWindowReadsMissing() {
        FeatureSet<Ev> set = builder().quantile("p50", Ev::amount, HOUR_BY_10M, Quantile.of(0.5)).build();
        FeatureTestDriver<Ev> d = FeatureTestDriver.create(set, T0);
        // Three large values early, two small ones 30 minutes later: p50 is large, then small once the early tile
        // leaves the window.
        for (int j = 0; j < 3; j++) {
            d.pipe(new Ev(1, T0, 1000));
        }
        d.setTime(T0 + 30 * 60_000);
        d.pipe(new Ev(1, T0 + 30 * 60_000, 2));
        d.pipe(new Ev(1, T0 + 30 * 60_000, 2));
        assertThat(d.read(1).getDouble(set.ref("p50"))).isCloseTo(1000, within(1000 * 0.02));
        d.setTime(T0 + 61 * 60_000);
        assertThat(d.read(1).getDouble(set.ref("p50"))).isCloseTo(2, within(2 * 0.02));
        d.setTime(T0 + 95 * 60_000);
        FeatureVector gone = d.read(1);
        assertThat(gone.isPresent(set.ref("p50"))).isFalse();
        assertThat(gone.getDouble(set.ref("p50"))).isNaN();
    }

    @Test
    void valuesOutsideTheRangeReadAsItsEdges() {
        Quantile q = Quantile.of(0.5).range(1, 100);
        FeatureSet<Ev> set = builder()
            .quantile("p50", Ev::amount, Window.lifetime(), q)
            .quantile("p100", Ev::amount, Window.lifetime(), Quantile.of(1).range(1, 100))
            .build();
        FeatureTestDriver<Ev> d = FeatureTestDriver.create(set, T0);
        for (double v : new double[] {-5, 0, 0.5, 1e9, 1e12}) {
            d.pipe(new Ev(1, T0, v));
        }
        // Sorted and clamped: 1, 1, 1, 100, 100: p50 is 1, p100 is 100, both exactly (the edges read as the range).
        FeatureVector v = d.read(1);
        assertThat(v.getDouble(set.ref("p50"))).isEqualTo(1);
        assertThat(v.getDouble(set.ref("p100"))).isEqualTo(100);
    }
}
