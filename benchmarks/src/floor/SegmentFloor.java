import io.freshet.core.internal.Memory;
import io.freshet.core.spi.RowBuffer;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Field;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.SplittableRandom;

/*
 * The floor under issue 13's "segments within 1.1x of Unsafe" goal: the same row accesses three ways, alternating in
 * one JVM (JDK 22+; a source-file program, outside the Maven build because the benchmarks module compiles for 17):
 *
 *   J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
 *   flock /tmp/jmh.lock $J --sun-misc-unsafe-memory-access=allow -Dfreshet.memory=segment \
 *       -cp sdk-core/target/freshet-core-0.1.0-SNAPSHOT.jar benchmarks/src/floor/SegmentFloor.java 200
 *
 *   unsafe  : sun.misc.Unsafe getLong/putLong at absolute addresses (the Unsafe memory's floor)
 *   segment : MemorySegment get/set (JAVA_LONG_UNALIGNED) on the mapped segment held in a plain field
 *   rowbuf  : the shipped path: RowBuffer wrapped on the segment, accessed through Memory.MEMORY (SegmentMemory)
 *
 * Rows of 144 bytes in a 4096-row file on /dev/shm (590 KB: L2-resident, as a hot working set is), mapped once.
 * apply: 4 read-modify-writes at offsets 24, 40, 56, 72 and one store at 8 of a row drawn from a fixed random
 * sequence; read: copy the row into a heap long[] and sum four of its words. Medians of per-round ns/op.
 */
public final class SegmentFloor {
    static final int ROW = 144;
    static final int ROWS = 4096;
    static final int OPS = 1 << 18;
    static final int SEQ = 1 << 16;
    static final int[] OFFSETS = {24, 40, 56, 72};
    static final ValueLayout.OfLong L = ValueLayout.JAVA_LONG_UNALIGNED;
    static final sun.misc.Unsafe U = unsafe();
    static final long LONG_ARRAY_BASE = U.arrayBaseOffset(long[].class);

    MemorySegment seg;
    long address;
    final RowBuffer row = new RowBuffer();
    final long[] heap = new long[ROW / 8];
    final int[] seq = new int[SEQ];
    long sink;

    static sun.misc.Unsafe unsafe() {
        try {
            Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return (sun.misc.Unsafe) f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    long applyUnsafe(int n) {
        for (int i = 0; i < n; i++) {
            long a = address + (long) seq[i & (SEQ - 1)] * ROW;
            for (int off : OFFSETS) {
                U.putLong(a + off, U.getLong(a + off) + 1);
            }
            U.putLong(a + 8, i);
        }
        return 0;
    }

    long applySegment(int n) {
        for (int i = 0; i < n; i++) {
            long a = (long) seq[i & (SEQ - 1)] * ROW;
            for (int off : OFFSETS) {
                seg.set(L, a + off, seg.get(L, a + off) + 1);
            }
            seg.set(L, a + 8, (long) i);
        }
        return 0;
    }

    long applyRowBuffer(int n) {
        for (int i = 0; i < n; i++) {
            RowBuffer r = row.wrap(seg, (long) seq[i & (SEQ - 1)] * ROW, ROW);
            for (int off : OFFSETS) {
                r.putLong(off, r.getLong(off) + 1);
            }
            r.putLong(8, i);
        }
        return 0;
    }

    long readUnsafe(int n) {
        long s = 0;
        for (int i = 0; i < n; i++) {
            long a = address + (long) seq[i & (SEQ - 1)] * ROW;
            U.copyMemory(null, a, heap, LONG_ARRAY_BASE, ROW);
            s += heap[3] + heap[5] + heap[7] + heap[9];
        }
        return s;
    }

    long readSegment(int n) {
        long s = 0;
        for (int i = 0; i < n; i++) {
            long a = (long) seq[i & (SEQ - 1)] * ROW;
            MemorySegment.copy(seg, L, a, heap, 0, ROW / 8);
            s += heap[3] + heap[5] + heap[7] + heap[9];
        }
        return s;
    }

    long readRowBuffer(int n) {
        long s = 0;
        RowBuffer into = RowBuffer.allocateHeap(ROW);
        for (int i = 0; i < n; i++) {
            RowBuffer r = row.wrap(seg, (long) seq[i & (SEQ - 1)] * ROW, ROW);
            into.copyFrom(r, ROW);
            s += into.getLong(24) + into.getLong(40) + into.getLong(56) + into.getLong(72);
        }
        return s;
    }

    double time(int variant) {
        long t0 = System.nanoTime();
        long s = switch (variant) {
            case 0 -> applyUnsafe(OPS);
            case 1 -> applySegment(OPS);
            case 2 -> applyRowBuffer(OPS);
            case 3 -> readUnsafe(OPS);
            case 4 -> readSegment(OPS);
            default -> readRowBuffer(OPS);
        };
        sink += s;
        return (System.nanoTime() - t0) / (double) OPS;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    public static void main(String[] args) throws IOException {
        int rounds = Integer.parseInt(args[0]);
        if (!Memory.MEMORY.name().equals(Memory.SEGMENT_NAME)) {
            throw new IllegalStateException("run with -Dfreshet.memory=segment on JDK 22+: memory=" + Memory.MEMORY.name());
        }
        Path file = Path.of("/dev/shm", "freshet-segfloor-" + ProcessHandle.current().pid());
        SegmentFloor f = new SegmentFloor();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
            StandardOpenOption.WRITE)) {
            f.seg = ch.map(FileChannel.MapMode.READ_WRITE, 0, (long) ROW * ROWS, Arena.ofAuto());
            f.address = f.seg.address();
            SplittableRandom random = new SplittableRandom(13);
            for (int i = 0; i < SEQ; i++) {
                f.seq[i] = random.nextInt(ROWS);
            }
            String[] names = {"apply unsafe", "apply segment", "apply rowbuf", "read unsafe", "read segment",
                "read rowbuf"};
            double[][] ns = new double[6][rounds];
            for (int r = -rounds / 4; r < rounds; r++) {
                for (int j = 0; j < 6; j++) {
                    int v = (j + r + 6 * rounds) % 6;
                    double t = f.time(v);
                    if (r >= 0) {
                        ns[v][r] = t;
                    }
                }
            }
            StringBuilder out = new StringBuilder("JDK " + Runtime.version().feature() + ", rounds=" + rounds
                + ", median ns/op:");
            for (int v = 0; v < 6; v++) {
                double base = median(ns[v < 3 ? 0 : 3]);
                out.append(String.format(" %s %.2f (%.2fx)", names[v], median(ns[v]), median(ns[v]) / base));
            }
            System.out.println(out.append(" sink ").append(f.sink & 1));
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
