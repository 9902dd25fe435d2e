package io.freshet.benchmarks;

import java.util.Arrays;
import java.util.List;

/**
 * One hot path and its peer, measured by the latency guard ({@link LatencyGuard}) in the same JVM in alternating
 * short rounds, so that whatever else the machine does hits both alike and their ratio stays put where absolute
 * times do not.
 *
 * <p>A pair calls the JMH benchmark methods themselves, on their own {@code @State} objects (built and set up here
 * as JMH would): {@link #subject} runs the {@link HotPath} benchmark {@code ops} times, {@link #peer} the peer
 * benchmark. Each implementation writes its own loop in each of the two methods, so that the JIT compiles each loop
 * with its one call site monomorphic and inlined, as JMH's generated loop does: a shared loop over an interface
 * would measure a megamorphic call instead.
 *
 * <p>Single-threaded unless an implementation says otherwise; one pair per JVM (the guard forks one per pair, so
 * that no pair's type profile slows another's code).
 */
abstract class LatencyPair {
    /** Rounds of each side measured after the warm-up. */
    static final int ROUNDS = 201;
    /**
     * Target length of one round: far longer than the timer's cost (~25 ns), and shorter than a scheduler time slice,
     * so that on a loaded machine most rounds run without being pre-empted and the pre-empted ones are outliers.
     */
    static final long ROUND_NS = 500_000;
    /** Warm-up time, alternating the sides as the measurement does (JIT compilation of both loops). */
    static final long WARMUP_NS = 1_500_000_000L;
    /**
     * The percentile of each side's per-round time that the ratio compares. Interference (pre-emption, another
     * tenant's cache traffic) only ever adds time, so a low percentile is each side's cost with the least
     * interference, and the ratio of the two is what stays put from run to run on a shared machine.
     */
    static final double PERCENTILE = 0.1;

    private final String name;
    private final List<String> covers;

    /**
     * @param name the pair's key in the baseline file
     * @param covers full names ({@code package.Class.method}) of the {@link HotPath} benchmarks this pair guards
     */
    LatencyPair(String name, String... covers) {
        this.name = name;
        this.covers = List.of(covers);
    }

    /** @return the pair's key in the baseline file */
    final String name() {
        return name;
    }

    /** @return full names of the {@link HotPath} benchmarks this pair guards */
    final List<String> covers() {
        return covers;
    }

    /** @return what is measured against what, for the report */
    abstract String describe();

    /**
     * Builds and fills the states of both sides.
     *
     * @throws Exception when setup fails
     */
    abstract void setUp() throws Exception;

    /**
     * @param ops operations to run
     * @return a sink of the results, so that nothing is dead code
     */
    abstract long subject(int ops);

    /**
     * @param ops operations to run
     * @return a sink of the results, so that nothing is dead code
     */
    abstract long peer(int ops);

    /**
     * Releases what {@link #setUp} built (files, threads).
     *
     * @throws Exception when teardown fails
     */
    void tearDown() throws Exception {
    }

    /**
     * The outcome of one measurement.
     *
     * @param ratio the guarded figure: {@code subjectNs / peerNs}
     * @param roundRatioP25 25th percentile of the per-round ratios subject / peer (spread, for people)
     * @param roundRatioP75 75th percentile of the per-round ratios
     * @param subjectNs time of one subject operation at {@link #PERCENTILE} of its rounds, ns
     * @param peerNs time of one peer operation at {@link #PERCENTILE} of its rounds, ns
     */
    record Measurement(double ratio, double roundRatioP25, double roundRatioP75, double subjectNs, double peerNs) {
    }

    /**
     * Warms both sides up, then measures {@value #ROUNDS} round pairs in ABBA order (subject first in even rounds,
     * peer first in odd ones, so a drift in the machine's speed favours neither).
     *
     * @param slowdown how many subject operations make one measured operation: 1, or more only to show that the guard
     *     catches a slower hot path (the guard's own test of itself)
     * @return the ratio and times
     */
    final Measurement measure(int slowdown) {
        long sink = 0;
        int subjectOps = 1;
        int peerOps = 1;
        long warmupEnd = System.nanoTime() + WARMUP_NS;
        while (System.nanoTime() < warmupEnd) {
            long t0 = System.nanoTime();
            sink += subject(subjectOps * slowdown);
            long t1 = System.nanoTime();
            sink += peer(peerOps);
            long t2 = System.nanoTime();
            subjectOps = nextOps(subjectOps, t1 - t0);
            peerOps = nextOps(peerOps, t2 - t1);
        }
        double[] ratios = new double[ROUNDS];
        double[] subjectNs = new double[ROUNDS];
        double[] peerNs = new double[ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            long s;
            long p;
            if ((r & 1) == 0) {
                long t0 = System.nanoTime();
                sink += subject(subjectOps * slowdown);
                long t1 = System.nanoTime();
                sink += peer(peerOps);
                long t2 = System.nanoTime();
                s = t1 - t0;
                p = t2 - t1;
            } else {
                long t0 = System.nanoTime();
                sink += peer(peerOps);
                long t1 = System.nanoTime();
                sink += subject(subjectOps * slowdown);
                long t2 = System.nanoTime();
                p = t1 - t0;
                s = t2 - t1;
            }
            subjectNs[r] = (double) s / subjectOps;
            peerNs[r] = (double) p / peerOps;
            ratios[r] = subjectNs[r] / peerNs[r];
        }
        if (sink == 42) {
            System.out.print("");
        }
        Arrays.sort(ratios);
        Arrays.sort(subjectNs);
        Arrays.sort(peerNs);
        int at = (int) (ROUNDS * PERCENTILE);
        return new Measurement(subjectNs[at] / peerNs[at], ratios[ROUNDS / 4], ratios[ROUNDS * 3 / 4], subjectNs[at],
            peerNs[at]);
    }

    /** Scales a side's operation count towards one {@value #ROUND_NS} ns round (at most 4x per step). */
    private static int nextOps(int ops, long elapsedNs) {
        double scale = (double) ROUND_NS / Math.max(1, elapsedNs);
        double next = ops * Math.max(0.25, Math.min(4.0, scale));
        return (int) Math.max(1, Math.min(1 << 26, next));
    }
}
