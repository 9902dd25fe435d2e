package io.freshet.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.testing.ReferenceModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.Tuple;

/**
 * A view over a numeric-keyed and a text-keyed set, read after random streams: every feature column equals the
 * {@link ReferenceModel}'s value of its set at the read time (with its status and age), and every request-time column
 * equals its formula over the model's inputs and the request's parameter, missing exactly when an input is.
 */
class FeatureViewPropertyTest {
    private static final long START = 1_700_000_000_000L;

    static final FeatureSet<Ev> USER = FeatureSet.builder("user_risk", Ev.class)
        .entity("user", Ev::key)
        .eventTime(Ev::timeMs)
        .mean("mean_5s", Ev::amount, Window.sliding(Duration.ofSeconds(5)))
        .count("n_5s", Window.sliding(Duration.ofSeconds(5)))
        .latest("last_amount", Ev::amount)
        .lastSeen("last_seen")
        .lastN("recent", Ev::id, 2)
        .staleAfter(Duration.ofSeconds(4))
        .build();
    static final FeatureSet<Ev> MERCHANT = FeatureSet.builder("merchant", Ev.class)
        .textEntity("merchant", Ev::textKey)
        .eventTime(Ev::timeMs)
        .sum("total", Ev::amount)
        .min("smallest_5s", Ev::amount, Window.sliding(Duration.ofSeconds(5)))
        .build();
    static final FeatureView VIEW = FeatureView.builder("payment")
        .from(USER, "user_id", "last_amount", "mean_5s", "n_5s", "last_seen", "recent")
        .from(MERCHANT, "merchant_id", "total", "smallest_5s")
        .requestParam("amount")
        .derived("amount", r -> r.param("amount"))
        .derived("amount_over_mean", r -> r.ratio("amount", "user_risk__mean_5s"))
        .derived("amount_minus_smallest", r -> r.difference("amount", "merchant__smallest_5s"))
        .derived("seconds_since_last", r -> r.secondsSince("user_risk__last_seen"))
        .build();

    /** One step: an event of one set, a clock advance, then maybe a view read with a parameter. */
    static final class Step {
        final boolean merchant;
        final int key;
        final long advanceMs;
        final long lateMs;
        final double amount;
        final boolean read;
        final double param;

        Step(boolean merchant, int key, long advanceMs, long lateMs, double amount, boolean read, double param) {
            this.merchant = merchant;
            this.key = key;
            this.advanceMs = advanceMs;
            this.lateMs = lateMs;
            this.amount = amount;
            this.read = read;
            this.param = param;
        }

        @Override
        public String toString() {
            return (merchant ? "M" : "U") + key + " +" + advanceMs + " late=" + lateMs + " a=" + amount
                + (read ? " read p=" + param : "");
        }
    }

    @Property(tries = 120)
    void viewColumnsEqualTheReferenceModelAndTheFormulas(@ForAll("steps") List<Step> steps) {
        play(steps);
    }

    /** The same comparison, much longer: {@code mvn -Psoak -pl sdk-core test}. */
    @Property(tries = 5_000)
    @Tag("soak")
    void viewColumnsEqualTheReferenceModelAndTheFormulasSoak(@ForAll("steps") List<Step> steps) {
        play(steps);
    }

    private static void play(List<Step> steps) {
        FeatureTestDriver<Ev> users = FeatureTestDriver.create(USER, START);
        FeatureTestDriver<Ev> merchants = FeatureTestDriver.create(MERCHANT, START);
        ReferenceModel<Ev> userModel = new ReferenceModel<>(USER);
        ReferenceModel<Ev> merchantModel = new ReferenceModel<>(MERCHANT);
        ViewReader reader = VIEW.reader(merchants.reader(), users.reader());
        ViewRequest request = VIEW.newRequest();
        ViewVector vector = VIEW.newVector();
        int userSlot = VIEW.keySlot("user_id");
        int merchantSlot = VIEW.keySlot("merchant_id");
        int amountSlot = VIEW.paramSlot("amount");
        long now = START;
        List<String> history = new ArrayList<>();
        for (Step s : steps) {
            history.add(s.toString());
            Ev e = new Ev(s.key, now - s.lateMs, s.amount, 0, s.advanceMs % 7, false);
            users.setTime(now);
            merchants.setTime(now);
            if (s.merchant) {
                assertThat(merchants.pipe(e)).isEqualTo(merchantModel.apply(e, now));
            } else {
                assertThat(users.pipe(e)).isEqualTo(userModel.apply(e, now));
            }
            now += s.advanceMs;
            if (!s.read) {
                continue;
            }
            users.setTime(now);
            merchants.setTime(now);
            int userKey = s.key;
            // Merchant "4": the request has none (noKey); its columns read as those of a never-seen merchant.
            int merchantKey = (int) ((s.key + s.lateMs) % 5);
            request.key(userSlot, (long) userKey).param(amountSlot, s.param);
            if (merchantKey == 4) {
                request.noKey(merchantSlot);
            } else {
                request.key(merchantSlot, Ev.textKey(merchantKey));
            }
            int found = reader.read(request, vector);
            ReferenceModel.Expected u = userModel.expected((long) userKey, now);
            ReferenceModel.Expected m = merchantModel.expected(Ev.textKey(merchantKey == 4 ? 99 : merchantKey), now);
            String where = "history " + history;
            assertThat(found).as(where).isEqualTo((u.status() == VectorStatus.MISSING ? 0 : 1)
                + (m.status() == VectorStatus.MISSING ? 0 : 1));
            assertThat(vector.readTimeMs()).isEqualTo(now);
            int c = 0;
            for (String f : List.of("last_amount", "mean_5s", "n_5s", "last_seen")) {
                checkFeature(vector, c++, u, f, now, where);
            }
            ReferenceModel.ExpectedValue recent = u.value("recent");
            for (int pos = 0; pos < 2; pos++, c++) {
                String as = VIEW.columns().get(c) + " " + where;
                if (pos >= recent.size()) {
                    assertThat(vector.status(c)).as(as).isEqualTo(VectorStatus.MISSING);
                    assertThat(vector.getDouble(c)).as(as).isNaN();
                } else {
                    assertThat(vector.getDouble(c)).as(as).isEqualTo((double) recent.ids()[pos]);
                    assertThat(vector.eventTimeMs(c)).as(as).isEqualTo(recent.timesMs()[pos]);
                    assertThat(vector.status(c)).as(as).isEqualTo(u.status());
                }
            }
            for (String f : List.of("total", "smallest_5s")) {
                checkFeature(vector, c++, m, f, now, where);
            }
            checkRequestTime(vector, c++, s.param, u.status(), FeatureVector.NO_TIME, Double.isNaN(s.param), where);
            ReferenceModel.ExpectedValue mean = u.value("mean_5s");
            checkRequestTime(vector, c++, s.param / mean.asDouble(), u.status(), mean.eventTimeMs(),
                !mean.isPresent() || Double.isNaN(s.param) || mean.asDouble() == 0, where);
            ReferenceModel.ExpectedValue smallest = m.value("smallest_5s");
            checkRequestTime(vector, c++, s.param - smallest.asDouble(), m.status(), smallest.eventTimeMs(),
                !smallest.isPresent() || Double.isNaN(s.param), where);
            ReferenceModel.ExpectedValue lastSeen = u.value("last_seen");
            checkRequestTime(vector, c++, (now - lastSeen.eventTimeMs()) / 1000.0, u.status(), lastSeen.eventTimeMs(),
                !lastSeen.isPresent(), where);
            assertThat(c).isEqualTo(VIEW.width());
            double[] out = new double[VIEW.width()];
            vector.copyTo(out);
            for (int i = 0; i < out.length; i++) {
                assertThat(Double.doubleToRawLongBits(out[i])).as(where)
                    .isEqualTo(Double.doubleToRawLongBits(vector.getDouble(i)));
            }
        }
    }

    private static void checkFeature(ViewVector v, int c, ReferenceModel.Expected row, String feature, long now,
        String where) {
        ReferenceModel.ExpectedValue e = row.value(feature);
        String as = VIEW.columns().get(c) + " " + where;
        assertThat(v.isPresent(c)).as(as).isEqualTo(e.isPresent());
        if (!e.isPresent()) {
            assertThat(v.getDouble(c)).as(as).isNaN();
            assertThat(v.status(c)).as(as).isEqualTo(VectorStatus.MISSING);
            assertThat(v.ageMs(c)).as(as).isEqualTo(-1);
            return;
        }
        assertThat(v.getDouble(c)).as(as).isCloseTo(e.asDouble(), org.assertj.core.data.Offset.offset(e.tolerance()));
        assertThat(v.status(c)).as(as).isEqualTo(row.status());
        assertThat(v.eventTimeMs(c)).as(as).isEqualTo(e.eventTimeMs());
        assertThat(v.ageMs(c)).as(as).isEqualTo(e.eventTimeMs() == FeatureVector.NO_TIME ? -1
            : now - e.eventTimeMs());
    }

    private static void checkRequestTime(ViewVector v, int c, double expected, VectorStatus inputStatus,
        long eventTimeMs, boolean missing, String where) {
        String as = VIEW.columns().get(c) + " " + where;
        if (missing) {
            assertThat(v.getDouble(c)).as(as).isNaN();
            assertThat(v.status(c)).as(as).isEqualTo(VectorStatus.MISSING);
            return;
        }
        assertThat(v.getDouble(c)).as(as).isCloseTo(expected, org.assertj.core.data.Offset.offset(
            1e-9 * Math.max(1, Math.abs(expected))));
        assertThat(v.status(c)).as(as).isEqualTo(eventTimeMs == FeatureVector.NO_TIME ? VectorStatus.FRESH
            : inputStatus);
        assertThat(v.eventTimeMs(c)).as(as).isEqualTo(eventTimeMs);
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Double> amount = Arbitraries.frequencyOf(
            Tuple.of(10, Arbitraries.integers().between(-100, 100).map(i -> i / 4.0)),
            Tuple.of(1, Arbitraries.just(0.0)));
        Arbitrary<Double> param = Arbitraries.frequencyOf(
            Tuple.of(8, Arbitraries.integers().between(-400, 400).map(i -> i / 8.0)),
            Tuple.of(1, Arbitraries.just(Double.NaN)));
        return Combinators.combine(Arbitraries.of(false, true), Arbitraries.integers().between(0, 3),
            Arbitraries.frequencyOf(Tuple.of(6, Arbitraries.longs().between(0, 1_500)),
                Tuple.of(1, Arbitraries.longs().between(5_000, 12_000))),
            Arbitraries.longs().between(0, 3_000), amount, Arbitraries.of(false, true, true), param)
            .as(Step::new).list().ofMinSize(5).ofMaxSize(120);
    }
}
