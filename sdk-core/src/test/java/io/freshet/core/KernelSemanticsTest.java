package io.freshet.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.freshet.core.testing.ReferenceModel;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Hand-computed examples of the documented semantics. Each runs through both the kernels (the test driver) and
 * the {@link ReferenceModel}, checks the literal values on the kernel's vector, and checks that the model agrees:
 * so the model is itself pinned to numbers worked out by hand, not only to the kernel.
 */
class KernelSemanticsTest {

    /** A driver and a model fed the same events at the same clock. */
    private static final class Both {
        final FeatureSet<Ev> set;
        final FeatureTestDriver<Ev> driver;
        final ReferenceModel<Ev> model;

        Both(FeatureSet<Ev> set, long startMs) {
            this.set = set;
            this.driver = FeatureTestDriver.create(set, startMs);
            this.model = new ReferenceModel<>(set);
        }

        int pipe(Ev e) {
            int expected = model.apply(e, driver.nowMs());
            int actual = driver.pipe(e);
            assertThat(actual).as("code of %s", e).isEqualTo(expected);
            return actual;
        }

        FeatureVector readAt(long key, long timeMs) {
            driver.setTime(timeMs);
            FeatureVector v = driver.read(key);
            model.assertMatches(key, v);
            return v;
        }

        FeatureRef ref(String name) {
            return set.ref(name);
        }
    }

    private static FeatureSetBuilder<Ev> builder(String name) {
        return FeatureSet.builder(name, Ev.class).entity("user", Ev::key).eventTime(Ev::timeMs);
    }

    @Test
    void windowCoversWholeTilesEndingWithTheReadTile() {
        // g = 1 s, n = 3: a read at r covers epochs [floor(r/g) - 2, floor(r/g)].
        Both b = new Both(builder("w").count("n", Window.sliding(Duration.ofSeconds(3)))
            .sum("s", Ev::amount, Window.sliding(Duration.ofSeconds(3))).build(), 10_000);
        b.pipe(new Ev(1, 10_000, 1));
        b.pipe(new Ev(1, 10_999, 2));
        b.pipe(new Ev(1, 11_000, 4));
        FeatureRef n = b.ref("n");
        FeatureRef s = b.ref("s");
        assertThat(b.readAt(1, 11_000).getLong(n)).isEqualTo(3);
        assertThat(b.readAt(1, 12_999).getLong(n)).as("r = 13g - 1: epochs 10..12").isEqualTo(3);
        assertThat(b.readAt(1, 13_000).getLong(n)).as("r = 13g: epochs 11..13").isEqualTo(1);
        assertThat(b.readAt(1, 13_000).getDouble(s)).isEqualTo(4.0);
        assertThat(b.readAt(1, 13_001).getLong(n)).isEqualTo(1);
        assertThat(b.readAt(1, 13_999).getLong(n)).isEqualTo(1);
        assertThat(b.readAt(1, 14_000).getLong(n)).as("all gone").isEqualTo(0);
        assertThat(b.readAt(1, 14_000).eventTimeMs(n)).as("still the newest accepted").isEqualTo(11_000);
        assertThat(b.readAt(1, 10_500).getLong(n)).as("read before the later tile").isEqualTo(2);
        assertThat(b.readAt(1, 9_999).getLong(n)).as("read before every event").isEqualTo(0);
    }

    @Test
    void lateEventsAreDroppedPerFeatureByEpoch() {
        Both b = new Both(builder("late").count("n3", Window.sliding(Duration.ofSeconds(3)))
            .count("n3_flag", Window.sliding(Duration.ofSeconds(3))).where(Ev::flag)
            .count("n10", Window.sliding(Duration.ofSeconds(10)))
            .count("all").build(), 10_000);
        b.pipe(new Ev(1, 10_000, 0, 0, 0, false));
        // Epoch 7 <= 10 - 3: late for n3; n3_flag has seen nothing, so it accepts; n10 keeps 10 tiles.
        assertThat(b.pipe(new Ev(1, 7_999, 0, 0, 0, true))).isEqualTo(FeatureTestDriver.APPLIED_LATE);
        assertThat(b.pipe(new Ev(1, 8_000, 0, 0, 0, false))).as("epoch 8 > 7").isEqualTo(FeatureTestDriver.APPLIED);
        FeatureVector v = b.readAt(1, 10_000);
        assertThat(v.getLong(b.ref("n3"))).isEqualTo(2);
        assertThat(v.getLong(b.ref("n3_flag"))).as("epoch 7 is outside [8, 10]").isEqualTo(0);
        assertThat(v.getLong(b.ref("n10"))).isEqualTo(3);
        assertThat(v.getLong(b.ref("all"))).isEqualTo(3);
        assertThat(b.readAt(1, 9_000).getLong(b.ref("n3_flag"))).as("epoch 7 in [7, 9]").isEqualTo(1);
        assertThat(b.readAt(1, 9_000).getLong(b.ref("n3"))).as("epoch 8 in [7, 9]").isEqualTo(1);
        assertThat(b.driver.lateCount()).isEqualTo(1);
        assertThat(b.model.lateCount()).isEqualTo(1);
        // A later event moves the ring: epochs <= 20 - 3 are no longer held, even for reads back in time.
        b.driver.setTime(20_000);
        b.pipe(new Ev(1, 20_000, 0, 0, 0, false));
        assertThat(b.readAt(1, 10_000).getLong(b.ref("n3"))).isEqualTo(0);
        assertThat(b.readAt(1, 18_500).getLong(b.ref("n3"))).isEqualTo(0);
        assertThat(b.readAt(1, 20_000).getLong(b.ref("n3"))).isEqualTo(1);
        assertThat(b.readAt(1, 10_000).getLong(b.ref("n10"))).as("epoch 10 <= 20 - 10").isEqualTo(0);
        assertThat(b.readAt(1, 12_000).getLong(b.ref("n10"))).isEqualTo(0);
    }

    @Test
    void latestAndLastNBreakTiesByArrival() {
        Both b = new Both(builder("ties").latest("last", Ev::amount).lastN("recent", Ev::id, 3)
            .firstSeen("first").lastSeen("seen").build(), 100_000);
        b.pipe(new Ev(1, 5_000, 1, 0, 1, false));
        b.pipe(new Ev(1, 5_000, 2, 0, 2, false));
        b.pipe(new Ev(1, 4_000, 3, 0, 3, false));
        FeatureVector v = b.readAt(1, 100_000);
        assertThat(v.getDouble(b.ref("last"))).isEqualTo(2.0);
        assertThat(v.eventTimeMs(b.ref("last"))).isEqualTo(5_000);
        FeatureRef recent = b.ref("recent");
        assertThat(new long[] {v.getLong(recent, 0), v.getLong(recent, 1), v.getLong(recent, 2)})
            .containsExactly(2, 1, 3);
        b.pipe(new Ev(1, 5_000, 9, 0, 4, false));
        b.pipe(new Ev(1, 1_000, 7, 0, 5, false));
        v = b.readAt(1, 100_000);
        assertThat(v.getDouble(b.ref("last"))).as("a later arrival at the same time wins").isEqualTo(9.0);
        assertThat(new long[] {v.getLong(recent, 0), v.getLong(recent, 1), v.getLong(recent, 2)})
            .containsExactly(4, 2, 1);
        assertThat(v.getLong(b.ref("first"))).isEqualTo(1_000);
        assertThat(v.getLong(b.ref("seen"))).isEqualTo(5_000);
    }

    @Test
    void decayedValuesHalvePerHalfLifeWhateverTheArrivalOrder() {
        FeatureSet<Ev> set = builder("decay").decayedCount("dc", Duration.ofSeconds(10))
            .decayedSum("ds", Ev::amount, Duration.ofSeconds(10)).build();
        for (boolean reversed : new boolean[] {false, true}) {
            Both b = new Both(set, 20_000);
            Ev older = new Ev(1, 0, 4);
            Ev newer = new Ev(1, 10_000, 2);
            b.pipe(reversed ? newer : older);
            b.pipe(reversed ? older : newer);
            FeatureVector v = b.readAt(1, 20_000);
            assertThat(v.getDouble(b.ref("dc"))).isCloseTo(0.75, within(1e-12));
            assertThat(v.getDouble(b.ref("ds"))).isCloseTo(4 * 0.25 + 2 * 0.5, within(1e-12));
            assertThat(v.eventTimeMs(b.ref("ds"))).isEqualTo(10_000);
            assertThat(b.readAt(1, 10_000).getDouble(b.ref("dc"))).isCloseTo(1.5, within(1e-12));
            assertThat(b.readAt(1, 0).getDouble(b.ref("dc"))).as("read before an event").isCloseTo(3.0,
                within(1e-12));
        }
    }

    @Test
    void rejectionsFollowTheDocumentedOrder() {
        Both b = new Both(builder("reject").sum("s", Ev::amount).sum("o", Ev::other).where(Ev::flag)
            .futureSkew(Duration.ofSeconds(1)).build(), 10_000);
        assertThat(b.pipe(new Ev(1, 11_000, 1))).as("at the skew").isEqualTo(FeatureTestDriver.APPLIED);
        assertThat(b.pipe(new Ev(1, 11_001, 1))).isEqualTo(FeatureTestDriver.REJECTED_FUTURE);
        assertThat(b.pipe(new Ev(1, -1, 1))).isEqualTo(FeatureTestDriver.REJECTED_NEGATIVE_TIME);
        assertThat(b.pipe(new Ev(1, 0, 1))).as("time 0 is valid").isEqualTo(FeatureTestDriver.APPLIED);
        assertThat(b.pipe(new Ev(1, 11_001, Double.NaN))).as("future before non-finite")
            .isEqualTo(FeatureTestDriver.REJECTED_FUTURE);
        assertThat(b.pipe(new Ev(1, 5_000, Double.NEGATIVE_INFINITY))).isEqualTo(FeatureTestDriver.REJECTED_NON_FINITE);
        assertThat(b.pipe(new Ev(1, 5_000, 1, Double.NaN, 0, false))).as("filter fails: value not used")
            .isEqualTo(FeatureTestDriver.APPLIED);
        assertThat(b.pipe(new Ev(1, 5_000, 1, Double.NaN, 0, true))).isEqualTo(FeatureTestDriver.REJECTED_NON_FINITE);
        assertThat(b.pipe(new Ev(2, -5, 1))).isEqualTo(FeatureTestDriver.REJECTED_NEGATIVE_TIME);
        FeatureVector v = b.readAt(1, 10_000);
        assertThat(v.getDouble(b.ref("s"))).isEqualTo(3.0);
        assertThat(v.getDouble(b.ref("o"))).isEqualTo(0.0);
        assertThat(v.eventTimeMs(b.ref("o"))).isEqualTo(FeatureVector.NO_TIME);
        assertThat(v.rowEventTimeMs()).isEqualTo(11_000);
        assertThat(b.readAt(2, 10_000).status()).as("a rejected event creates no row").isEqualTo(
            VectorStatus.MISSING);
        assertThat(b.driver.rejectedCount()).isEqualTo(6).isEqualTo(b.model.rejectedCount());
    }

    @Test
    void filteredOutEventsStillTouchTheRow() {
        Both b = new Both(builder("touch").count("flagged").where(Ev::flag).staleAfter(Duration.ofSeconds(5))
            .build(), 10_000);
        b.pipe(new Ev(1, 9_000, 0, 0, 0, false));
        FeatureVector v = b.readAt(1, 10_000);
        assertThat(v.status()).isEqualTo(VectorStatus.FRESH);
        assertThat(v.getLong(b.ref("flagged"))).isZero();
        assertThat(v.eventTimeMs(b.ref("flagged"))).isEqualTo(FeatureVector.NO_TIME);
        assertThat(v.rowEventTimeMs()).isEqualTo(9_000);
        assertThat(v.rowUpdatedMs()).isEqualTo(10_000);
    }

    @Test
    void windowedMinMaxMeanAndDistinct() {
        Window w = Window.sliding(Duration.ofSeconds(4)).tiles(Duration.ofSeconds(2));
        Both b = new Both(builder("agg").min("lo", Ev::amount, w).max("hi", Ev::amount, w)
            .mean("avg", Ev::amount, w).distinctApprox("ids", Ev::id, w, 10)
            .distinctApprox("all_ids", Ev::id).build(), 100_000);
        b.pipe(new Ev(1, 100_000, -3, 0, 1, false));
        b.pipe(new Ev(1, 100_500, 7, 0, 2, false));
        b.pipe(new Ev(1, 102_100, 2, 0, 2, false));
        FeatureVector v = b.readAt(1, 102_100);
        assertThat(v.getDouble(b.ref("lo"))).isEqualTo(-3.0);
        assertThat(v.getDouble(b.ref("hi"))).isEqualTo(7.0);
        assertThat(v.getDouble(b.ref("avg"))).isEqualTo(2.0);
        assertThat(v.getDouble(b.ref("ids"))).isCloseTo(2.0, within(0.1));
        v = b.readAt(1, 104_000);
        assertThat(v.getDouble(b.ref("lo"))).as("epoch 50 left at 104000").isEqualTo(2.0);
        assertThat(v.getDouble(b.ref("hi"))).isEqualTo(2.0);
        assertThat(v.getDouble(b.ref("avg"))).isEqualTo(2.0);
        assertThat(v.getDouble(b.ref("ids"))).isCloseTo(1.0, within(0.1));
        assertThat(v.getDouble(b.ref("all_ids"))).isCloseTo(2.0, within(0.1));
        v = b.readAt(1, 106_000);
        assertThat(v.isPresent(b.ref("lo"))).isFalse();
        assertThat(v.isPresent(b.ref("avg"))).isFalse();
        assertThat(v.getDouble(b.ref("ids"))).isZero();
    }

    @Test
    void distinctEstimateStaysWithinItsDocumentedBound() {
        for (int p : new int[] {4, 7, 12}) {
            Both b = new Both(builder("hll").distinctApprox("d", Ev::id, Window.lifetime(), p).build(), 1_000_000);
            for (int exact = 1; exact <= 5_000; exact++) {
                b.pipe(new Ev(1, 1_000, 0, 0, exact * 2_654_435_761L, false));
                // Duplicates never count twice.
                b.pipe(new Ev(1, 1_000, 0, 0, exact * 2_654_435_761L, false));
                if (exact % 250 == 0 || exact < 20) {
                    double estimate = b.readAt(1, 1_000_000).getDouble(b.ref("d"));
                    assertThat(Math.abs(estimate - exact)).as("p=%d exact=%d estimate=%f", p, exact, estimate)
                        .isLessThanOrEqualTo(ReferenceModel.distinctTolerance(exact, p));
                }
            }
        }
    }

    @Test
    void derivedFeaturesFollowTheirInputs() {
        Both b = new Both(builder("derived").count("all").count("flagged").where(Ev::flag)
            .latest("last_flagged", Ev::amount).where(Ev::flag)
            .derived("ratio", d -> d.ratio("flagged", "all"))
            .derived("diff", d -> d.difference("all", "flagged"))
            .derived("since", d -> d.timeSince("last_flagged"))
            .derived("since_all", d -> d.timeSince("all")).build(), 50_000);
        FeatureVector v;
        b.pipe(new Ev(1, 40_000, 1, 0, 0, false));
        v = b.readAt(1, 50_000);
        assertThat(v.getDouble(b.ref("ratio"))).isEqualTo(0.0);
        assertThat(v.getDouble(b.ref("diff"))).isEqualTo(1.0);
        assertThat(v.isPresent(b.ref("since"))).as("no flagged event yet").isFalse();
        assertThat(v.getDouble(b.ref("since_all"))).isEqualTo(10_000.0);
        b.pipe(new Ev(1, 45_000, 6, 0, 0, true));
        v = b.readAt(1, 50_000);
        assertThat(v.getDouble(b.ref("ratio"))).isEqualTo(0.5);
        assertThat(v.eventTimeMs(b.ref("ratio"))).isEqualTo(45_000);
        assertThat(v.getDouble(b.ref("since"))).isEqualTo(5_000.0);
        assertThat(b.readAt(1, 44_000).getDouble(b.ref("since"))).as("negative before the event").isEqualTo(-1_000.0);
    }

    @Test
    void modelReportsEveryMismatchWithItsContext() {
        FeatureSet<Ev> set = builder("report").count("n").sum("s", Ev::amount).lastN("recent", Ev::id, 2).build();
        FeatureTestDriver<Ev> driver = FeatureTestDriver.create(set, 10_000);
        ReferenceModel<Ev> model = new ReferenceModel<>(set);
        Ev both = new Ev(7, 9_000, 2, 0, 5, false);
        driver.pipe(both);
        model.apply(both, 10_000);
        model.assertMatches(7, driver.read(7));
        Ev modelOnly = new Ev(7, 9_500, 3, 0, 6, false);
        model.apply(modelOnly, 10_000);
        assertThatThrownBy(() -> model.assertMatches(7, driver.read(7)))
            .isInstanceOf(AssertionError.class)
            .hasMessageContaining("set=report key=7 readTimeMs=10000: 6 mismatch(es)")
            .hasMessageContaining("rowEventTimeMs expected=9500 actual=9000")
            .hasMessageContaining("feature=n expected=2 actual=1")
            .hasMessageContaining("feature=s expected=5.0 (+/-")
            .hasMessageContaining("feature=n eventTimeMs expected=9500 actual=9000")
            .hasMessageContaining("feature=recent size expected=2 actual=1");
        ReferenceModel.Expected e = model.expected(7, 10_000);
        assertThat(e.value("n").asLong()).isEqualTo(2);
        assertThat(e.value("recent").ids()).containsExactly(6, 5);
        assertThat(e.valueMismatches(driver.read(7))).hasSize(5);
        assertThat(model.expected(8, 10_000).status()).isEqualTo(VectorStatus.MISSING);
        assertThatThrownBy(() -> model.expected("7", 10_000)).isInstanceOf(IllegalArgumentException.class);
    }
}
