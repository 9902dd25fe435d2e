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
import net.jqwik.api.statistics.Statistics;

/**
 * Drives random event streams through the real kernels ({@link FeatureTestDriver}) and the {@link ReferenceModel}
 * and compares every feature of every key at many read times: out-of-order, late, tied, future and negative event
 * times, non-finite values, gaps longer than the windows, clock jumps both ways, reads on tile boundaries, TTL
 * eviction, deletes (the entity's state forgotten, its next event a new row), numeric and text keys; quantiles with
 * values below, inside and above their declared ranges.
 */
class KernelPropertyTest {
    private static final int KEYS = 5;
    private static final long STALE_AFTER_MS = 20_000;
    private static final long TTL_MS = 180_000;
    /** Backward clock jumps stop this far behind the newest event so that decay factors stay finite. */
    private static final long MAX_BEHIND_MS = 600_000;
    private static final long WINDOW2_TILE_MS = 2_000;

    /** The random knobs of one definition. */
    static final class Params {
        final long tileMs;
        final int tiles;
        final int lastN;
        final long halfLifeMs;
        final int precision;
        final long skewMs;
        final boolean textKey;
        final long startMs;

        Params(long tileMs, int tiles, int lastN, long halfLifeMs, int precision, long skewMs, boolean textKey,
            long startMs) {
            this.tileMs = tileMs;
            this.tiles = tiles;
            this.lastN = lastN;
            this.halfLifeMs = halfLifeMs;
            this.precision = precision;
            this.skewMs = skewMs;
            this.textKey = textKey;
            this.startMs = startMs;
        }

        @Override
        public String toString() {
            return "Params{tile=" + tileMs + "ms x" + tiles + ", lastN=" + lastN + ", halfLife=" + halfLifeMs
                + "ms, p=" + precision + ", skew=" + skewMs + "ms, text=" + textKey + ", start=" + startMs + "}";
        }
    }

    enum Type { PIPE, ADVANCE, JUMP_BACK, READ, EVICT, DELETE }

    /** Where a piped event's time lies relative to the clock. */
    enum TimeMode { RECENT, OLD, SAME_AS_LAST, TILE_EDGE, AROUND_SKEW, NEGATIVE }

    /** One step of a scenario. Fields unused by a type are 0. */
    static final class Op {
        final Type type;
        final int key;
        final TimeMode mode;
        final long ms;
        final double amount;
        final double other;
        final long id;
        final boolean flag;

        Op(Type type, int key, TimeMode mode, long ms, double amount, double other, long id, boolean flag) {
            this.type = type;
            this.key = key;
            this.mode = mode;
            this.ms = ms;
            this.amount = amount;
            this.other = other;
            this.id = id;
            this.flag = flag;
        }

        static Op clock(Type type, long ms) {
            return new Op(type, 0, null, ms, 0, 0, 0, false);
        }

        @Override
        public String toString() {
            switch (type) {
                case PIPE:
                    return "PIPE(k=" + key + " " + mode + " " + ms + " a=" + amount + " o=" + other + " id=" + id
                        + (flag ? " F" : "") + ")";
                case READ:
                    return "READ(k=" + key + " edge=" + ms + ")";
                case DELETE:
                    return "DELETE(k=" + key + ")";
                default:
                    return type + "(" + ms + ")";
            }
        }
    }

    static FeatureSet<Ev> definition(Params p) {
        Window w1 = Window.sliding(Duration.ofMillis(p.tileMs * p.tiles)).tiles(Duration.ofMillis(p.tileMs));
        Window w2 = Window.sliding(Duration.ofMinutes(1));
        // 61 s has no default granularity: it must still be usable with explicit tiles.
        Window w3 = Window.sliding(Duration.ofSeconds(61)).tiles(Duration.ofSeconds(1));
        Duration hl = Duration.ofMillis(p.halfLifeMs);
        FeatureSetBuilder<Ev> b = p.textKey
            ? FeatureSet.builder("prop", Ev.class).textEntity("device", Ev::textKey).eventTime(Ev::timeMs)
            : FeatureSet.builder("prop", Ev.class).entity("user", Ev::key).eventTime(Ev::timeMs);
        return b.latest("last_amount", Ev::amount)
            .latest("last_flagged", Ev::amount).where(Ev::flag)
            .count("n_all")
            .count("n_w", w1)
            .count("n_w_flag", w1).where(Ev::flag)
            .count("n_w3", w3)
            .sum("sum_all", Ev::amount)
            .sum("sum_w", Ev::amount, w1)
            .sum("sum_w2", Ev::amount, w2)
            .sum("other_flag", Ev::other).where(Ev::flag)
            .min("min_all", Ev::amount)
            .min("min_w", Ev::amount, w1)
            .max("max_all", Ev::amount)
            .max("max_w2_flag", Ev::amount, w2).where(Ev::flag)
            .mean("mean_all", Ev::amount)
            .mean("mean_w", Ev::amount, w1)
            .variance("var_all", Ev::amount)
            .variance("var_w", Ev::amount, w1)
            .stddev("std_w2_flag", Ev::amount, w2).where(Ev::flag)
            // On w1, not the 61-tile w3 (nor p25 below on the 30-tile w2): with every kind, the row at the largest
            // params (6 tiles, distinct precision 10) must stay within MAX_ROW_BYTES; n_w3 and the w2 features keep
            // the 61- and 30-tile rings covered.
            .stddev("std_w_other", Ev::other, w1)
            .firstSeen("first_seen")
            .firstSeen("first_flag").where(Ev::flag)
            .lastSeen("last_seen")
            .lastSeen("last_unflagged").where(e -> !e.flag)
            .lastN("recent", Ev::id, p.lastN)
            .lastN("recent_flag", Ev::id, 2).where(Ev::flag)
            .latestCategory("last_device", Ev::category, Categories.of("ios", "android", "web", "ключ"))
            .latestCategory("last_device_flag", Ev::category, Categories.of("web", "tv").oneHot()).where(Ev::flag)
            .latestCategory("last_text", Ev::category, Categories.utf8(7))
            .lastNCategories("recent_devices", Ev::category, Categories.of("ios", "\u20ac\u20ac\u20ac"), p.lastN)
            .lastNCategories("recent_text", Ev::category, Categories.utf8(5), 3).where(e -> !e.flag)
            .decayedCount("decayed_n", hl)
            .decayedSum("decayed_sum", Ev::amount, hl)
            .decayedSum("decayed_flag", Ev::amount, hl).where(Ev::flag)
            .distinctApprox("distinct_all", Ev::id)
            .distinctApprox("distinct_w", Ev::id, w1, p.precision)
            // Amounts run from -250 to 250: the ranges put some below (all negatives and 0) and some above them.
            .quantile("p90_w", Ev::amount, w1, Quantile.of(0.9).range(0.25, 200))
            .quantile("p50_all", Ev::amount, Window.lifetime(), Quantile.of(0.5).relativeError(0.05).range(1, 1000))
            .quantile("p25_w_flag", Ev::amount, w1, Quantile.of(0.25).relativeError(0.05).range(0.5, 100))
                .where(Ev::flag)
            // Ids are 0..40: 48 lifetime counters count exactly; 4 or 2 per tile overflow in busy tiles.
            .topK("top_all", Ev::id, Window.lifetime(), 3, 48)
            .topK("top_w", Ev::id, w1, 2, 4)
            .topK("top_w_flag", Ev::id, w1, 2, 2).where(Ev::flag)
            // One and two counters: most tiles overflow, so the bounded comparison runs often, not only the exact one.
            .topK("top_w_one", Ev::id, w1, 1, 1)
            .topK("top_all_two", Ev::id, Window.lifetime(), 2, 2)
            .derived("flag_ratio", d -> d.ratio("n_w_flag", "n_w"))
            .derived("sum_diff", d -> d.difference("sum_w", "sum_all"))
            .derived("since_flag", d -> d.timeSince("last_flagged"))
            .derived("since_min_w", d -> d.timeSince("min_w"))
            .derived("distinct_per_event", d -> d.ratio("distinct_w", "n_w"))
            .derived("since_ratio", d -> d.timeSince("flag_ratio"))
            .derived("p90_over_mean", d -> d.ratio("p90_w", "mean_w"))
            .staleAfter(Duration.ofMillis(STALE_AFTER_MS))
            .ttl(Duration.ofMillis(TTL_MS))
            .futureSkew(Duration.ofMillis(p.skewMs))
            .build();
    }

    @Property(tries = 1000)
    void kernelMatchesReferenceModel(@ForAll("params") Params p, @ForAll("scenarios") List<Op> ops) {
        new Run(p).play(ops);
        // The generators must keep reaching every outcome, or the comparison proves little.
        Statistics.label("apply").coverage(c -> {
            for (String code : new String[] {"APPLIED", "APPLIED_LATE", "REJECTED_NEGATIVE_TIME", "REJECTED_FUTURE",
                "REJECTED_NON_FINITE"}) {
                c.check(code).count(n -> n > 0);
            }
        });
        Statistics.label("read").coverage(c -> {
            for (VectorStatus s : new VectorStatus[] {VectorStatus.FRESH, VectorStatus.STALE, VectorStatus.MISSING}) {
                c.check(s).count(n -> n > 0);
            }
        });
    }

    /** Fewer, longer streams over fewer keys: last-N overflow, many distinct ids, long-lived windows. */
    @Property(tries = 60)
    void kernelMatchesReferenceModelOnLongStreams(@ForAll("params") Params p, @ForAll("longScenarios") List<Op> ops) {
        new Run(p).play(ops);
    }

    /** The same comparison, much longer: {@code mvn -Psoak -pl sdk-core test}. */
    @Property(tries = 20_000)
    @Tag("soak")
    void kernelMatchesReferenceModelSoak(@ForAll("params") Params p, @ForAll("scenarios") List<Op> ops) {
        new Run(p).play(ops);
    }

    @Provide
    Arbitrary<Params> params() {
        return Combinators.combine(
            Arbitraries.of(1_000L, 2_000L, 5_000L),
            Arbitraries.of(1, 2, 3, 4, 6),
            Arbitraries.of(1, 2, 5),
            Arbitraries.of(5_000L, 30_000L, 600_000L),
            Arbitraries.of(4, 7, 10),
            Arbitraries.of(0L, 3_000L, 60_000L),
            Arbitraries.of(false, true),
            // Near 0 (negative times and epoch 0 within reach) or at today's epoch milliseconds.
            Arbitraries.oneOf(Arbitraries.longs().between(0, 2_000_000),
                Arbitraries.longs().between(1_700_000_000_000L, 1_800_000_000_000L))).as(Params::new);
    }

    @Provide
    Arbitrary<List<Op>> scenarios() {
        return ops(KEYS).list().ofMinSize(10).ofMaxSize(300);
    }

    @Provide
    Arbitrary<List<Op>> longScenarios() {
        return ops(2).list().ofMinSize(500).ofMaxSize(2_000);
    }

    private static Arbitrary<Op> ops(int keys) {
        Arbitrary<Double> amount = Arbitraries.frequencyOf(
            Tuple.of(40, Arbitraries.integers().between(-1000, 1000).map(i -> i / 4.0)),
            Tuple.of(1, Arbitraries.of(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY)));
        Arbitrary<Double> other = Arbitraries.frequencyOf(
            Tuple.of(20, Arbitraries.integers().between(-50, 50).map(i -> (double) i)),
            Tuple.of(1, Arbitraries.of(Double.NaN, Double.NEGATIVE_INFINITY)));
        Arbitrary<TimeMode> mode = Arbitraries.frequencyOf(
            Tuple.of(12, Arbitraries.just(TimeMode.RECENT)),
            Tuple.of(3, Arbitraries.just(TimeMode.OLD)),
            Tuple.of(2, Arbitraries.just(TimeMode.SAME_AS_LAST)),
            Tuple.of(3, Arbitraries.just(TimeMode.TILE_EDGE)),
            Tuple.of(2, Arbitraries.just(TimeMode.AROUND_SKEW)),
            Tuple.of(1, Arbitraries.just(TimeMode.NEGATIVE)));
        Arbitrary<Op> pipe = Combinators.combine(
            Arbitraries.integers().between(1, keys),
            mode,
            Arbitraries.longs().between(0, 40_000),
            amount,
            other,
            Arbitraries.longs().between(0, 40),
            Arbitraries.of(false, true)).as((k, m, ms, a, o, id, f) -> new Op(Type.PIPE, k, m, ms, a, o, id, f));
        Arbitrary<Op> small = Arbitraries.longs().between(0, 3_000).map(ms -> Op.clock(Type.ADVANCE, ms));
        Arbitrary<Op> gap = Arbitraries.longs().between(60_000, 400_000).map(ms -> Op.clock(Type.ADVANCE, ms));
        Arbitrary<Op> back = Arbitraries.longs().between(1, 60_000).map(ms -> Op.clock(Type.JUMP_BACK, ms));
        Arbitrary<Op> read = Combinators.combine(Arbitraries.integers().between(0, keys + 1),
            Arbitraries.longs().between(0, 6)).as((k, edge) -> new Op(Type.READ, k, null, edge, 0, 0, 0, false));
        Arbitrary<Op> evict = Arbitraries.just(Op.clock(Type.EVICT, 0));
        Arbitrary<Op> delete = Arbitraries.integers().between(0, keys + 1)
            .map(k -> new Op(Type.DELETE, k, null, 0, 0, 0, 0, false));
        return Arbitraries.frequencyOf(
            Tuple.of(1, delete),
            Tuple.of(14, pipe),
            Tuple.of(3, small),
            Tuple.of(1, gap),
            Tuple.of(1, back),
            Tuple.of(5, read),
            Tuple.of(1, evict));
    }

    /** One scenario against a fresh driver and model. */
    private static final class Run {
        private final Params p;
        private final FeatureSet<Ev> set;
        private final FeatureTestDriver<Ev> driver;
        private final ReferenceModel<Ev> model;
        private long now;
        private long lastEventMs = -1;
        private long maxEventMs = -1;
        private final List<String> history = new ArrayList<>();

        Run(Params p) {
            this.p = p;
            this.set = definition(p);
            this.now = p.startMs;
            this.driver = FeatureTestDriver.create(set, now);
            this.model = new ReferenceModel<>(set);
        }

        void play(List<Op> ops) {
            for (Op op : ops) {
                history.add(op + " @now=" + now);
                switch (op.type) {
                    case PIPE:
                        pipe(op);
                        break;
                    case ADVANCE:
                        now += op.ms;
                        break;
                    case JUMP_BACK:
                        now = Math.min(now, Math.max(Math.max(0, maxEventMs - MAX_BEHIND_MS), now - op.ms));
                        break;
                    case READ:
                        read(op.key, op.ms);
                        break;
                    case DELETE: {
                        boolean expected = p.textKey ? model.delete(Ev.textKey(op.key)) : model.delete((long) op.key);
                        boolean actual = p.textKey ? driver.delete(Ev.textKey(op.key)) : driver.delete(op.key);
                        assertThat(actual).as("delete of key %d", op.key).isEqualTo(expected);
                        Statistics.label("delete").collect(actual ? "FOUND" : "ABSENT");
                        break;
                    }
                    default:
                        driver.setTime(now);
                        assertThat(driver.evictIdle()).as("evicted at now=%d", now).isEqualTo(model.evictIdle(now));
                        assertThat(driver.keyCount()).isEqualTo(model.keys().size());
                        break;
                }
            }
            // A final sweep over every key at the clock, one window later and long after.
            long end = now;
            for (long r : new long[] {end, end + p.tileMs * p.tiles, end + 3_600_000}) {
                now = r;
                for (int k = 0; k <= KEYS + 1; k++) {
                    read(k, 0);
                }
            }
            assertThat(driver.appliedCount()).as("applied").isEqualTo(model.appliedCount());
            assertThat(driver.lateCount()).as("late").isEqualTo(model.lateCount());
            assertThat(driver.rejectedCount()).as("rejected").isEqualTo(model.rejectedCount());
            assertThat(driver.keyCount()).as("keys").isEqualTo(model.keys().size());
        }

        private void pipe(Op op) {
            long t;
            switch (op.mode) {
                case RECENT:
                    t = now + 2_000 - op.ms;
                    break;
                case OLD:
                    t = now - 30_000 - op.ms * 5;
                    break;
                case SAME_AS_LAST:
                    t = lastEventMs >= 0 ? lastEventMs : now;
                    break;
                case TILE_EDGE: {
                    long g = op.ms % 2 == 0 ? p.tileMs : WINDOW2_TILE_MS;
                    t = (Math.floorDiv(now, g) - (op.ms / 2) % 4) * g + (op.ms / 8) % 3 - 1;
                    break;
                }
                case AROUND_SKEW:
                    t = now + p.skewMs + op.ms % 2_001 - 1_000;
                    break;
                default:
                    t = -1 - op.ms;
                    break;
            }
            Ev e = new Ev(op.key, t, op.amount, op.other, op.id, op.flag);
            driver.setTime(now);
            int expected = model.apply(e, now);
            int actual = driver.pipe(e);
            if (actual != expected) {
                throw new AssertionError("pipe " + e + " at now=" + now + ": code expected=" + expected + " actual="
                    + actual + "\nhistory:\n  " + String.join("\n  ", history));
            }
            Statistics.label("apply").collect(codeName(actual));
            if (actual >= 0) {
                lastEventMs = t;
                maxEventMs = Math.max(maxEventMs, t);
            }
        }

        /** Reads at the clock (edge 0) or on a tile boundary of window 1 (edges 1-3) or window 2 (edges 4-6). */
        private void read(int key, long edge) {
            if (edge > 0) {
                long g = edge <= 3 ? p.tileMs : WINDOW2_TILE_MS;
                now = Math.max(0, Math.floorDiv(now, g) * g + (edge - 1) % 3 - 1);
            }
            driver.setTime(now);
            FeatureVector v = p.textKey ? driver.read(Ev.textKey(key)) : driver.read(key);
            ReferenceModel.Expected expected = p.textKey ? model.expected(Ev.textKey(key), now)
                : model.expected(key, now);
            Statistics.label("read").collect(expected.status());
            try {
                expected.assertMatches(v);
            } catch (AssertionError err) {
                throw new AssertionError(err.getMessage() + "\n" + p + "\nhistory:\n  " + String.join("\n  ", history),
                    err);
            }
        }
    }

    private static String codeName(int code) {
        switch (code) {
            case FeatureTestDriver.APPLIED:
                return "APPLIED";
            case FeatureTestDriver.APPLIED_LATE:
                return "APPLIED_LATE";
            case FeatureTestDriver.REJECTED_NEGATIVE_TIME:
                return "REJECTED_NEGATIVE_TIME";
            case FeatureTestDriver.REJECTED_FUTURE:
                return "REJECTED_FUTURE";
            default:
                return "REJECTED_NON_FINITE";
        }
    }
}
