package io.freshet.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.internal.ServedAges;
import io.freshet.core.internal.kernel.EventPreparer;
import io.freshet.core.internal.kernel.Kernels;
import io.freshet.core.internal.kernel.PreparedEvent;
import io.freshet.core.internal.kernel.RowWriteKernel;
import io.freshet.core.spi.InMemoryRowStore;
import io.freshet.core.spi.ShardWriter;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/**
 * What a reader records while a metrics binder observes it: the age of every present row it returns and, when the
 * recorder times reads, the duration of every read (present or not, each key of a batch); nothing once the recorder
 * is removed.
 */
class FeatureReaderRecordingTest {
    private static final long NOW = 1_700_000_000_000L;
    /** What the slow clock spends per call: a read timed by the reader lasts at least this. */
    private static final long CLOCK_NS = TimeUnit.MICROSECONDS.toNanos(300);

    private final FeatureSet<Ev> set = FeatureSet.builder("recorded", Ev.class)
        .entity("user", Ev::key).eventTime(Ev::timeMs).count("n").build();
    private final InMemoryRowStore store = new InMemoryRowStore(StoreConfig.builder(set).capacity(100).build());

    private void apply(long key, long eventMs) {
        EventPreparer<Ev> preparer = Kernels.newPreparer(set);
        RowWriteKernel kernel = Kernels.newWriteKernel(set);
        PreparedEvent prepared = new PreparedEvent(Kernels.preparedCapacity(set));
        assertThat(preparer.prepare(new Ev(key, eventMs, 1), eventMs, NOW, prepared))
            .isEqualTo(EventPreparer.PREPARED);
        ShardWriter w = store.writer(0);
        assertThat(w.begin(key, ShardWriter.NO_SOURCE, 0, key)).isEqualTo(ShardWriter.BEGIN_OK);
        kernel.apply(prepared, w.row(), NOW);
        w.commit();
    }

    private static long total(long[] counts) {
        long n = 0;
        for (long c : counts) {
            n += c;
        }
        return n;
    }

    private static long[] readNs(ServedAges ages) {
        long[] counts = new long[ServedAges.BUCKETS];
        ages.copyReadNs(counts);
        return counts;
    }

    private static long[] servedAges(ServedAges ages) {
        long[] counts = new long[ServedAges.BUCKETS];
        ages.copyCounts(counts, new long[ServedAges.BUCKETS]);
        return counts;
    }

    @Test
    void aTimingRecorderCountsEveryReadAndEveryPresentRowsAge() {
        apply(1, NOW - 1_000);
        apply(2, NOW - 5_000);
        FeatureReader reader = new FeatureReader(set, store, new ManualClock(NOW));
        ServedAges ages = new ServedAges(true);
        reader.recordServedAges(ages);
        FeatureVector v = set.newVector();

        assertThat(reader.read(1, v)).isTrue();
        assertThat(reader.read(2, v)).isTrue();
        assertThat(reader.read(3, v)).isFalse();
        FeatureVector[] batch = {set.newVector(), set.newVector(), set.newVector()};
        assertThat(reader.read(new long[] {1, 9, 2}, batch)).isEqualTo(2);

        assertThat(total(readNs(ages))).as("every read, absent keys and each key of a batch too").isEqualTo(6);
        long[] served = servedAges(ages);
        assertThat(total(served)).as("present rows only").isEqualTo(4);
        Histogram h = new Histogram(1, TimeUnit.HOURS.toNanos(1), 3);
        ServedAges.addDifference(served, new long[ServedAges.BUCKETS], h);
        assertThat(h.getMinValue()).isBetween(1_000L * 94 / 100, 1_000L * 107 / 100);
        assertThat(h.getMaxValue()).isBetween(5_000L * 94 / 100, 5_000L * 107 / 100);

        reader.recordServedAges(null);
        reader.read(1, v);
        reader.read(new long[] {1, 2}, batch);
        assertThat(total(readNs(ages))).as("nothing once removed").isEqualTo(6);
        assertThat(total(servedAges(ages))).isEqualTo(4);
    }

    @Test
    void aRecorderOfAgesOnlyLeavesReadsUntimed() {
        apply(1, NOW - 1_000);
        FeatureReader reader = new FeatureReader(set, store, new ManualClock(NOW));
        ServedAges ages = new ServedAges(false);
        reader.recordServedAges(ages);
        FeatureVector v = set.newVector();

        assertThat(reader.read(1, v)).isTrue();
        assertThat(reader.read(7, v)).isFalse();

        assertThat(total(servedAges(ages))).isEqualTo(1);
        assertThat(total(readNs(ages))).isZero();
    }

    /** The timed span covers the clock call and the store's read: with a clock that takes 300 µs, no read is faster. */
    @Test
    void aReadsDurationIsTheTimeTheCallerWaitedInNanoseconds() {
        apply(1, NOW - 1_000);
        EpochClock slow = () -> {
            long until = System.nanoTime() + CLOCK_NS;
            while (System.nanoTime() - until < 0) {
                Thread.onSpinWait();
            }
            return NOW;
        };
        FeatureReader reader = new FeatureReader(set, store, slow);
        ServedAges ages = new ServedAges(true);
        reader.recordServedAges(ages);
        FeatureVector v = set.newVector();
        for (int i = 0; i < 5; i++) {
            reader.read(i % 2 == 0 ? 1 : 4, v);
        }

        Histogram h = new Histogram(1, TimeUnit.HOURS.toNanos(1), 3);
        ServedAges.addDifference(readNs(ages), new long[ServedAges.BUCKETS], h);
        assertThat(h.getTotalCount()).isEqualTo(5);
        // A bucket's middle is within 3.2 % of any value in it.
        assertThat(h.getMinValue()).isGreaterThanOrEqualTo(CLOCK_NS * 96 / 100);
    }
}
