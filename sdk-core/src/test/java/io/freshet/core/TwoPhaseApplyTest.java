package io.freshet.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshet.core.internal.kernel.EventPreparer;
import io.freshet.core.internal.kernel.RowWriteKernel;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.testing.ReferenceModel;
import io.freshet.core.testing.TestApplier;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The two-phase apply: user code runs in prepare() only, so a throwing extractor or filter, or a rejected event,
 * leaves the row byte-for-byte as it was; and text keys end to end through the test driver.
 */
class TwoPhaseApplyTest {
    private static final long NOW = 5_000_000;

    /** Thrown by the test's extractors on purpose. */
    static final class Boom extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Boom(String message) {
            super(message);
        }
    }

    private static FeatureSet<Ev> richSet() {
        Window w = Window.sliding(Duration.ofSeconds(10)).tiles(Duration.ofSeconds(2));
        return FeatureSet.builder("atomic", Ev.class)
            .entity("user", Ev::key)
            .eventTime(Ev::timeMs)
            .latest("last", Ev::amount)
            .count("n", w)
            .sum("total", Ev::amount, w)
            .min("lo", Ev::amount)
            .max("hi", Ev::amount, w)
            .mean("avg", Ev::amount)
            .firstSeen("first")
            .lastSeen("last_seen")
            .lastN("recent", Ev::id, 4)
            .decayedCount("dc", Duration.ofSeconds(30))
            .decayedSum("ds", Ev::amount, Duration.ofSeconds(30))
            .distinctApprox("ids", Ev::id, w)
            // Declared last so that every earlier feature has already been prepared when it throws.
            .sum("risky", e -> {
                if (e.other < 0) {
                    throw new Boom("value extractor failed for " + e);
                }
                return e.other;
            })
            .count("filtered").where(e -> {
                if (e.id == 666) {
                    throw new Boom("filter failed for " + e);
                }
                return e.flag;
            })
            .build();
    }

    private static RowBuffer populatedRow(FeatureSet<Ev> set, TestApplier<Ev> applier) {
        RowBuffer row = RowBuffer.allocateHeap(set.rowLayout().rowSizeBytes());
        set.rowLayout().initRow(row);
        for (int i = 0; i < 20; i++) {
            Ev e = new Ev(1, NOW - 30_000 + i * 1_700L, i - 7, i, i % 6, i % 3 == 0);
            assertThat(applier.apply(e, set.eventTimeOf(e), row, NOW)).isGreaterThanOrEqualTo(0);
        }
        return row;
    }

    private static RowBuffer copyOf(RowBuffer row) {
        RowBuffer copy = RowBuffer.allocateHeap(row.lengthBytes());
        copy.copyFrom(row, row.lengthBytes());
        return copy;
    }

    @Test
    void throwingValueExtractorLeavesTheRowUntouched() {
        FeatureSet<Ev> set = richSet();
        TestApplier<Ev> applier = TestApplier.of(set);
        RowBuffer row = populatedRow(set, applier);
        RowBuffer before = copyOf(row);

        Ev bad = new Ev(1, NOW - 100, 1, -1, 3, true);
        assertThatThrownBy(() -> applier.prepare(bad, bad.timeMs, NOW)).isInstanceOf(Boom.class)
            .hasMessageStartingWith("value extractor failed");
        assertThat(row.contentEquals(before, row.lengthBytes())).isTrue();
        assertThatThrownBy(() -> applier.apply(bad, bad.timeMs, row, NOW)).isInstanceOf(Boom.class);
        assertThat(row.contentEquals(before, row.lengthBytes())).as("apply() too").isTrue();
        assertThat(applier.preparedEventTimeMs()).isEqualTo(FeatureVector.NO_TIME);
    }

    @Test
    void throwingFilterLeavesTheRowUntouched() {
        FeatureSet<Ev> set = richSet();
        TestApplier<Ev> applier = TestApplier.of(set);
        RowBuffer row = populatedRow(set, applier);
        RowBuffer before = copyOf(row);

        Ev bad = new Ev(1, NOW - 100, 1, 1, 666, true);
        assertThatThrownBy(() -> applier.apply(bad, bad.timeMs, row, NOW)).isInstanceOf(Boom.class)
            .hasMessageStartingWith("filter failed");
        assertThat(row.contentEquals(before, row.lengthBytes())).isTrue();
    }

    @Test
    void aFailedPrepareDiscardsTheEventPreparedBefore() {
        FeatureSet<Ev> set = richSet();
        TestApplier<Ev> applier = TestApplier.of(set);
        RowBuffer row = populatedRow(set, applier);
        RowBuffer before = copyOf(row);

        Ev good = new Ev(1, NOW - 50, 2, 2, 1, false);
        assertThat(applier.prepare(good, good.timeMs, NOW)).isEqualTo(EventPreparer.PREPARED);
        assertThat(applier.preparedEventTimeMs()).isEqualTo(NOW - 50);
        Ev bad = new Ev(1, NOW - 100, 1, -1, 3, true);
        assertThatThrownBy(() -> applier.prepare(bad, bad.timeMs, NOW)).isInstanceOf(Boom.class);
        // The good event must not be applied by a caller that ignores the exception and applies anyway.
        assertThatThrownBy(() -> applier.applyPrepared(row, NOW)).isInstanceOf(IllegalStateException.class)
            .hasMessage("no event prepared: call prepare() and check it returned PREPARED");
        assertThat(row.contentEquals(before, row.lengthBytes())).isTrue();
    }

    @Test
    void rejectedEventsLeaveTheRowUntouchedAndNothingPrepared() {
        FeatureSet<Ev> set = richSet();
        TestApplier<Ev> applier = TestApplier.of(set);
        RowBuffer row = populatedRow(set, applier);
        RowBuffer before = copyOf(row);
        long skew = set.futureSkewMs();

        Ev[] rejected = {
            new Ev(1, -1, 1, 1, 1, false),
            new Ev(1, NOW + skew + 1, 1, 1, 1, false),
            new Ev(1, NOW, Double.NaN, 1, 1, false),
            new Ev(1, NOW, Double.POSITIVE_INFINITY, 1, 1, false),
            new Ev(1, NOW, 1, Double.POSITIVE_INFINITY, 1, false),
        };
        int[] codes = {EventPreparer.REJECTED_NEGATIVE_TIME, EventPreparer.REJECTED_FUTURE,
            EventPreparer.REJECTED_NON_FINITE,
            EventPreparer.REJECTED_NON_FINITE, EventPreparer.REJECTED_NON_FINITE};
        for (int i = 0; i < rejected.length; i++) {
            Ev e = rejected[i];
            assertThat(applier.apply(e, e.timeMs, row, NOW)).as(e.toString()).isEqualTo(codes[i]);
            assertThat(row.contentEquals(before, row.lengthBytes())).as(e.toString()).isTrue();
            assertThatThrownBy(() -> applier.applyPrepared(row, NOW)).isInstanceOf(IllegalStateException.class);
        }
        // Exactly at the skew is accepted.
        Ev edge = new Ev(1, NOW + skew, 1, 1, 1, false);
        assertThat(applier.apply(edge, edge.timeMs, row, NOW)).isEqualTo(RowWriteKernel.APPLIED);
        assertThat(row.contentEquals(before, row.lengthBytes())).isFalse();
    }

    @Test
    void applyPreparedNeedsAPreparedEventEachTime() {
        FeatureSet<Ev> set = richSet();
        TestApplier<Ev> applier = TestApplier.of(set);
        RowBuffer row = RowBuffer.allocateHeap(set.rowLayout().rowSizeBytes());
        set.rowLayout().initRow(row);
        assertThatThrownBy(() -> applier.applyPrepared(row, NOW)).isInstanceOf(IllegalStateException.class);
        Ev e = new Ev(1, NOW, 1, 1, 1, false);
        assertThat(applier.prepare(e, e.timeMs, NOW)).isEqualTo(EventPreparer.PREPARED);
        assertThat(applier.applyPrepared(row, NOW)).isEqualTo(RowWriteKernel.APPLIED);
        assertThatThrownBy(() -> applier.applyPrepared(row, NOW)).as("not twice").isInstanceOf(
            IllegalStateException.class);
    }

    @Test
    void throwingExtractorInTheDriverChangesNothing() {
        FeatureSet<Ev> set = richSet();
        FeatureTestDriver<Ev> driver = FeatureTestDriver.create(set, NOW);
        ReferenceModel<Ev> model = new ReferenceModel<>(set);
        Ev ok = new Ev(1, NOW - 10, 3, 1, 9, true);
        assertThat(driver.pipe(ok)).isEqualTo(model.apply(ok, NOW));
        Ev bad = new Ev(2, NOW - 5, 3, -1, 9, true);
        assertThatThrownBy(() -> driver.pipe(bad)).isInstanceOf(Boom.class);
        assertThatThrownBy(() -> model.apply(bad, NOW)).isInstanceOf(Boom.class);
        assertThat(driver.keyCount()).isEqualTo(1);
        assertThat(model.keys()).containsExactly(1L);
        assertThat(driver.appliedCount()).isEqualTo(1);
        model.assertMatches(1, driver.read(1));
        model.assertMatches(2, driver.read(2));
    }

    @Test
    void textKeysWorkEndToEndIncludingNonAscii() {
        FeatureSet<Ev> set = FeatureSet.builder("devices", Ev.class)
            .textEntity("device", e -> e.id == 0 ? "plain" : e.id == 1 ? "ключ" : e.id == 2 ? "\uD83D\uDE00 émoji"
                : e.id == 3 ? "Ключ" : "\u20ac" + e.key)
            .eventTime(Ev::timeMs)
            .count("n")
            .sum("total", Ev::amount)
            .lastN("recent", Ev::key, 2)
            .build();
        FeatureTestDriver<Ev> driver = FeatureTestDriver.create(set, NOW);
        ReferenceModel<Ev> model = new ReferenceModel<>(set);
        long[][] events = {{0, 1}, {1, 2}, {1, 3}, {2, 4}, {3, 5}, {4, 6}, {4, 7}, {1, 8}};
        for (long[] ev : events) {
            Ev e = new Ev(ev[1], NOW - 100 + ev[1], ev[1] * 10, 0, ev[0], false);
            assertThat(driver.pipe(e)).isEqualTo(model.apply(e, NOW)).isEqualTo(RowWriteKernel.APPLIED);
        }
        assertThat(driver.keyCount()).isEqualTo(6);
        FeatureRef n = set.ref("n");
        FeatureRef total = set.ref("total");
        assertThat(driver.read("ключ").getLong(n)).isEqualTo(3);
        assertThat(driver.read(new StringBuilder("клю").append('ч')).getDouble(total)).isEqualTo(130.0);
        assertThat(driver.read("Ключ").getLong(n)).as("case matters").isEqualTo(1);
        assertThat(driver.read("\uD83D\uDE00 émoji").getLong(n)).isEqualTo(1);
        assertThat(driver.read("\u20ac6").getLong(n)).isEqualTo(1);
        assertThat(driver.read("plain").getLong(set.ref("recent"), 0)).isEqualTo(1);
        assertThat(driver.read("ключ").getLong(set.ref("recent"), 0)).isEqualTo(8);
        assertThat(driver.read("ключ").getLong(set.ref("recent"), 1)).isEqualTo(3);
        assertThat(driver.read("клю").status()).isEqualTo(VectorStatus.MISSING);
        assertThat(driver.read("").status()).isEqualTo(VectorStatus.MISSING);
        for (String key : List.of("plain", "ключ", "\uD83D\uDE00 émoji", "Ключ", "\u20ac6", "\u20ac7", "nope")) {
            model.assertMatches(key, driver.read(key));
        }
        assertThatThrownBy(() -> driver.read(1)).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("set=devices has a TEXT key: read it with a CharSequence key");
    }

    @Test
    void nullTextKeyIsRefusedWithoutAnEffect() {
        FeatureSet<Ev> set = FeatureSet.builder("devices", Ev.class)
            .textEntity("device", e -> e.flag ? null : "k")
            .eventTime(Ev::timeMs)
            .count("n")
            .build();
        FeatureTestDriver<Ev> driver = FeatureTestDriver.create(set, NOW);
        assertThatThrownBy(() -> driver.pipe(new Ev(1, NOW, 1, 0, 0, true))).isInstanceOf(NullPointerException.class)
            .hasMessage("text key extractor returned null");
        assertThat(driver.keyCount()).isZero();
        assertThat(driver.pipe(new Ev(1, NOW, 1, 0, 0, false))).isEqualTo(RowWriteKernel.APPLIED);
        assertThat(driver.read("k").getLong(set.ref("n"))).isEqualTo(1);
    }
}
