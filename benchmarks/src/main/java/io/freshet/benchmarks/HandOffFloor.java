package io.freshet.benchmarks;

import io.freshet.kafka.internal.HandOffRing;
import io.freshet.kafka.internal.Slot;
import java.util.Arrays;
import org.jctools.queues.SpscArrayQueue;
import org.jctools.queues.atomic.SpscAtomicArrayQueue;

/*
 * Run (under the benchmark lock; the JDK's own flags only):
 *
 *   flock /tmp/jmh.lock java -cp benchmarks/target/benchmarks.jar io.freshet.benchmarks.HandOffFloor 40
 *
 * Argument: rounds (a quarter more warm up first).
 */

/**
 * The pipeline's hand-off between a consumer and an applier thread, measured so that a shared machine's load hits
 * every contender alike: one JVM, short alternating rounds, medians. Each round pushes {@value #RECORDS} records
 * through a ring of {@value #CAPACITY} slots from a producer thread (claim, fill three fields, publish; spin when
 * full) to an applier thread (poll, read, release; spin when empty), and reports wall time per record. Contenders:
 * <ol>
 *   <li>{@code ring}: {@link HandOffRing} as shipped (one slot array, padded counters, VarHandles);</li>
 *   <li>{@code jctools}: two JCTools {@code SpscArrayQueue}s of slots (free and full), the hand-off before 0.1.0's
 *       JDK 24 work ({@code sun.misc.Unsafe});</li>
 *   <li>{@code atomic}: the same with JCTools' {@code SpscAtomicArrayQueue} (no Unsafe), the hand-off of baf1c7e.</li>
 * </ol>
 * plus, per contender, a one-thread round trip (claim, fill, publish, poll, release) as {@code
 * DecodeHandOffBenchmark.handOffRoundTrip} does. Unlike that benchmark's two-thread {@code handOff} score, which
 * averages hand-offs with the calls that found the ring full or empty, this counts completed hand-offs only.
 *
 * <p>Every loop is written once per contender so that each call site sees one class.
 */
public final class HandOffFloor {
    private static final int RECORDS = 1 << 20;
    private static final int CAPACITY = 1024;
    private static final int ONE_THREAD_OPS = 1 << 21;

    private HandOffFloor() {
    }

    /** Two JCTools queues of slots, as HandOffRing was built before. */
    static final class JctoolsRing {
        final SpscArrayQueue<Slot> full = new SpscArrayQueue<>(CAPACITY);
        final SpscArrayQueue<Slot> free = new SpscArrayQueue<>(CAPACITY);

        JctoolsRing(Slot[] slots) {
            for (Slot s : slots) {
                free.offer(s);
            }
        }
    }

    /** The same with JCTools' Unsafe-free queues. */
    static final class AtomicRing {
        final SpscAtomicArrayQueue<Slot> full = new SpscAtomicArrayQueue<>(CAPACITY);
        final SpscAtomicArrayQueue<Slot> free = new SpscAtomicArrayQueue<>(CAPACITY);

        AtomicRing(Slot[] slots) {
            for (Slot s : slots) {
                free.offer(s);
            }
        }
    }

    /** @return {@value #CAPACITY} real slots, taken out of a throwaway ring */
    static Slot[] slots() {
        HandOffRing source = new HandOffRing(CAPACITY, 1, false);
        Slot[] slots = new Slot[CAPACITY];
        for (int i = 0; i < CAPACITY; i++) {
            slots[i] = source.claim();
            source.publish(slots[i]);
        }
        return slots;
    }

    static long ringTwoThreads(HandOffRing ring) throws InterruptedException {
        long[] sum = new long[1];
        Thread applier = new Thread(() -> {
            long s = 0;
            for (int n = 0; n < RECORDS; ) {
                Slot slot = ring.poll();
                if (slot == null) {
                    Thread.onSpinWait();
                    continue;
                }
                s += slot.offset();
                ring.release(slot);
                n++;
            }
            sum[0] = s;
        });
        long t0 = System.nanoTime();
        applier.start();
        for (int n = 0; n < RECORDS; ) {
            Slot slot = ring.claim();
            if (slot == null) {
                Thread.onSpinWait();
                continue;
            }
            slot.kind(Slot.RECORD);
            slot.offset(n);
            slot.longKey(n);
            ring.publish(slot);
            n++;
        }
        applier.join();
        return check(System.nanoTime() - t0, sum[0]);
    }

    static long jctoolsTwoThreads(JctoolsRing ring) throws InterruptedException {
        long[] sum = new long[1];
        Thread applier = new Thread(() -> {
            long s = 0;
            for (int n = 0; n < RECORDS; ) {
                Slot slot = ring.full.relaxedPoll();
                if (slot == null) {
                    Thread.onSpinWait();
                    continue;
                }
                s += slot.offset();
                ring.free.offer(slot);
                n++;
            }
            sum[0] = s;
        });
        long t0 = System.nanoTime();
        applier.start();
        for (int n = 0; n < RECORDS; ) {
            Slot slot = ring.free.relaxedPoll();
            if (slot == null) {
                Thread.onSpinWait();
                continue;
            }
            slot.kind(Slot.RECORD);
            slot.offset(n);
            slot.longKey(n);
            ring.full.offer(slot);
            n++;
        }
        applier.join();
        return check(System.nanoTime() - t0, sum[0]);
    }

    static long atomicTwoThreads(AtomicRing ring) throws InterruptedException {
        long[] sum = new long[1];
        Thread applier = new Thread(() -> {
            long s = 0;
            for (int n = 0; n < RECORDS; ) {
                Slot slot = ring.full.relaxedPoll();
                if (slot == null) {
                    Thread.onSpinWait();
                    continue;
                }
                s += slot.offset();
                ring.free.offer(slot);
                n++;
            }
            sum[0] = s;
        });
        long t0 = System.nanoTime();
        applier.start();
        for (int n = 0; n < RECORDS; ) {
            Slot slot = ring.free.relaxedPoll();
            if (slot == null) {
                Thread.onSpinWait();
                continue;
            }
            slot.kind(Slot.RECORD);
            slot.offset(n);
            slot.longKey(n);
            ring.full.offer(slot);
            n++;
        }
        applier.join();
        return check(System.nanoTime() - t0, sum[0]);
    }

    /** @return the elapsed time, after checking that every record arrived once */
    private static long check(long ns, long sum) {
        long expected = (long) RECORDS * (RECORDS - 1) / 2;
        if (sum != expected) {
            throw new IllegalStateException("offsets summed to " + sum + ", expected " + expected);
        }
        return ns;
    }

    static long ringOneThread(HandOffRing ring) {
        long s = 0;
        long t0 = System.nanoTime();
        for (int n = 0; n < ONE_THREAD_OPS; n++) {
            Slot slot = ring.claim();
            slot.kind(Slot.RECORD);
            slot.offset(n);
            ring.publish(slot);
            Slot polled = ring.poll();
            s += polled.offset();
            ring.release(polled);
        }
        return System.nanoTime() - t0 + (s & 1);
    }

    static long jctoolsOneThread(JctoolsRing ring) {
        long s = 0;
        long t0 = System.nanoTime();
        for (int n = 0; n < ONE_THREAD_OPS; n++) {
            Slot slot = ring.free.relaxedPoll();
            slot.kind(Slot.RECORD);
            slot.offset(n);
            ring.full.offer(slot);
            Slot polled = ring.full.relaxedPoll();
            s += polled.offset();
            ring.free.offer(polled);
        }
        return System.nanoTime() - t0 + (s & 1);
    }

    static long atomicOneThread(AtomicRing ring) {
        long s = 0;
        long t0 = System.nanoTime();
        for (int n = 0; n < ONE_THREAD_OPS; n++) {
            Slot slot = ring.free.relaxedPoll();
            slot.kind(Slot.RECORD);
            slot.offset(n);
            ring.full.offer(slot);
            Slot polled = ring.full.relaxedPoll();
            s += polled.offset();
            ring.free.offer(polled);
        }
        return System.nanoTime() - t0 + (s & 1);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    /**
     * @param args rounds
     * @throws InterruptedException when interrupted
     */
    public static void main(String[] args) throws InterruptedException {
        int rounds = Integer.parseInt(args[0]);
        HandOffRing ring = new HandOffRing(CAPACITY, 1, false);
        JctoolsRing jctools = new JctoolsRing(slots());
        AtomicRing atomic = new AtomicRing(slots());
        String[] names = {"ring", "jctools", "atomic"};
        double[][] twoThreads = new double[3][rounds];
        double[][] oneThread = new double[3][rounds];
        for (int r = -rounds / 4; r < rounds; r++) {
            for (int j = 0; j < 3; j++) {
                int c = Math.floorMod(r + j, 3);
                long two = c == 0 ? ringTwoThreads(ring) : c == 1 ? jctoolsTwoThreads(jctools)
                    : atomicTwoThreads(atomic);
                long one = c == 0 ? ringOneThread(ring) : c == 1 ? jctoolsOneThread(jctools)
                    : atomicOneThread(atomic);
                if (r >= 0) {
                    twoThreads[c][r] = two / (double) RECORDS;
                    oneThread[c][r] = one / (double) ONE_THREAD_OPS;
                }
            }
        }
        StringBuilder out = new StringBuilder(String.format("JDK %d, rounds=%d, median ns per record: two threads",
            Runtime.version().feature(), rounds));
        for (int c = 0; c < 3; c++) {
            out.append(String.format(" %s %.1f", names[c], median(twoThreads[c])));
        }
        out.append("; one-thread round trip");
        for (int c = 0; c < 3; c++) {
            out.append(String.format(" %s %.1f", names[c], median(oneThread[c])));
        }
        System.out.println(out);
    }
}
