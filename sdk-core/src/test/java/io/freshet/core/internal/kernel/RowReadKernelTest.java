package io.freshet.core.internal.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshet.core.FeatureSet;
import io.freshet.core.Window;
import io.freshet.core.internal.CoreInternals;
import io.freshet.core.spi.RowBuffer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The read kernel's own guards; its results are checked against the reference model by {@code KernelPropertyTest}
 * and {@code KernelSemanticsTest}.
 */
class RowReadKernelTest {
    record Ev(long key, long timeMs, double amount) {
    }

    private static FeatureSet<Ev> set() {
        return FeatureSet.builder("guards", Ev.class)
            .entity("key", Ev::key)
            .eventTime(Ev::timeMs)
            .latest("last", Ev::amount)
            .sum("sum_1m", Ev::amount, Window.sliding(Duration.ofMinutes(1)))
            .lastN("last_amounts", e -> (long) e.amount(), 3)
            .build();
    }

    @Test
    void evaluateRefusesARowShorterThanTheLayoutBeforeReadingIt() {
        CompiledLayout l = CoreInternals.compiledLayoutOf(set());
        RowReadKernel kernel = new RowReadKernel(l, new long[l.vectorWidth], new long[l.vectorWidth],
            new int[l.featureCount]);
        RowBuffer shortRow = RowBuffer.allocateHeap(l.rowSizeBytes - 8);

        assertThatThrownBy(() -> kernel.evaluate(shortRow, 0))
            .isInstanceOf(IndexOutOfBoundsException.class)
            .hasMessage("row of lengthBytes=" + (l.rowSizeBytes - 8) + " < the layout's rowSizeBytes="
                + l.rowSizeBytes + ": pass a whole row of this set");
    }

    @Test
    void aTornLastNSizeReadsNoFurtherThanTheCapacity() {
        CompiledLayout l = CoreInternals.compiledLayoutOf(set());
        long[] bits = new long[l.vectorWidth];
        int[] sizes = new int[l.featureCount];
        RowReadKernel kernel = new RowReadKernel(l, bits, new long[l.vectorWidth], sizes);
        RowBuffer row = RowBuffer.allocateHeap(l.rowSizeBytes);
        Accumulators.initRow(l, row);
        int lastN = 2;
        // A size no writer wrote (a torn or damaged row): the read clamps it to the layout's capacity of 3.
        row.putLong(l.offset[lastN] + 8, Long.MAX_VALUE);

        kernel.evaluate(row, 1_000);

        assertThat(sizes[lastN]).isEqualTo(3);
    }
}
