package io.freshet.benchmarks;

import io.freshet.benchmarks.peers.KeySequence;
import io.freshet.core.FeatureLog;
import io.freshet.core.FeatureRef;
import io.freshet.core.FeatureVector;
import io.freshet.core.internal.MappedMemory;
import io.freshet.core.internal.Memory;
import io.freshet.core.internal.log.LogDescriptor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/*
 * Run (one JVM for every variant, so that they share the machine's state; from the repository root):
 *
 *   flock /tmp/jmh.lock java -Xmx8g -XX:+UseParallelGC -jar benchmarks/target/benchmarks.jar \
 *       FeatureLogAblationBenchmark -f 0 -wi 3 -w 1s -i 5 -r 1s -p keys=200000 -prof gc
 */

/**
 * Where the served-feature log's cost per logged read goes (issue 15 point 8): the served read alone, the real logged
 * read, the real append alone, and the read followed by a bench-local copy of the log's entry write (the same 440-byte
 * entry of the 16-feature payment set, the same Fletcher-style checksum and release store of the commit word) with one
 * thing changed at a time: into one warm entry instead of fresh lines; without the checksum; a volatile (fenced)
 * commit; the lane found through a {@code ThreadLocal}; the next entry's lines touched one entry ahead. The fresh-line
 * variants write into a pre-faulted 256 MiB ring in {@code /dev/shm} (8x the 32 MiB L3), so every line they write was
 * last seen a ring ago, as a log segment's lines are. Not a {@code @HotPath}: an analysis, not a guard.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx8g", "-XX:+UseParallelGC"})
public class FeatureLogAblationBenchmark {
    private static final Memory M = Memory.MEMORY;
    /** The payment set's vector width and feature count: its log entry is 440 bytes. */
    static final int VECTOR_WIDTH = 20;
    static final int FEATURES = 16;
    static final long RING_BYTES = 256L << 20;

    /** A filled store, its reader, a log over that reader, and a ring of pre-faulted fresh lines. */
    @State(Scope.Benchmark)
    public static class Setting {
        /** Keys in the store. */
        @Param({"200000"})
        public int keys;
        /** Key distribution of the reads. */
        @Param({KeySequence.UNIFORM})
        public String distribution;

        final ServedReadBenchmark.Served served = new ServedReadBenchmark.Served();
        FeatureLog log;
        Path logDir;
        Path ringFile;
        FileChannel ringChannel;
        MappedMemory ring;
        ByteBuffer warm;
        MappedMemory warmMemory;
        final ThreadLocal<EntryWriter> writers = new ThreadLocal<>();

        /** Fills the store, opens the log and faults the ring's pages in. */
        @Setup(Level.Trial)
        public void setUp() throws IOException {
            served.keys = keys;
            served.distribution = distribution;
            served.set = "payment";
            served.events = 40;
            served.setUp();
            long pid = ProcessHandle.current().pid();
            logDir = Path.of("/dev/shm", "freshet-logablation-" + pid);
            StoreBenchmark.deleteRecursively(logDir);
            log = FeatureLog.forReader(served.reader).directory(logDir).segmentBytes(64L << 20)
                .retainBytes(256L << 20).open();
            ringFile = Path.of("/dev/shm", "freshet-logablation-ring-" + pid);
            ringChannel = FileChannel.open(ringFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            ringChannel.write(ByteBuffer.allocate(1), RING_BYTES - 1);
            ring = M.map(ringChannel, FileChannel.MapMode.READ_WRITE, 0, RING_BYTES);
            for (long off = 0; off < RING_BYTES; off += 4096) {
                M.putLong(ring.base(), ring.address() + off, 0L);
            }
            warm = ByteBuffer.allocateDirect(4096);
            warmMemory = M.wrap(warm);
            int expected = LogDescriptor.entryBytes(false, FeatureLog.DEFAULT_MAX_KEY_CHARS, VECTOR_WIDTH, FEATURES, 0);
            if (expected != 440) {
                throw new IllegalStateException("entry=" + expected + " bytes, expected 440: update VECTOR_WIDTH");
            }
        }

        /** Closes everything and deletes the files. */
        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            log.close();
            StoreBenchmark.deleteRecursively(logDir);
            ringChannel.close();
            Files.deleteIfExists(ringFile);
            served.tearDown();
        }
    }

    /** Per-thread cursor, request id, vector and a bench-local entry writer. */
    @State(Scope.Thread)
    public static class Caller {
        int position;
        long requestId;
        FeatureVector vector;
        FeatureRef ref;
        EntryWriter fresh;
        EntryWriter warm;
        final long[] bits = new long[VECTOR_WIDTH];
        final long[] timesMs = new long[VECTOR_WIDTH];
        final int[] sizes = new int[FEATURES];

        /** Makes the vector, reads it once (for the append-only variant) and the writers. */
        @Setup(Level.Trial)
        public void setUp(Setting s) {
            vector = s.served.featureSet.newVector();
            ref = s.served.featureSet.ref("last_amount");
            s.served.reader.read(s.served.sequence.key(0), vector);
            for (int i = 0; i < VECTOR_WIDTH; i++) {
                bits[i] = 0x3FF0_0000_0000_0000L + i;
                timesMs[i] = 1_700_000_000_000L + i;
            }
            for (int i = 0; i < FEATURES; i++) {
                sizes[i] = 1;
            }
            fresh = new EntryWriter(s.ring.base(), s.ring.address(), RING_BYTES);
            warm = new EntryWriter(s.warmMemory.base(), s.warmMemory.address(), 440);
            s.writers.set(fresh);
        }
    }

    /**
     * The log's entry write, copied (LONG key): a ring of 440-byte entries, plain stores, the checksum, the commit
     * word last. Its variants change one thing each.
     */
    static final class EntryWriter {
        private final Object base;
        private final long start;
        private final long end;
        private long next;
        long sink;

        EntryWriter(Object base, long start, long bytes) {
            this.base = base;
            this.start = start;
            this.end = start + bytes - 440;
            this.next = start;
        }

        private long advance() {
            long a = next;
            long n = a + 440;
            next = n > end ? start : n;
            return a;
        }

        void write(Caller c, long requestId, long key, boolean checksum, boolean fenced) {
            long a = advance();
            Object b = base;
            long s1 = requestId;
            long s2 = s1;
            M.putLong(b, a + 8, requestId);
            M.putLong(b, a + 16, 1L);
            M.putLong(b, a + 24, 2L);
            M.putLong(b, a + 32, 3L);
            M.putLong(b, a + 40, 4L);
            M.putLong(b, a + 48, key);
            if (checksum) {
                s1 += 10 + key;
                s2 += s1 * 6;
            }
            long p = a + 56;
            long[] bits = c.bits;
            for (int i = 0; i < VECTOR_WIDTH; i++) {
                long v = bits[i];
                M.putLong(b, p, v);
                if (checksum) {
                    s1 += v;
                    s2 += s1;
                }
                p += 8;
            }
            long[] times = c.timesMs;
            for (int i = 0; i < VECTOR_WIDTH; i++) {
                long v = times[i];
                M.putLong(b, p, v);
                if (checksum) {
                    s1 += v;
                    s2 += s1;
                }
                p += 8;
            }
            int[] sizes = c.sizes;
            for (int i = 0; i < FEATURES; i += 2) {
                long v = sizes[i] & 0xFFFF_FFFFL | (long) sizes[i + 1] << 32;
                M.putLong(b, p, v);
                if (checksum) {
                    s1 += v;
                    s2 += s1;
                }
                p += 8;
            }
            long commit = checksum ? LogDescriptor.commitWord(s1, s2) : 0x464C4F47_00000001L;
            if (fenced) {
                M.putLongVolatile(b, a, commit);
            } else {
                M.putLongRelease(b, a, commit);
            }
        }

        /** Loads one long of each line of the entry after the next one: they arrive while this op goes on. */
        void touchAhead() {
            long a = next;
            Object b = base;
            long t = 0;
            for (long off = 0; off < 440 + 63; off += 64) {
                long at = a + Math.min(off, 432);
                if (at + 8 <= end + 440) {
                    t |= M.getLong(b, at);
                }
            }
            sink = t;
        }
    }

    private static long key(Setting s, Caller c) {
        return s.served.sequence.key(c.position++);
    }

    /** @return the served read alone */
    @Benchmark
    public double read(Setting s, Caller c) {
        s.served.reader.read(key(s, c), c.vector);
        return c.vector.getDouble(c.ref);
    }

    /** @return the real logged read: {@link FeatureLog#read(long, long, FeatureVector)} */
    @Benchmark
    public double readLogged(Setting s, Caller c) {
        s.log.read(c.requestId++, key(s, c), c.vector);
        return c.vector.getDouble(c.ref);
    }

    /** @return the real append alone (a vector read once, appended again and again) */
    @Benchmark
    public long appendOnly(Setting s, Caller c) {
        s.log.append(c.requestId++, key(s, c), c.vector);
        return c.requestId;
    }

    /** @return the read, then the entry written into one warm entry (the write's work without fresh lines) */
    @Benchmark
    public double readWriteWarm(Setting s, Caller c) {
        long k = key(s, c);
        s.served.reader.read(k, c.vector);
        c.warm.write(c, c.requestId++, k, true, false);
        return c.vector.getDouble(c.ref);
    }

    /** @return the read, then the entry written into fresh lines, as the log writes it */
    @Benchmark
    public double readWriteFresh(Setting s, Caller c) {
        long k = key(s, c);
        s.served.reader.read(k, c.vector);
        c.fresh.write(c, c.requestId++, k, true, false);
        return c.vector.getDouble(c.ref);
    }

    /** @return the entry written into fresh lines, without a read */
    @Benchmark
    public long writeFreshOnly(Setting s, Caller c) {
        c.fresh.write(c, c.requestId++, key(s, c), true, false);
        return c.requestId;
    }

    /** @return as {@link #readWriteFresh} without the checksum */
    @Benchmark
    public double readWriteFreshNoChecksum(Setting s, Caller c) {
        long k = key(s, c);
        s.served.reader.read(k, c.vector);
        c.fresh.write(c, c.requestId++, k, false, false);
        return c.vector.getDouble(c.ref);
    }

    /** @return as {@link #readWriteFresh} with a volatile (fenced) commit store */
    @Benchmark
    public double readWriteFreshFenced(Setting s, Caller c) {
        long k = key(s, c);
        s.served.reader.read(k, c.vector);
        c.fresh.write(c, c.requestId++, k, true, true);
        return c.vector.getDouble(c.ref);
    }

    /** @return as {@link #readWriteFresh} with the writer found through a ThreadLocal, as the log finds its lane */
    @Benchmark
    public double readWriteFreshThreadLocal(Setting s, Caller c) {
        long k = key(s, c);
        s.served.reader.read(k, c.vector);
        s.writers.get().write(c, c.requestId++, k, true, false);
        return c.vector.getDouble(c.ref);
    }

    /** @return as {@link #readWriteFresh}, the next entry's lines loaded before the read (so they overlap it) */
    @Benchmark
    public double readWriteFreshTouchFirst(Setting s, Caller c) {
        long k = key(s, c);
        c.fresh.touchAhead();
        s.served.reader.read(k, c.vector);
        c.fresh.write(c, c.requestId++, k, true, false);
        return c.vector.getDouble(c.ref);
    }

    /** @return as {@link #readWriteFresh}, the entry after this one loaded after the write (one entry ahead) */
    @Benchmark
    public double readWriteFreshTouchAhead(Setting s, Caller c) {
        long k = key(s, c);
        s.served.reader.read(k, c.vector);
        c.fresh.write(c, c.requestId++, k, true, false);
        c.fresh.touchAhead();
        return c.vector.getDouble(c.ref);
    }
}
