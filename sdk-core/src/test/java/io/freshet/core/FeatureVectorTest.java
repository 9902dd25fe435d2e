package io.freshet.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The read-side flyweight: accessors, missing values, copy-out layout, status, TTL and ownership checks. */
class FeatureVectorTest {
    private static final long START = 1_000_000;

    private final FeatureSet<Ev> set = FeatureSet.builder("vec", Ev.class)
        .entity("user", Ev::key)
        .eventTime(Ev::timeMs)
        .latest("last_amount", Ev::amount)
        .count("n")
        .sum("total", Ev::amount)
        .min("smallest", Ev::amount, Window.sliding(Duration.ofSeconds(10)))
        .lastN("recent", Ev::id, 3)
        .firstSeen("first")
        .derived("avg_by_hand", d -> d.ratio("total", "n"))
        .derived("since_last", d -> d.timeSince("last_amount"))
        .staleAfter(Duration.ofSeconds(30))
        .ttl(Duration.ofMinutes(1))
        .build();
    private final FeatureRef lastAmount = set.ref("last_amount");
    private final FeatureRef n = set.ref("n");
    private final FeatureRef total = set.ref("total");
    private final FeatureRef smallest = set.ref("smallest");
    private final FeatureRef recent = set.ref("recent");
    private final FeatureRef first = set.ref("first");
    private final FeatureRef avg = set.ref("avg_by_hand");
    private final FeatureRef since = set.ref("since_last");
    private FeatureTestDriver<Ev> driver;

    @BeforeEach
    void setUp() {
        driver = FeatureTestDriver.create(set, START);
    }

    @Test
    void unknownKeyReadsAsMissingWithEveryValueEmpty() {
        FeatureVector v = driver.read(42);
        assertThat(v.status()).isEqualTo(VectorStatus.MISSING);
        assertThat(v.readTimeMs()).isEqualTo(START);
        assertThat(v.rowUpdatedMs()).isEqualTo(FeatureVector.NO_TIME);
        assertThat(v.rowEventTimeMs()).isEqualTo(FeatureVector.NO_TIME);
        for (FeatureRef r : set.refs()) {
            assertThat(v.isPresent(r)).as(r.name()).isFalse();
            assertThat(v.size(r)).as(r.name()).isZero();
            assertThat(v.getDouble(r)).as(r.name()).isNaN();
            assertThat(v.getLong(r)).as(r.name()).isEqualTo(FeatureVector.MISSING_LONG);
            assertThat(v.eventTimeMs(r)).as(r.name()).isEqualTo(FeatureVector.NO_TIME);
            assertThat(v.ageMs(r)).as(r.name()).isEqualTo(-1);
        }
        double[] out = new double[v.width()];
        v.copyTo(out);
        assertThat(out).containsOnly(Double.NaN);
        assertThat(driver.read(42, set.newVector())).isFalse();
    }

    @Test
    void presentValuesCarryTheirEventTimeAndAge() {
        driver.pipe(new Ev(1, START - 5_000, 2.5, 0, 11, false));
        driver.pipe(new Ev(1, START - 2_000, -1.25, 0, 12, false));
        driver.pipe(new Ev(1, START - 9_000, 4, 0, 13, false));
        driver.advance(Duration.ofSeconds(1));
        FeatureVector v = driver.read(1);
        long now = START + 1_000;

        assertThat(v.status()).isEqualTo(VectorStatus.FRESH);
        assertThat(v.readTimeMs()).isEqualTo(now);
        assertThat(v.rowUpdatedMs()).isEqualTo(START);
        assertThat(v.rowEventTimeMs()).isEqualTo(START - 2_000);

        assertThat(v.getDouble(lastAmount)).isEqualTo(-1.25);
        assertThat(v.getLong(lastAmount)).isEqualTo(-1);
        assertThat(v.eventTimeMs(lastAmount)).isEqualTo(START - 2_000);
        assertThat(v.ageMs(lastAmount)).isEqualTo(3_000);

        assertThat(v.getLong(n)).isEqualTo(3);
        assertThat(v.getDouble(n)).isEqualTo(3.0);
        assertThat(v.getDouble(total)).isEqualTo(5.25);
        assertThat(v.getLong(total)).as("rounded to nearest").isEqualTo(5);
        assertThat(v.getDouble(smallest)).isEqualTo(-1.25);
        assertThat(v.getLong(first)).isEqualTo(START - 9_000);
        assertThat(v.eventTimeMs(first)).isEqualTo(START - 2_000);
        assertThat(v.getDouble(avg)).isEqualTo(1.75);
        assertThat(v.getDouble(since)).isEqualTo(3_000.0);
        assertThat(v.eventTimeMs(since)).isEqualTo(START - 2_000);
        for (FeatureRef r : set.refs()) {
            assertThat(v.isPresent(r)).as(r.name()).isTrue();
        }
    }

    @Test
    void lastNPositionsAreNewestFirst() {
        FeatureVector v = driver.read(1);
        assertThat(v.size(recent)).isZero();
        driver.pipe(new Ev(1, START - 3_000, 0, 0, 100, false));
        driver.pipe(new Ev(1, START - 1_000, 0, 0, 101, false));
        v = driver.read(1);
        assertThat(v.size(recent)).isEqualTo(2);
        assertThat(v.getLong(recent, 0)).isEqualTo(101);
        assertThat(v.eventTimeMs(recent, 0)).isEqualTo(START - 1_000);
        assertThat(v.getLong(recent, 1)).isEqualTo(100);
        assertThat(v.eventTimeMs(recent, 1)).isEqualTo(START - 3_000);
        assertThat(v.getLong(recent, 2)).isEqualTo(FeatureVector.MISSING_LONG);
        assertThat(v.eventTimeMs(recent, 2)).isEqualTo(FeatureVector.NO_TIME);
        assertThat(v.getLong(recent, -1)).isEqualTo(FeatureVector.MISSING_LONG);
        assertThat(v.eventTimeMs(recent, 99)).isEqualTo(FeatureVector.NO_TIME);
        assertThat(v.getLong(recent)).as("newest id").isEqualTo(101);
        assertThat(v.getDouble(recent)).isEqualTo(101.0);
        assertThat(v.eventTimeMs(recent)).isEqualTo(START - 1_000);

        driver.pipe(new Ev(1, START - 2_000, 0, 0, 102, false));
        driver.pipe(new Ev(1, START - 5_000, 0, 0, 103, false));
        v = driver.read(1);
        assertThat(v.size(recent)).isEqualTo(3);
        assertThat(new long[] {v.getLong(recent, 0), v.getLong(recent, 1), v.getLong(recent, 2)})
            .containsExactly(101, 102, 100);
    }

    @Test
    void copyToWritesDeclarationOrderWithNanForMissing() {
        // Slots: last_amount 0, n 1, total 2, smallest 3, recent 4..6, first 7, avg 8, since 9.
        assertThat(set.vectorWidth()).isEqualTo(10);
        assertThat(recent.vectorOffset()).isEqualTo(4);
        assertThat(recent.vectorWidth()).isEqualTo(3);
        driver.pipe(new Ev(1, START - 20_000, 3, 0, 7, false));
        driver.pipe(new Ev(1, START - 15_000, 5, 0, 8, false));
        FeatureVector v = driver.read(1);
        assertThat(v.width()).isEqualTo(10);

        double[] out = new double[12];
        out[0] = -9;
        out[11] = -9;
        v.copyTo(out, 1);
        assertThat(out).containsExactly(-9, 5, 2, 8, Double.NaN, 8, 7, Double.NaN, START - 20_000, 4, 15_000, -9);

        float[] f = new float[10];
        v.copyTo(f);
        assertThat(f).containsExactly(5f, 2f, 8f, Float.NaN, 8f, 7f, Float.NaN, (float) (START - 20_000), 4f,
            15_000f);

        double[] exact = new double[10];
        v.copyTo(exact);
        assertThat(exact[1]).isEqualTo(v.getDouble(n));
        assertThatThrownBy(() -> v.copyTo(new double[9])).isInstanceOf(IndexOutOfBoundsException.class)
            .hasMessage("out.length=9 offset=0 width=10");
        assertThatThrownBy(() -> v.copyTo(new double[12], 3)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> v.copyTo(new double[12], -1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> v.copyTo(new float[10], 1)).isInstanceOf(IndexOutOfBoundsException.class)
            .hasMessage("out.length=10 offset=1 width=10");
    }

    @Test
    void toStringIsReadable() {
        driver.pipe(new Ev(1, START - 2_000, 1.5, 0, 5, false));
        driver.pipe(new Ev(1, START - 1_000, 2.0, 0, 6, false));
        assertThat(driver.read(1).toString()).isEqualTo("vec{status=FRESH, readTimeMs=1000000, "
            + "last_amount=2.0 (age 1000 ms), n=2 (age 1000 ms), total=3.5 (age 1000 ms), "
            + "smallest=1.5 (age 1000 ms), recent=[6, 5] (age 1000 ms), first=998000 (age 1000 ms), "
            + "avg_by_hand=1.75 (age 1000 ms), since_last=1000.0 (age 1000 ms)}");
        assertThat(driver.read(2).toString()).isEqualTo("vec{status=MISSING, readTimeMs=1000000, "
            + "last_amount=missing, n=missing, total=missing, smallest=missing, recent=[], first=missing, "
            + "avg_by_hand=missing, since_last=missing}");
    }

    @Test
    void emptyWindowAndZeroDenominatorReadAsMissing() {
        driver.pipe(new Ev(1, START - 1_000, 4, 0, 1, false));
        driver.advance(Duration.ofSeconds(20));
        FeatureVector v = driver.read(1);
        assertThat(v.isPresent(smallest)).as("window has moved past the only event").isFalse();
        assertThat(v.eventTimeMs(smallest)).isEqualTo(FeatureVector.NO_TIME);
        assertThat(v.getLong(n)).isEqualTo(1);

        FeatureSet<Ev> ratio = FeatureSet.builder("ratio", Ev.class).entity("user", Ev::key).eventTime(Ev::timeMs)
            .sum("a", Ev::amount).sum("b", Ev::other).derived("r", d -> d.ratio("a", "b"))
            .derived("diff", d -> d.difference("a", "b")).build();
        FeatureTestDriver<Ev> d = FeatureTestDriver.create(ratio, START);
        d.pipe(new Ev(1, START, 3, 0, 0, false));
        FeatureVector rv = d.read(1);
        assertThat(rv.isPresent(ratio.ref("r"))).isFalse();
        assertThat(rv.getDouble(ratio.ref("diff"))).isEqualTo(3.0);
        d.pipe(new Ev(1, START + 10, 0, -2, 0, false));
        assertThat(d.read(1).getDouble(ratio.ref("r"))).isEqualTo(-1.5);
        assertThat(d.read(1).eventTimeMs(ratio.ref("r"))).isEqualTo(START + 10);
    }

    @Test
    void staleAfterTheBoundSinceTheLastApply() {
        driver.pipe(new Ev(1, START - 50_000, 1));
        driver.advance(Duration.ofSeconds(30));
        assertThat(driver.read(1).status()).as("exactly at the bound").isEqualTo(VectorStatus.FRESH);
        driver.advance(Duration.ofMillis(1));
        FeatureVector v = driver.read(1);
        assertThat(v.status()).isEqualTo(VectorStatus.STALE);
        assertThat(v.getLong(n)).as("values still served").isEqualTo(1);
        // An apply refreshes it, even of an old event: staleness is about the feed, not event time.
        driver.pipe(new Ev(1, START - 60_000, 1));
        assertThat(driver.read(1).status()).isEqualTo(VectorStatus.FRESH);
    }

    @Test
    void idleRowsAreEvictedAfterTheTtl() {
        driver.pipe(new Ev(1, START, 1));
        driver.advance(Duration.ofSeconds(30));
        driver.pipe(new Ev(2, START, 1));
        driver.advance(Duration.ofSeconds(30));
        assertThat(driver.evictIdle()).as("key 1 idle exactly the TTL").isZero();
        driver.advance(Duration.ofMillis(1));
        assertThat(driver.evictIdle()).isEqualTo(1);
        assertThat(driver.keyCount()).isEqualTo(1);
        assertThat(driver.read(1).status()).isEqualTo(VectorStatus.MISSING);
        assertThat(driver.read(1).isPresent(n)).isFalse();
        assertThat(driver.read(2).getLong(n)).isEqualTo(1);
        // A new event starts the key from scratch.
        driver.pipe(new Ev(1, START + 60_000, 1));
        assertThat(driver.read(1).getLong(n)).isEqualTo(1);
        assertThat(driver.read(1).getLong(first)).isEqualTo(START + 60_000);
    }

    @Test
    void withoutTtlNothingIsEvicted() {
        FeatureSet<Ev> s = FeatureSet.builder("no_ttl", Ev.class).entity("user", Ev::key).eventTime(Ev::timeMs)
            .count("n").build();
        FeatureTestDriver<Ev> d = FeatureTestDriver.create(s, START);
        d.pipe(Ev.of(1, START));
        d.setTime(Long.MAX_VALUE / 2);
        assertThat(d.evictIdle()).isZero();
        assertThat(d.read(1).getLong(s.ref("n"))).isEqualTo(1);
    }

    @Test
    void refOrVectorOfAnotherSetIsRejected() {
        FeatureSet<Ev> other = FeatureSet.builder("other", Ev.class).entity("user", Ev::key).eventTime(Ev::timeMs)
            .count("n").build();
        FeatureVector v = driver.read(1);
        FeatureRef foreign = other.ref("n");
        assertThatThrownBy(() -> v.getLong(foreign)).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("feature=other.n belongs to another set than vec");
        assertThatThrownBy(() -> v.getDouble(foreign)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> v.isPresent(foreign)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> v.eventTimeMs(foreign)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> v.size(foreign)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> v.getLong(foreign, 0)).isInstanceOf(IllegalArgumentException.class);
        // Even an identical definition built twice is another set: refs are bound to their instance.
        FeatureSet<Ev> twin = FeatureSet.builder("other", Ev.class).entity("user", Ev::key).eventTime(Ev::timeMs)
            .count("n").build();
        FeatureVector tv = twin.newVector();
        assertThatThrownBy(() -> tv.getLong(foreign)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> driver.read(1, other.newVector())).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("vector of set=other passed to reader of set=vec");
    }

    @Test
    void aVectorIsReusedAcrossReads() {
        driver.pipe(new Ev(1, START, 1));
        FeatureVector mine = set.newVector();
        assertThat(mine.featureSet()).isSameAs(set);
        assertThat(mine.status()).isEqualTo(VectorStatus.MISSING);
        assertThat(driver.read(1, mine)).isTrue();
        assertThat(mine.getLong(n)).isEqualTo(1);
        assertThat(driver.read(2, mine)).isFalse();
        assertThat(mine.isPresent(n)).as("previous key's values are cleared").isFalse();
        assertThat(mine.getLong(recent, 0)).isEqualTo(FeatureVector.MISSING_LONG);
        assertThat(mine.status()).isEqualTo(VectorStatus.MISSING);
    }

    @Test
    void positionalGetOnAScalarIsTheValueAtPositionZeroOnly() {
        driver.pipe(new Ev(1, START, 12.75, 0, 9, false));
        FeatureVector v = driver.read(1);
        assertThat(v.getLong(lastAmount, 0)).isEqualTo(13);
        assertThat(v.getLong(n, 0)).isEqualTo(1);
        assertThat(v.getLong(n, 1)).isEqualTo(FeatureVector.MISSING_LONG);
        assertThat(v.getLong(recent, 0)).isEqualTo(9);
    }
}
