package io.freshet.core.internal.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureSetBuilder;
import io.freshet.core.Window;
import io.freshet.core.internal.CoreInternals;
import io.freshet.core.internal.MappedMemory;
import io.freshet.core.internal.Memory;
import io.freshet.core.spi.RowBuffer;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The apply kernel of issue 18 point 5 writes the same row bytes as the kernel before it ({@link
 * FrozenRowWriteKernel}): random definitions (every stored kind, lifetime and windowed, rings of 1 to 5 tiles of
 * random lengths, shared and distinct tile lengths, filters) and random streams (in order, out of order within and
 * beyond the window, ties, gaps longer than a window, values of both signs and zeros), applied to a row by each kernel,
 * the rows compared byte for byte and the results compared after every event. Rows on the heap and off it (the two
 * ways a store hands a row to the kernel).
 */
class RowWriteKernelEquivalenceTest {
    /** An event of the generated streams. */
    static final class Ev {
        final long timeMs;
        final double amount;
        final long id;
        final boolean flag;

        Ev(long timeMs, double amount, long id, boolean flag) {
            this.timeMs = timeMs;
            this.amount = amount;
            this.id = id;
            this.flag = flag;
        }

        long key() {
            return 1;
        }

        long timeMs() {
            return timeMs;
        }

        double amount() {
            return amount;
        }

        long id() {
            return id;
        }

        boolean flag() {
            return flag;
        }
    }

    @Property(tries = 300)
    void writesTheSameRowBytesAsTheFrozenKernel(@ForAll long seed, @ForAll boolean offHeap,
        @ForAll @IntRange(min = 1, max = 400) int events) {
        SplittableRandom random = new SplittableRandom(seed);
        FeatureSet<Ev> set = definition(random);
        CompiledLayout layout = CoreInternals.compiledLayoutOf(set);
        EventPreparer<Ev> preparer = Kernels.newPreparer(set);
        RowWriteKernel kernel = Kernels.newWriteKernel(set);
        FrozenRowWriteKernel frozen = new FrozenRowWriteKernel(layout);
        PreparedEvent prepared = new PreparedEvent(Kernels.preparedCapacity(set));
        PreparedEvent preparedFrozen = new PreparedEvent(Kernels.preparedCapacity(set));
        ByteBuffer rowMemory = offHeap ? ByteBuffer.allocateDirect(layout.rowSizeBytes) : null;
        ByteBuffer expectedMemory = offHeap ? ByteBuffer.allocateDirect(layout.rowSizeBytes) : null;
        RowBuffer row = newRow(rowMemory, layout.rowSizeBytes);
        RowBuffer expected = newRow(expectedMemory, layout.rowSizeBytes);
        Accumulators.initRow(layout, row);
        Accumulators.initRow(layout, expected);
        long nowMs = random.nextLong(1_000_000_000_000L);
        for (int n = 0; n < events; n++) {
            nowMs += gapMs(random);
            Ev ev = new Ev(Math.max(0, nowMs - lagMs(random)), amount(random), random.nextLong(50),
                random.nextInt(3) == 0);
            if (preparer.prepare(ev, ev.timeMs, nowMs, prepared) != EventPreparer.PREPARED
                || preparer.prepare(ev, ev.timeMs, nowMs, preparedFrozen) != EventPreparer.PREPARED) {
                continue;
            }
            int result = kernel.apply(prepared, row, nowMs);
            int frozenResult = frozen.apply(preparedFrozen, expected, nowMs);
            assertThat(result).as("result of event %d (t=%d, now=%d)", n, ev.timeMs, nowMs).isEqualTo(frozenResult);
            if (!row.contentEquals(expected, layout.rowSizeBytes)) {
                assertThat(firstDifference(row, expected, layout.rowSizeBytes))
                    .as("first differing byte after event %d (t=%d, now=%d)", n, ev.timeMs, nowMs).isEqualTo(-1);
            }
        }
        // An off-heap row is only a base and an address: its buffer must outlive the last access.
        Reference.reachabilityFence(rowMemory);
        Reference.reachabilityFence(expectedMemory);
    }

    private static FeatureSet<Ev> definition(SplittableRandom random) {
        // Tiles are whole seconds of at least one.
        long tileA = 1_000 * (1 + random.nextLong(5));
        long tileB = random.nextBoolean() ? tileA : 1_000 * (1 + random.nextLong(60));
        Window a = window(tileA, 1 + random.nextInt(5));
        Window b = window(tileB, 1 + random.nextInt(5));
        Window c = window(tileA, 1 + random.nextInt(5));
        Duration halfLife = Duration.ofMillis(1 + random.nextLong(600_000));
        FeatureSetBuilder<Ev> builder = FeatureSet.builder("eq", Ev.class).entity("user", Ev::key)
            .eventTime(Ev::timeMs)
            .latest("last", Ev::amount)
            .latest("last_flag", Ev::amount).where(Ev::flag)
            .count("n")
            .count("n_a", a)
            .count("n_b_flag", b).where(Ev::flag)
            .sum("sum", Ev::amount)
            .sum("sum_a", Ev::amount, a)
            .sum("sum_b", Ev::amount, b)
            .min("min", Ev::amount)
            .min("min_c", Ev::amount, c)
            .max("max", Ev::amount)
            .max("max_b", Ev::amount, b)
            .mean("mean", Ev::amount)
            .mean("mean_a", Ev::amount, a)
            .mean("mean_c_flag", Ev::amount, c).where(Ev::flag)
            .firstSeen("first")
            .lastSeen("last_seen")
            .lastN("recent", Ev::id, 1 + random.nextInt(6))
            .decayedCount("decayed_n", halfLife)
            .decayedSum("decayed_sum", Ev::amount, halfLife)
            .decayedSum("decayed_flag", Ev::amount, halfLife).where(Ev::flag)
            .distinctApprox("distinct", Ev::id)
            .distinctApprox("distinct_b", Ev::id, b, 4);
        return builder.build();
    }

    private static Window window(long tileMs, int tiles) {
        return Window.sliding(Duration.ofMillis(tileMs * tiles)).tiles(Duration.ofMillis(tileMs));
    }

    private static long gapMs(SplittableRandom random) {
        int p = random.nextInt(100);
        return p < 10 ? 0 : p < 95 ? random.nextLong(2_000) : random.nextLong(300_000);
    }

    private static long lagMs(SplittableRandom random) {
        int p = random.nextInt(100);
        return p < 70 ? random.nextLong(100) : p < 95 ? random.nextLong(10_000) : random.nextLong(400_000);
    }

    private static double amount(SplittableRandom random) {
        int p = random.nextInt(20);
        return p == 0 ? 0.0 : p == 1 ? -0.0 : (random.nextDouble() - 0.3) * Math.pow(10, random.nextInt(7) - 2);
    }

    /** The row over the direct buffer (off heap) or over a new heap array; the caller keeps the buffer reachable. */
    private static RowBuffer newRow(ByteBuffer direct, int bytes) {
        if (direct == null) {
            return RowBuffer.allocateHeap(bytes);
        }
        MappedMemory memory = Memory.MEMORY.wrap(direct);
        return new RowBuffer().wrap(memory.base(), memory.address(), bytes);
    }

    private static int firstDifference(RowBuffer x, RowBuffer y, int bytes) {
        for (int i = 0; i < bytes; i++) {
            if (x.getByte(i) != y.getByte(i)) {
                return i;
            }
        }
        return -1;
    }
}
