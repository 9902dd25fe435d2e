package io.freshet.store.table;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.FeatureReader;
import io.freshet.core.FeatureRef;
import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureVector;
import io.freshet.core.ManualClock;
import io.freshet.core.StoreConfig;
import io.freshet.core.Window;
import io.freshet.core.internal.CoreInternals;
import io.freshet.core.internal.kernel.EventPreparer;
import io.freshet.core.internal.kernel.Kernels;
import io.freshet.core.internal.kernel.PreparedEvent;
import io.freshet.core.internal.kernel.RowWriteKernel;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.ShardWriter;
import io.freshet.core.testing.ReferenceModel;
import io.freshet.store.TableStoreEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The served read of the table engine: {@link FeatureReader#read} evaluates the row in place under its seqlock
 * (no copy) and windowed count, sum, min, max and mean come from the suffix accumulators kept at apply time. Checked
 * against the plain {@link ReferenceModel} over random streams with 30-tile windows: in-order, out-of-order and late
 * events, gaps of many windows, reads before, at and after the newest tile, and restarts from the store's file in
 * the middle of a stream (the running state lives in the row). A concurrent test shows that a read racing the
 * writer never returns a mixed row.
 */
class TableServedReadTest {
    /** Minutes-long windows of 30 tiles, as served sets have them, and 4-tile ones that expire often. */
    static final FeatureSet<Pay> SET = FeatureSet.builder("served", Pay.class)
        .entity("user", Pay::user)
        .eventTime(Pay::timeMs)
        .latest("last_amount", Pay::amount)
        .count("n_5m", Window.sliding(Duration.ofMinutes(5)))
        .sum("sum_5m", Pay::amount, Window.sliding(Duration.ofMinutes(5)))
        .min("min_5m", Pay::amount, Window.sliding(Duration.ofMinutes(5)))
        .max("max_1h", Pay::amount, Window.sliding(Duration.ofHours(1)))
        .mean("mean_1h", Pay::amount, Window.sliding(Duration.ofHours(1)))
        .count("n_big_40s", Window.sliding(Duration.ofSeconds(40)).tiles(Duration.ofSeconds(10))).where(Pay::big)
        .mean("mean_40s", Pay::amount, Window.sliding(Duration.ofSeconds(40)).tiles(Duration.ofSeconds(10)))
        .count("n_total")
        .lastN("recent", Pay::merchant, 3)
        .decayedSum("decayed", Pay::amount, Duration.ofMinutes(10))
        .derived("last_vs_mean", d -> d.ratio("last_amount", "mean_1h"))
        .futureSkew(Duration.ofMinutes(2))
        .build();
    static final long START_MS = 1_764_000_000_000L;
    static final int KEYS = 4;

    @TempDir
    Path dir;

    /** One payment. */
    record Pay(long user, long timeMs, double amount, long merchant) {
        boolean big() {
            return amount > 50;
        }
    }

    private static StoreConfig config(Path d) {
        return StoreConfig.builder(SET).directory(d).capacity(100).shards(2).build();
    }

    /** A store, its writers' kernels and a reader over it, reopened at will. */
    static final class Served implements AutoCloseable {
        final Path dir;
        final ManualClock clock = new ManualClock(START_MS);
        final EventPreparer<Pay> preparer = Kernels.newPreparer(SET);
        final RowWriteKernel kernel = Kernels.newWriteKernel(SET);
        final PreparedEvent prepared = new PreparedEvent(Kernels.preparedCapacity(SET));
        final FeatureVector vector = SET.newVector();
        RowStore store;
        FeatureReader reader;
        long offset;

        Served(Path dir) {
            this.dir = dir;
            reopen();
        }

        void reopen() {
            if (store != null) {
                store.close();
            }
            store = new TableStoreEngine().open(config(dir));
            reader = CoreInternals.newReader(SET, store, clock);
        }

        /** @return the kernels' code (prepare rejection or apply result) */
        int apply(Pay p, long nowMs) {
            int code = preparer.prepare(p, p.timeMs(), nowMs, prepared);
            if (code < 0) {
                return code;
            }
            ShardWriter w = store.writer(store.shardOf(p.user()));
            assertThat(w.begin(p.user(), ShardWriter.NO_SOURCE, 0, offset++)).isEqualTo(ShardWriter.BEGIN_OK);
            code = kernel.apply(prepared, w.row(), nowMs);
            w.commit();
            return code;
        }

        @Override
        public void close() {
            store.close();
        }
    }

    @Property(tries = 40)
    void servedReadsMatchTheReferenceModelAcrossExpiryOutOfOrderLateAndRestarts(
        @ForAll long seed, @ForAll @IntRange(min = 50, max = 400) int steps) throws IOException {
        Path d = Files.createTempDirectory("freshet-served-read-");
        ReferenceModel<Pay> model = new ReferenceModel<>(SET);
        SplittableRandom r = new SplittableRandom(seed);
        try (Served s = new Served(d.resolve("s"))) {
            long now = START_MS;
            for (int step = 0; step < steps; step++) {
                int what = r.nextInt(100);
                if (what < 60) {
                    long key = r.nextInt(KEYS);
                    long t = eventTime(r, now);
                    Pay p = new Pay(key, t, Math.round(r.nextDouble(-20, 100) * 100) / 100.0, r.nextInt(10));
                    assertThat(s.apply(p, now)).as("apply %s at %d", p, now).isEqualTo(model.apply(p, now));
                } else if (what < 80) {
                    now += r.nextInt(4) == 0 ? r.nextLong(1, 3 * 3_600_000L) : r.nextLong(1, 20_000);
                } else if (what < 97) {
                    // Reads at now, before it (the newest tile may lie after the read) and after it (tiles expire
                    // with no event).
                    long at = now + (r.nextBoolean() ? 0 : r.nextLong(-400_000, 4_000_000));
                    s.clock.setMs(at);
                    for (long key = 0; key < KEYS; key++) {
                        s.reader.read(key, s.vector);
                        model.assertMatches(key, s.vector);
                    }
                } else {
                    s.reopen();
                }
            }
            s.clock.setMs(now);
            for (long key = 0; key < KEYS; key++) {
                s.reader.read(key, s.vector);
                model.assertMatches(key, s.vector);
            }
        } finally {
            deleteRecursively(d);
        }
    }

    /** Mostly just behind the clock; some out of order by up to a window, some late, some ahead (future skew). */
    private static long eventTime(SplittableRandom r, long now) {
        int mode = r.nextInt(100);
        long t;
        if (mode < 60) {
            t = now - r.nextLong(0, 2_000);
        } else if (mode < 85) {
            t = now - r.nextLong(0, 600_000);
        } else if (mode < 95) {
            t = now - r.nextLong(0, 5 * 3_600_000L);
        } else {
            t = now + r.nextLong(0, 150_000);
        }
        return Math.max(0, t);
    }

    @Test
    void aReadRacingTheWriterNeverSeesAMixedRow() throws Exception {
        // Events in time order with amounts 1, 2, 3, ...: in any consistent row the latest amount (near the row's
        // start) equals the lifetime count (near its end), and the 5-minute window holds a run of consecutive amounts,
        // so its sum is n * min + n (n - 1) / 2. The writer changes each apply's fields in row order, so a read that
        // mixed two versions breaks one of them. (Windows depend on the read time, taken before the row is read;
        // these relations hold at any read time.)
        try (Served s = new Served(dir.resolve("race"))) {
            FeatureRef last = SET.ref("last_amount");
            FeatureRef total = SET.ref("n_total");
            FeatureRef n5 = SET.ref("n_5m");
            FeatureRef sum5 = SET.ref("sum_5m");
            FeatureRef min5 = SET.ref("min_5m");
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong reads = new AtomicLong();
            AtomicReference<String> bad = new AtomicReference<>();
            s.apply(new Pay(7, START_MS, 1, 1), START_MS);
            Thread reader = new Thread(() -> {
                FeatureVector v = SET.newVector();
                FeatureReader rd = CoreInternals.newReader(SET, s.store, s.clock);
                while (!stop.get() && bad.get() == null) {
                    rd.read(7, v);
                    long n = v.getLong(n5);
                    boolean window = n == 0 || v.getDouble(sum5) == n * v.getDouble(min5) + n * (n - 1) / 2.0;
                    if ((long) v.getDouble(last) != v.getLong(total) || !window) {
                        bad.set(v.toString());
                    }
                    reads.incrementAndGet();
                }
            });
            reader.start();
            long now = START_MS;
            long applies = 1;
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (System.nanoTime() < deadline && bad.get() == null) {
                now += 10;
                s.clock.setMs(now);
                s.apply(new Pay(7, now, ++applies, applies & 7), now);
            }
            stop.set(true);
            reader.join();
            assertThat(bad.get()).as("a read mixed two versions of the row (%d reads, %d applies)", reads.get(),
                applies).isNull();
            assertThat(reads.get()).isPositive();
        }
    }

    private static void deleteRecursively(Path d) throws IOException {
        try (Stream<Path> walk = Files.walk(d)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
