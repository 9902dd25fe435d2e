package io.freshet.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshet.core.internal.CoreInternals;
import io.freshet.core.internal.kernel.EventPreparer;
import io.freshet.core.internal.kernel.Kernels;
import io.freshet.core.internal.kernel.PreparedEvent;
import io.freshet.core.internal.kernel.RowWriteKernel;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.testing.TestApplier;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.junit.jupiter.api.Test;

/**
 * The seam between the two halves of an apply: events prepared on one thread and applied on another, through reused
 * {@link PreparedEvent}s that a hand-off publishes, give the same row bytes as both halves on one thread; and one
 * prepared event sized for the largest set carries the events of several sets.
 */
class PreparedHandOffTest {
    private static final long NOW = 10_000_000;

    private static FeatureSet<Ev> wide() {
        Window w = Window.sliding(Duration.ofSeconds(20)).tiles(Duration.ofSeconds(2));
        return FeatureSet.builder("wide", Ev.class)
            .entity("user", Ev::key)
            .eventTime(Ev::timeMs)
            .latest("last", Ev::amount)
            .count("n", w)
            .sum("total", Ev::amount, w)
            .min("lo", Ev::amount, w)
            .max("hi", Ev::amount)
            .mean("avg", Ev::other, w)
            .firstSeen("first")
            .lastN("recent", Ev::id, 3)
            .decayedSum("ds", Ev::amount, Duration.ofSeconds(30))
            .distinctApprox("ids", Ev::id, w)
            .count("flagged").where(e -> e.flag)
            .build();
    }

    private static FeatureSet<Ev> narrow() {
        return FeatureSet.builder("narrow", Ev.class)
            .entity("user", Ev::key)
            .eventTime(Ev::timeMs)
            .sum("total", Ev::other)
            .build();
    }

    private static Ev[] events(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Ev[] out = new Ev[n];
        for (int i = 0; i < n; i++) {
            out[i] = new Ev(1, NOW - 60_000 + i * 97L - r.nextInt(5_000), r.nextInt(100) - 20, r.nextInt(10),
                r.nextInt(50), r.nextBoolean());
        }
        return out;
    }

    private static RowBuffer newRow(FeatureSet<?> set) {
        RowBuffer row = RowBuffer.allocateHeap(set.rowSizeBytes());
        CoreInternals.layoutOf(set).initRow(row);
        return row;
    }

    @Test
    void preparingOnOneThreadAndApplyingOnAnotherGivesTheSameRow() throws Exception {
        FeatureSet<Ev> set = wide();
        Ev[] events = events(2_000, 7);
        RowBuffer expected = newRow(set);
        TestApplier<Ev> single = TestApplier.of(set);
        for (Ev e : events) {
            single.apply(e, e.timeMs, expected, NOW);
        }

        // Two reused slots, as a hand-off ring would: the queues' put/take publish each one.
        BlockingQueue<PreparedEvent> free = new ArrayBlockingQueue<>(2);
        BlockingQueue<PreparedEvent> full = new ArrayBlockingQueue<>(2);
        free.put(new PreparedEvent(Kernels.preparedCapacity(set)));
        free.put(new PreparedEvent(Kernels.preparedCapacity(set)));
        PreparedEvent end = new PreparedEvent(0);
        Thread consumer = new Thread(() -> {
            EventPreparer<Ev> preparer = Kernels.newPreparer(set);
            try {
                for (Ev e : events) {
                    PreparedEvent slot = free.take();
                    if (preparer.prepare(e, e.timeMs, NOW, slot) == EventPreparer.PREPARED) {
                        full.put(slot);
                    } else {
                        free.put(slot);
                    }
                }
                full.put(end);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
        }, "consumer");
        consumer.start();
        RowWriteKernel kernel = Kernels.newWriteKernel(set);
        RowBuffer row = newRow(set);
        for (PreparedEvent p = full.take(); p != end; p = full.take()) {
            kernel.apply(p, row, NOW);
            free.put(p);
        }
        consumer.join();
        assertThat(row.contentEquals(expected, expected.lengthBytes())).isTrue();
    }

    @Test
    void onePreparedEventCarriesTheEventsOfSeveralSets() {
        FeatureSet<Ev> wide = wide();
        FeatureSet<Ev> narrow = narrow();
        PreparedEvent shared = new PreparedEvent(Math.max(Kernels.preparedCapacity(wide),
            Kernels.preparedCapacity(narrow)));
        EventPreparer<Ev> pw = Kernels.newPreparer(wide);
        EventPreparer<Ev> pn = Kernels.newPreparer(narrow);
        RowWriteKernel kw = Kernels.newWriteKernel(wide);
        RowWriteKernel kn = Kernels.newWriteKernel(narrow);
        RowBuffer rw = newRow(wide);
        RowBuffer rn = newRow(narrow);
        RowBuffer ew = newRow(wide);
        RowBuffer en = newRow(narrow);
        TestApplier<Ev> tw = TestApplier.of(wide);
        TestApplier<Ev> tn = TestApplier.of(narrow);
        for (Ev e : events(500, 11)) {
            if (pw.prepare(e, e.timeMs, NOW, shared) == EventPreparer.PREPARED) {
                kw.apply(shared, rw, NOW);
            }
            if (pn.prepare(e, e.timeMs, NOW, shared) == EventPreparer.PREPARED) {
                kn.apply(shared, rn, NOW);
            }
            tw.apply(e, e.timeMs, ew, NOW);
            tn.apply(e, e.timeMs, en, NOW);
        }
        assertThat(rw.contentEquals(ew, ew.lengthBytes())).isTrue();
        assertThat(rn.contentEquals(en, en.lengthBytes())).isTrue();
    }

    @Test
    void aPreparedEventTooSmallForTheSetIsRefusedAndAnUnpreparedOneIsNotApplied() {
        FeatureSet<Ev> set = wide();
        PreparedEvent small = new PreparedEvent(Kernels.preparedCapacity(set) - 1);
        Ev e = new Ev(1, NOW, 1, 1, 1, false);
        assertThatThrownBy(() -> Kernels.newPreparer(set).prepare(e, e.timeMs, NOW, small))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("capacity=");
        assertThat(small.eventTimeMs()).isEqualTo(FeatureVector.NO_TIME);
        assertThatThrownBy(() -> Kernels.newWriteKernel(set).apply(small, newRow(set), NOW))
            .isInstanceOf(IllegalStateException.class);
    }
}
