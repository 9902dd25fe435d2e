package io.freshet.benchmarks;

import io.freshet.core.FeatureVector;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@link FeatureLogAblationBenchmark}'s variants interleaved, for a loaded machine: round after round, each variant
 * runs a batch of reads timed as a whole, so every variant sees the same load. Per variant: the median batch (and the
 * 10th percentile), which filter out the batches a descheduling hit; and the thread's CPU time per op (user and system:
 * page faults, a rotation's file work), summed over every batch, rotations included, without the time the thread
 * waited for a core. Then the rotations alone: a fresh log, each append that rotates timed on its own. Allocation is
 * JMH's to prove ({@code -prof gc} on the benchmark); this only times.
 *
 * <pre>
 * flock /tmp/jmh.lock java -Xmx8g -XX:+UseParallelGC -cp benchmarks/target/benchmarks.jar \
 *     io.freshet.benchmarks.FeatureLogAblation [keys=200000] [rounds=300] [batch=2000]
 * </pre>
 */
public final class FeatureLogAblation {
    private FeatureLogAblation() {
    }

    /** One variant: runs {@code n} ops, returns a value so nothing is dead code. */
    private interface Variant {
        double run(FeatureLogAblationBenchmark.Setting s, FeatureLogAblationBenchmark.Caller c, int n);
    }

    /**
     * @param args {@code keys=N rounds=N batch=N}
     * @throws Exception when the store or log cannot be made
     */
    public static void main(String[] args) throws Exception {
        int keys = 200_000;
        int rounds = 300;
        int batch = 2000;
        for (String a : args) {
            String[] kv = a.split("=", 2);
            switch (kv[0]) {
                case "keys" -> keys = Integer.parseInt(kv[1]);
                case "rounds" -> rounds = Integer.parseInt(kv[1]);
                case "batch" -> batch = Integer.parseInt(kv[1]);
                default -> throw new IllegalArgumentException("unknown argument " + a + ": use keys=, rounds=, batch=");
            }
        }
        FeatureLogAblationBenchmark.Setting s = new FeatureLogAblationBenchmark.Setting();
        s.keys = keys;
        s.distribution = io.freshet.benchmarks.peers.KeySequence.UNIFORM;
        s.setUp();
        FeatureLogAblationBenchmark.Caller c = new FeatureLogAblationBenchmark.Caller();
        c.setUp(s);
        FeatureLogAblationBenchmark b = new FeatureLogAblationBenchmark();
        List<String> names = new ArrayList<>();
        List<Variant> variants = new ArrayList<>();
        names.add("read");
        variants.add((st, ca, n) -> loop(n, () -> b.read(st, ca)));
        names.add("readLogged");
        variants.add((st, ca, n) -> loop(n, () -> b.readLogged(st, ca)));
        names.add("appendOnly");
        variants.add((st, ca, n) -> loop(n, () -> b.appendOnly(st, ca)));
        names.add("writeFreshOnly");
        variants.add((st, ca, n) -> loop(n, () -> b.writeFreshOnly(st, ca)));
        names.add("readWriteWarm");
        variants.add((st, ca, n) -> loop(n, () -> b.readWriteWarm(st, ca)));
        names.add("readWriteFresh");
        variants.add((st, ca, n) -> loop(n, () -> b.readWriteFresh(st, ca)));
        names.add("readWriteFreshNoChecksum");
        variants.add((st, ca, n) -> loop(n, () -> b.readWriteFreshNoChecksum(st, ca)));
        names.add("readWriteFreshFenced");
        variants.add((st, ca, n) -> loop(n, () -> b.readWriteFreshFenced(st, ca)));
        names.add("readWriteFreshThreadLocal");
        variants.add((st, ca, n) -> loop(n, () -> b.readWriteFreshThreadLocal(st, ca)));
        names.add("readWriteFreshTouchFirst");
        variants.add((st, ca, n) -> loop(n, () -> b.readWriteFreshTouchFirst(st, ca)));
        names.add("readWriteFreshTouchAhead");
        variants.add((st, ca, n) -> loop(n, () -> b.readWriteFreshTouchAhead(st, ca)));
        int v = variants.size();
        // Warm-up: every variant compiled before any batch counts.
        for (int r = 0; r < 40; r++) {
            for (int i = 0; i < v; i++) {
                variants.get(i).run(s, c, batch);
            }
        }
        double[][] nsPerOp = new double[v][rounds];
        long[] cpuNs = new long[v];
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        double sink = 0;
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < v; i++) {
                int at = (i + r) % v; // rotate the order: no variant always follows the same one
                long c0 = cpu.getCurrentThreadCpuTime();
                long t0 = System.nanoTime();
                sink += variants.get(at).run(s, c, batch);
                nsPerOp[at][r] = (System.nanoTime() - t0) / (double) batch;
                cpuNs[at] += cpu.getCurrentThreadCpuTime() - c0;
            }
        }
        long ops = (long) rounds * batch;
        double readMedian = percentile(nsPerOp[0], 0.5);
        double readP10 = percentile(nsPerOp[0], 0.1);
        System.out.printf(Locale.ROOT, "%n%-28s %10s %10s %10s %12s %12s %10s %12s%n", "variant (" + keys + " keys)",
            "p10 ns", "median ns", "mean ns", "+med vs read", "+p10 vs read", "cpu ns", "+cpu vs read");
        double readCpu = cpuNs[0] / (double) ops;
        for (int i = 0; i < v; i++) {
            double med = percentile(nsPerOp[i], 0.5);
            double p10 = percentile(nsPerOp[i], 0.1);
            double cpuPerOp = cpuNs[i] / (double) ops;
            System.out.printf(Locale.ROOT, "%-28s %10.1f %10.1f %10.1f %12.1f %12.1f %10.1f %12.1f%n", names.get(i),
                p10, med, Arrays.stream(nsPerOp[i]).average().orElse(0), med - readMedian, p10 - readP10, cpuPerOp,
                cpuPerOp - readCpu);
        }
        s.tearDown();
        rotations();
        System.out.println("(sink " + (sink == 42 ? "!" : ".") + ")");
    }

    private static double percentile(double[] values, double q) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.min(sorted.length - 1, Math.round(q * (sorted.length - 1)))];
    }

    private static double loop(int n, java.util.function.DoubleSupplier op) {
        double x = 0;
        for (int i = 0; i < n; i++) {
            x += op.getAsDouble();
        }
        return x;
    }

    /** A fresh log on a fresh store; every append timed; the ones that rotate (every entriesPerSegment) reported. */
    private static void rotations() throws Exception {
        FeatureLogAblationBenchmark.Setting s = new FeatureLogAblationBenchmark.Setting();
        s.keys = 1000;
        s.distribution = io.freshet.benchmarks.peers.KeySequence.UNIFORM;
        s.setUp();
        FeatureVector v = s.served.featureSet.newVector();
        s.served.reader.read(s.served.sequence.key(0), v);
        int perSegment = (int) (((64L << 20) - 64) / 440);
        int segments = 12;
        long[] rotateNs = new long[segments];
        long slowOthers = 0;
        long totalNs = 0;
        long n = (long) perSegment * segments;
        // Paced like a logged read (~1 us apart) so that the preparer has the time it has in production.
        for (long i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            s.log.append(i, 1, v);
            long d = System.nanoTime() - t0;
            totalNs += d;
            if (i % perSegment == 0) {
                rotateNs[(int) (i / perSegment)] = d;
            } else if (d > 20_000) {
                slowOthers++;
            }
            long until = t0 + 700;
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
        }
        System.out.printf(Locale.ROOT, "%nrotations (64 MiB segments, %d entries each, appends ~0.7 us apart):%n",
            perSegment);
        System.out.println("  append that rotates, us: " + Arrays.toString(Arrays.stream(rotateNs)
            .mapToObj(x -> String.format(Locale.ROOT, "%.0f", x / 1000.0)).toArray()));
        long rotTotal = Arrays.stream(rotateNs).skip(1).sum();
        System.out.printf(Locale.ROOT, "  amortised over an entry: %.1f ns (first segment excluded); other appends"
            + " over 20 us: %d; mean append incl. all: %.1f ns%n", rotTotal / (double) (n - perSegment), slowOthers,
            totalNs / (double) n);
        s.tearDown();
    }
}
