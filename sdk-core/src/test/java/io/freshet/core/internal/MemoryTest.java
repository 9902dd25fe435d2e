package io.freshet.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The memory selection, and one contract run against every implementation this JVM can load (Unsafe always, the
 * segment one on JDK 22+): values land little-endian where a {@code ByteBuffer} sees them, in mappings, views of
 * buffers and heap rows alike, and copies between them keep every byte.
 */
class MemoryTest {
    private static final int JDK = Runtime.version().feature();

    @TempDir
    Path dir;

    @Test
    void theJvmUsesSegmentsOnJdk22AndUnsafeBefore() {
        String forced = System.getProperty(Memory.PROP_NAME);
        String expected = forced != null && !forced.equals("auto") ? forced
            : JDK >= 22 ? Memory.SEGMENT_NAME : Memory.UNSAFE_NAME;
        assertThat(Memory.MEMORY.name()).as("JDK %d, %s=%s", JDK, Memory.PROP_NAME, forced).isEqualTo(expected);
        assertThat(Memory.MEMORY.getClass().getSimpleName())
            .isEqualTo(expected.equals(Memory.SEGMENT_NAME) ? "SegmentMemory" : "UnsafeMemory");
    }

    @Test
    void segmentsBeforeJdk22AreRefusedWithTheFix() {
        assertThatThrownBy(() -> Memory.select(Memory.SEGMENT_NAME, 17))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("freshet.memory=segment needs JDK 22+")
            .hasMessageContaining("use freshet.memory=unsafe");
    }

    @Test
    void anUnknownChoiceIsRefused() {
        assertThatThrownBy(() -> Memory.select("offheap", JDK))
            .isInstanceOf(IllegalStateException.class)
            .hasMessage("freshet.memory=offheap is not known: use unsafe, segment or auto");
    }

    @Test
    void autoBeforeJdk22IsUnsafe() {
        assertThat(Memory.select("auto", 21).name()).isEqualTo(Memory.UNSAFE_NAME);
    }

    static List<Memory> implementations() {
        List<Memory> all = new ArrayList<>();
        all.add(Memory.select(Memory.UNSAFE_NAME, JDK));
        if (JDK >= 22) {
            all.add(Memory.select(Memory.SEGMENT_NAME, JDK));
        }
        return all;
    }

    private MappedMemory mapFile(Memory m, int bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(dir.resolve(m.name()), StandardOpenOption.CREATE,
            StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.truncate(0);
            ch.write(ByteBuffer.allocate(bytes), 0);
            return m.map(ch, FileChannel.MapMode.READ_WRITE, 0, bytes);
        }
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void valuesInAMappingAreLittleEndianAtAnyOffset(Memory m) throws IOException {
        MappedMemory map = mapFile(m, 4096);
        Object b = map.base();
        long a = map.address();
        m.putLong(b, a + 3, 0x0102030405060708L);
        assertThat(m.getByte(b, a + 3)).isEqualTo((byte) 0x08);
        assertThat(m.getInt(b, a + 7)).isEqualTo(0x01020304);
        m.putInt(b, a + 64, -5);
        assertThat(m.getIntVolatile(b, a + 64)).isEqualTo(-5);
        m.putIntRelease(b, a + 68, 7);
        assertThat(m.getInt(b, a + 68)).isEqualTo(7);
        m.putLongVolatile(b, a + 128, Long.MIN_VALUE);
        assertThat(m.getLongVolatile(b, a + 128)).isEqualTo(Long.MIN_VALUE);
        m.putLongRelease(b, a + 136, 99);
        assertThat(m.getLong(b, a + 136)).isEqualTo(99);
        m.putDouble(b, a + 201, 2.5);
        assertThat(m.getDouble(b, a + 201)).isEqualTo(2.5);
        m.putByte(b, a + 4095, (byte) -1);
        assertThat(m.getByte(b, a + 4095)).isEqualTo((byte) -1);
        m.fill(b, a + 1000, 1000, (byte) 7);
        assertThat(m.getByte(b, a + 999)).isZero();
        assertThat(m.getLong(b, a + 1000)).isEqualTo(0x0707070707070707L);
        assertThat(m.getByte(b, a + 1999)).isEqualTo((byte) 7);
        assertThat(m.getByte(b, a + 2000)).isZero();
        m.force(map);
        m.force(map, 0, 4096);
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void aViewOfABufferSeesWhatTheBufferSees(Memory m) {
        ByteBuffer buf = ByteBuffer.allocateDirect(256).order(ByteOrder.LITTLE_ENDIAN);
        MappedMemory v = m.wrap(buf);
        buf.putLong(16, 0x1122334455667788L);
        assertThat(m.getLong(v.base(), v.address() + 16)).isEqualTo(0x1122334455667788L);
        m.putInt(v.base(), v.address() + 40, 0xCAFEBABE);
        assertThat(buf.getInt(40)).isEqualTo(0xCAFEBABE);
        MappedMemory abs = m.wrapAbsolute(buf);
        assertThat(abs.base()).isNull();
        assertThat(m.getLong(null, abs.address() + 16)).isEqualTo(0x1122334455667788L);
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void heapRowsHoldLittleEndianBytes(Memory m) {
        long[] row = new long[4];
        long h = m.heapOffset();
        m.putLong(row, h + 8, 0x0102030405060708L);
        assertThat(row[1]).isEqualTo(0x0102030405060708L);
        assertThat(m.getByte(row, h + 8)).isEqualTo((byte) 0x08);
        assertThat(m.getByte(row, h + 15)).isEqualTo((byte) 0x01);
        m.putByte(row, h + 17, (byte) 0xAB);
        assertThat(row[2]).isEqualTo(0xAB00L);
        m.putInt(row, h + 20, 0x7FFFFFFF);
        assertThat(m.getInt(row, h + 20)).isEqualTo(0x7FFFFFFF);
        m.putIntRelease(row, h + 4, -9);
        assertThat(m.getIntVolatile(row, h + 4)).isEqualTo(-9);
        assertThat(row[0]).isEqualTo(-9L << 32);
        m.putLong(row, h + 3, -2);
        assertThat(m.getLong(row, h + 3)).isEqualTo(-2);
        m.putDouble(row, h + 24, -0.5);
        assertThat(m.getDouble(row, h + 24)).isEqualTo(-0.5);
        m.putLongRelease(row, h + 24, 5);
        assertThat(m.getLongVolatile(row, h + 24)).isEqualTo(5);
        m.fill(row, h, 32, (byte) 0);
        assertThat(row).containsOnly(0L);
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void copiesKeepEveryByteBetweenMappingsHeapRowsAndArrays(Memory m) throws IOException {
        MappedMemory map = mapFile(m, 1024);
        Object b = map.base();
        long a = map.address();
        byte[] src = new byte[100];
        for (int i = 0; i < src.length; i++) {
            src[i] = (byte) (i * 7 + 1);
        }
        m.copyFromBytes(src, 4, b, a + 11, 96);
        assertThat(m.getByte(b, a + 11)).isEqualTo(src[4]);
        byte[] back = new byte[100];
        m.copyToBytes(b, a + 11, back, 2, 96);
        for (int i = 0; i < 96; i++) {
            assertThat(back[2 + i]).isEqualTo(src[4 + i]);
        }
        long h = m.heapOffset();
        for (int len : new int[] {64, 61}) {
            long[] row = new long[8];
            m.copy(b, a + 11, row, h, len);
            for (int i = 0; i < len; i++) {
                assertThat(m.getByte(row, h + i)).as("len=%d byte %d", len, i).isEqualTo(src[4 + i]);
            }
            m.copy(row, h, b, a + 512, len);
            long[] other = new long[8];
            m.copy(row, h, other, h, len);
            m.copy(b, a + 512, b, a + 700, len);
            for (int i = 0; i < len; i++) {
                assertThat(m.getByte(b, a + 700 + i)).isEqualTo(src[4 + i]);
                assertThat(m.getByte(other, h + i)).isEqualTo(src[4 + i]);
            }
        }
        byte[] heapCopy = new byte[16];
        long[] row = {0x0807060504030201L, 0x100F0E0D0C0B0A09L};
        m.copyToBytes(row, h, heapCopy, 0, 16);
        assertThat(heapCopy[0]).isEqualTo((byte) 1);
        assertThat(heapCopy[15]).isEqualTo((byte) 16);
    }
}
