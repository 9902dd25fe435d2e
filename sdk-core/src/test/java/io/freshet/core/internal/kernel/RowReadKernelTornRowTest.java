package io.freshet.core.internal.kernel;

import static io.freshet.core.internal.Memory.MEMORY;
import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.Categories;
import io.freshet.core.FeatureSet;
import io.freshet.core.Quantile;
import io.freshet.core.Window;
import io.freshet.core.internal.CoreInternals;
import io.freshet.core.spi.RowBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A served read evaluates the row where it lies, under the row's seqlock (see {@code RowVisitor}): a row a writer is
 * changing, or a damaged one, reaches the kernel with any bytes in any field, and the seqlock re-check discards the
 * result afterwards. The kernel reads through Unsafe without a check per access, so a count, size, ring slot or epoch
 * taken from the row and used unclamped would read outside the row (a crash, or another row's bytes). This test
 * gives the kernel rows of random bytes in every field, with windows' epochs and last-N sizes planted near and across
 * their valid ranges so that every tile path runs (the set has every stored kind), and proves that nothing is read
 * outside the row: the row sits in the middle of a larger heap array whose bytes around it are filled twice, with
 * two different patterns, and the results must be bit-identical (and no evaluation may throw).
 */
class RowReadKernelTornRowTest {
    record Ev(long key, long timeMs, double amount, long id) {
    }

    /** Bytes of canary on each side of the row: far beyond any offset a clamped index could reach by one slot. */
    private static final int MARGIN_BYTES = 64 * 1024;
    private static final int ROWS = 2_000;

    private static FeatureSet<Ev> set() {
        Window fine = Window.sliding(Duration.ofSeconds(30)).tiles(Duration.ofSeconds(1));
        Window hour = Window.sliding(Duration.ofHours(1));
        return FeatureSet.builder("torn", Ev.class)
            .entity("key", Ev::key)
            .eventTime(Ev::timeMs)
            .latest("last", Ev::amount)
            .count("n_all")
            .count("n_fine", fine)
            .sum("sum_all", Ev::amount)
            .sum("sum_hour", Ev::amount, hour)
            .min("min_all", Ev::amount)
            .min("min_fine", Ev::amount, fine)
            .max("max_all", Ev::amount)
            .max("max_hour", Ev::amount, hour)
            .mean("mean_all", Ev::amount)
            .mean("mean_fine", Ev::amount, fine)
            .firstSeen("first_seen")
            .lastSeen("last_seen")
            .lastN("recent", Ev::id, 4)
            .decayedCount("decayed_n", Duration.ofMinutes(5))
            .decayedSum("decayed_sum", Ev::amount, Duration.ofMinutes(5))
            .distinctApprox("distinct_all", Ev::id)
            .distinctApprox("distinct_fine", Ev::id, fine, 6)
            .variance("var_all", Ev::amount)
            .stddev("std_fine", Ev::amount, fine)
            .quantile("p90_all", Ev::amount, Window.lifetime(), Quantile.of(0.9).relativeError(0.05).range(1, 1e4))
            .quantile("p50_fine", Ev::amount, fine, Quantile.of(0.5).relativeError(0.05).range(1, 1e4))
            .topK("top_all", Ev::id, Window.lifetime(), 3)
            .topK("top_fine", Ev::id, fine, 2, 4)
            .latestCategory("cat_dict", e -> "a", Categories.of("a", "b", "c"))
            .latestCategory("cat_text", e -> "a", Categories.utf8(12))
            .lastNCategories("cats_dict", e -> "a", Categories.of("a", "b"), 3)
            .lastNCategories("cats_text", e -> "a", Categories.utf8(8), 3)
            .derived("ratio", d -> d.ratio("sum_hour", "n_fine"))
            .derived("diff", d -> d.difference("max_hour", "min_fine"))
            .derived("since_last", d -> d.timeSince("last"))
            .build();
    }

    @Test
    void rowsOfRandomBytesAreReadWithinTheRowAndNeverThrow() {
        CompiledLayout l = CoreInternals.compiledLayoutOf(set());
        long[] bitsA = new long[l.vectorWidth];
        long[] timesA = new long[l.vectorWidth];
        int[] sizesA = new int[l.featureCount];
        long[] bitsB = new long[l.vectorWidth];
        long[] timesB = new long[l.vectorWidth];
        int[] sizesB = new int[l.featureCount];
        RowReadKernel kernelA = new RowReadKernel(l, bitsA, timesA, sizesA);
        RowReadKernel kernelB = new RowReadKernel(l, bitsB, timesB, sizesB);
        int rowWords = (l.rowSizeBytes + 7) / 8;
        int marginWords = MARGIN_BYTES / 8;
        long[] memory = new long[marginWords + rowWords + marginWords];
        RowBuffer row = new RowBuffer().wrap(memory, MEMORY.heapOffset() + MARGIN_BYTES, l.rowSizeBytes);
        SplittableRandom random = new SplittableRandom(0x70E4_0BADL);
        int windowedReads = 0;
        for (int t = 0; t < ROWS; t++) {
            long readMs = 1_700_000_000_000L + random.nextLong(10_000_000L);
            fillRow(l, row, random, readMs);
            fillMargins(memory, marginWords, rowWords, 0L);
            kernelA.evaluate(row, readMs);
            fillMargins(memory, marginWords, rowWords, 0x7FF0_DEAD_BEEF_0001L);
            kernelB.evaluate(row, readMs);

            assertThat(bitsB).as("values of row %d", t).isEqualTo(bitsA);
            assertThat(timesB).as("times of row %d", t).isEqualTo(timesA);
            assertThat(sizesB).as("sizes of row %d", t).isEqualTo(sizesA);
            for (int i = 0; i < l.featureCount; i++) {
                assertThat(sizesA[i]).as("size of %s", l.names[i]).isBetween(0, l.width[i]);
                windowedReads += l.tiles[i] > 0 && sizesA[i] > 0 ? 1 : 0;
            }
        }
        // The planted epochs must make the windowed paths read tiles, or the test proves nothing about them.
        assertThat(windowedReads).isGreaterThan(ROWS);
    }

    /** Canary bytes around the row: zeros, or a pattern that changes every value that would read them. */
    private static void fillMargins(long[] memory, int marginWords, int rowWords, long pattern) {
        Arrays.fill(memory, 0, marginWords, pattern);
        Arrays.fill(memory, marginWords + rowWords, memory.length, pattern == 0 ? 0 : ~pattern);
    }

    /**
     * Random bytes everywhere; then, for some features, header words a writer could have left half-written: a
     * window's newest epoch within a few windows of the read's (before, in, after it, and at the extremes), a last-N
     * size around its capacity, and a HyperLogLog register above any rank a hash can have.
     */
    private static void fillRow(CompiledLayout l, RowBuffer row, SplittableRandom random, long readMs) {
        for (int o = 0; o + 8 <= l.rowSizeBytes; o += 8) {
            row.putLong(o, random.nextInt(4) == 0 ? random.nextLong(-3, 100) : random.nextLong());
        }
        for (int i = 0; i < l.featureCount; i++) {
            if (l.offset[i] < 0 || random.nextInt(5) == 0) {
                continue;
            }
            if (l.tiles[i] > 0) {
                long readEpoch = TileRing.epochOf(readMs, l.tileMs[i]);
                int n = l.tiles[i];
                long maxEpoch;
                switch (random.nextInt(6)) {
                    case 0:
                        maxEpoch = Long.MIN_VALUE + random.nextInt(2 * n);
                        break;
                    case 1:
                        maxEpoch = Long.MAX_VALUE - random.nextInt(2 * n);
                        break;
                    default:
                        maxEpoch = readEpoch + random.nextInt(-3 * n, 3 * n);
                        break;
                }
                row.putLong(l.offset[i] + 8, maxEpoch);
            } else if (l.kind[i] == CompiledLayout.K_LAST_N) {
                row.putLong(l.offset[i] + 8, random.nextInt(-3, l.param[i] + 4));
            }
            if (l.kind[i] == CompiledLayout.K_DISTINCT) {
                int registers = 1 << l.param[i];
                int first = l.tiles[i] > 0 ? l.tileOffset[i] : l.offset[i] + 8;
                row.putByte(first + random.nextInt(registers), (byte) random.nextInt(66, 128));
            }
        }
    }
}
