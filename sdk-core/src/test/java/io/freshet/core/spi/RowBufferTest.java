package io.freshet.core.spi;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.internal.MappedMemory;
import io.freshet.core.internal.Memory;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A heap row (read and written as a plain {@code long[]} by the buffer itself) and the same row in off-heap memory
 * (through the JVM's memory implementation) hold the same bytes after the same writes, at aligned and unaligned
 * offsets, and read back the same values; so do views made by {@code wrap(RowBuffer)} and by {@code wrap(Object,
 * long, int)} over a heap array.
 */
class RowBufferTest {
    private static final int ROW = 96;

    @Test
    void heapAndOffHeapRowsAgreeOnEveryAccess() {
        RowBuffer heap = RowBuffer.allocateHeap(ROW);
        ByteBuffer direct = ByteBuffer.allocateDirect(ROW);
        MappedMemory m = Memory.MEMORY.wrap(direct);
        RowBuffer offHeap = new RowBuffer().wrap(m.base(), m.address(), ROW);
        long[] array = new long[ROW / 8];
        RowBuffer heapByBase = new RowBuffer().wrap(array, Memory.MEMORY.heapOffset(), ROW);
        RowBuffer heapView = new RowBuffer().wrap(heap);
        SplittableRandom random = new SplittableRandom(5);
        for (int step = 0; step < 20_000; step++) {
            int op = random.nextInt(4);
            boolean aligned = random.nextBoolean();
            int width = op == 2 ? 1 : op == 3 ? 8 * (1 + random.nextInt(3)) : 8;
            int offset = random.nextInt(ROW - width + 1);
            if (aligned && op != 2) {
                offset &= ~7;
            }
            long value = random.nextLong();
            for (RowBuffer b : new RowBuffer[] {heapView, offHeap, heapByBase}) {
                switch (op) {
                    case 0 -> b.putLong(offset, value);
                    case 1 -> b.putDouble(offset, Double.longBitsToDouble(value));
                    case 2 -> b.putByte(offset, (byte) value);
                    default -> b.setZero(offset, width);
                }
            }
            int at = random.nextInt(ROW - 7);
            assertThat(heap.getLong(at)).as("step %d long at %d", step, at).isEqualTo(offHeap.getLong(at))
                .isEqualTo(heapByBase.getLong(at));
            assertThat(Double.doubleToRawLongBits(heap.getDouble(at & ~7)))
                .isEqualTo(Double.doubleToRawLongBits(offHeap.getDouble(at & ~7)));
            assertThat(heap.getByte(at)).isEqualTo(offHeap.getByte(at)).isEqualTo(heapByBase.getByte(at));
        }
        for (int i = 0; i < ROW; i++) {
            assertThat(heap.getByte(i)).as("byte %d", i).isEqualTo(direct.get(i));
        }
        assertThat(heap.contentEquals(offHeap, ROW)).isTrue();
        assertThat(offHeap.contentEquals(heapByBase, ROW)).isTrue();
        offHeap.putByte(ROW - 1, (byte) (offHeap.getByte(ROW - 1) + 1));
        assertThat(heap.contentEquals(offHeap, ROW)).isFalse();
        RowBuffer copy = RowBuffer.allocateHeap(ROW);
        copy.copyFrom(heap, ROW);
        assertThat(copy.contentEquals(heapByBase, ROW)).isTrue();
    }
}
