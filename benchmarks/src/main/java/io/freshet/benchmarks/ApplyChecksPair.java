package io.freshet.benchmarks;

import io.freshet.benchmarks.peers.KeySequence;
import io.freshet.core.StoreConfig;
import io.freshet.core.StoreGrowth;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.ShardWriter;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
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
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/*
 * Run (from the repository root, after `mvn -ntp -q package -pl benchmarks -am -DskipTests
 * -Dfreshet.skipBenchSmoke=true`), under the benchmark lock:
 *
 *   flock /tmp/jmh.lock java -Xmx4g -XX:+UseParallelGC -cp benchmarks/target/benchmarks.jar \
 *       io.freshet.benchmarks.ApplyChecksPair default 100000 40
 *
 * Arguments: the pair (default | rows | aa), keys, measured iterations (even; 1 s each, half as many warm-up
 * iterations, at least 10). The benchmark runs in this JVM (JMH forks 0: the pair must share one JIT and one heap), so
 * the JVM flags are the command's. It prints every pair of iterations, in the applying thread's CPU time per apply
 * (what a loaded shared machine leaves comparable: wall time there counts the other processes' time slices) and in
 * JMH's wall time, then the mean of the paired differences with its 95% interval and the allocation per apply. Plain
 * JMH (`java -jar benchmarks.jar ApplyChecksPair -prof gc`) runs it too, but reports only the mean of both halves.
 */

/**
 * Issue 21 point 3: what the default checks of an apply cost (the undo record's check word and the applied offset's
 * check word, goal &lt;= 5 ns), below what a two-store harness resolves. One benchmark, one fork, one store: the
 * iterations alternate between the apply as shipped and the same apply with those checks not written (the test-only
 * switch {@code io.freshet.store.internal.ApplyChecks.enabled}, set here by reflection between iterations: nothing
 * in the product reaches it). Both branches are compiled before the first measured iteration (the warm-up alternates
 * too), so each pair of neighbouring iterations differs only in the switch; the mean of many pairs' differences, with
 * its standard error, resolves a few ns where separate forks or stores differ by tens ({@code aa}).
 *
 * <p>Pairs: {@code default}: checks on / off on one store; {@code rows}: a store with {@code rowChecks(true)} / the
 * same store without (two stores, the same keys and rows); {@code aa}: two stores that differ in nothing (the control
 * of {@code rows}). Apply: begin, four counter increments, commit, uniform keys from a pre-generated sequence, one
 * shard, full, {@code /dev/shm}. Single-threaded.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 4, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "-XX:+UseParallelGC"})
public class ApplyChecksPair {
    private static final java.lang.management.ThreadMXBean THREADS =
        java.lang.management.ManagementFactory.getThreadMXBean();
    /** Per iteration, in order (warm-up included): {first half ? 1 : 0, CPU ns per apply}; {@link #main} reads it. */
    static final List<double[]> CPU_NS_PER_APPLY = java.util.Collections.synchronizedList(new ArrayList<>());

    /** Pre-filled stores, and which one (and which switch setting) the current iteration applies to. */
    @State(Scope.Benchmark)
    public static class Stores {
        /** The pair: {@code default}, {@code rows} or {@code aa}. */
        @Param({"default"})
        public String pair;
        /** Keys in each store (full). */
        @Param({"100000"})
        public int keys;

        private final List<Path> dirs = new ArrayList<>();
        private RowStore first;
        private RowStore second;
        private Field enabled;
        /** Iterations set up so far: even ones run the first half of the pair (checks on, or row checks). */
        private int iteration;
        RowStore store;
        ShardWriter writer;
        int topic;
        KeySequence sequence;
        long offset;
        /** Applies so far, and the applying thread's CPU time and applies when the iteration began. */
        long applies;
        private long cpuAtStartNs;
        private long appliesAtStart;
        private boolean firstHalf;

        /** Creates and fills the stores. */
        @Setup(Level.Trial)
        public void setUp() throws ReflectiveOperationException {
            sequence = KeySequence.of(KeySequence.UNIFORM, keys, 17);
            enabled = Class.forName("io.freshet.store.internal.ApplyChecks").getDeclaredField("enabled");
            enabled.setAccessible(true);
            switch (pair) {
                case "default" -> {
                    first = open("checks", false);
                    second = first;
                }
                case "rows" -> {
                    first = open("rows", true);
                    second = open("plain", false);
                }
                case "aa" -> {
                    first = open("a", false);
                    second = open("b", false);
                }
                default -> throw new IllegalArgumentException("pair=" + pair + " is unknown: use default, rows or aa");
            }
        }

        private RowStore open(String name, boolean rowChecks) {
            Path dir = Path.of("/dev/shm", "freshet-applychecks-" + name + "-" + ProcessHandle.current().pid());
            dirs.add(dir);
            try {
                StoreBenchmark.deleteRecursively(dir);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            StoreConfig config = StoreConfig.builder(StoreBenchmark.SET).directory(dir).capacity(keys)
                .growth(StoreGrowth.disabled()).shards(1).rowChecks(rowChecks).build();
            RowStore s = StoreBenchmark.engineNamed("table").open(config);
            StoreBenchmark.fill(s, keys);
            return s;
        }

        /** Switches to the pair's other half: the first half on even iterations (warm-up and measurement). */
        @Setup(Level.Iteration)
        public void alternate() throws IllegalAccessException {
            firstHalf = iteration++ % 2 == 0;
            enabled.setBoolean(null, !"default".equals(pair) || firstHalf);
            store = firstHalf ? first : second;
            writer = store.writer(0);
            topic = store.topicIndex("bench");
            appliesAtStart = applies;
            cpuAtStartNs = THREADS.getCurrentThreadCpuTime();
        }

        /** Records the iteration's CPU time per apply (the thread that applied runs the iteration's set-up too). */
        @TearDown(Level.Iteration)
        public void record() {
            long cpu = THREADS.getCurrentThreadCpuTime() - cpuAtStartNs;
            long n = applies - appliesAtStart;
            CPU_NS_PER_APPLY.add(new double[] {firstHalf ? 1 : 0, n == 0 ? Double.NaN : (double) cpu / n});
        }

        /** Closes and deletes the stores; the switch is left on. */
        @TearDown(Level.Trial)
        public void tearDown() throws IOException, IllegalAccessException {
            enabled.setBoolean(null, true);
            first.close();
            if (second != first) {
                second.close();
            }
            for (Path dir : dirs) {
                StoreBenchmark.deleteRecursively(dir);
            }
        }
    }

    /** Per-thread cursor. */
    @State(Scope.Thread)
    public static class Cursor {
        int position;
    }

    /**
     * One exactly-once apply: begin, four counter increments, commit.
     *
     * @param s stores
     * @param c cursor
     * @return the applied key
     */
    @Benchmark
    public long apply(Stores s, Cursor c) {
        long key = s.sequence.key(c.position++ & KeySequence.MASK);
        s.applies++;
        ShardWriter w = s.writer;
        if (w.begin(key, s.topic, 0, ++s.offset) != ShardWriter.BEGIN_OK) {
            throw new IllegalStateException("begin refused key=" + key);
        }
        RowBuffer row = w.row();
        for (int off : StoreBenchmark.APPLY_OFFSETS) {
            row.putLong(off, row.getLong(off) + 1);
        }
        w.commit();
        return key;
    }

    /**
     * Runs the pair and prints the paired differences.
     *
     * @param args pair, keys, measured iterations
     * @throws RunnerException when JMH fails
     */
    public static void main(String[] args) throws RunnerException {
        String pair = args.length > 0 ? args[0] : "default";
        String keys = args.length > 1 ? args[1] : "100000";
        int iterations = Math.max(10, args.length > 2 ? Integer.parseInt(args[2]) : 40) & ~1;
        int warmups = Math.max(10, iterations / 2) & ~1;
        CPU_NS_PER_APPLY.clear();
        ChainedOptionsBuilder options = new OptionsBuilder().include(ApplyChecksPair.class.getName() + ".apply")
            .param("pair", pair).param("keys", keys).forks(0).warmupIterations(warmups)
            .warmupTime(TimeValue.seconds(1)).measurementIterations(iterations).measurementTime(TimeValue.seconds(1))
            .addProfiler("gc");
        Collection<RunResult> results = new Runner(options.build()).run();
        for (RunResult r : results) {
            report(pair, keys, r.getBenchmarkResults(), CPU_NS_PER_APPLY.subList(warmups, CPU_NS_PER_APPLY.size()));
        }
    }

    /**
     * Prints each pair of iterations (even: the first half) and the mean difference with its 95% interval, in CPU
     * time per apply, then the same in JMH's wall time.
     */
    private static void report(String pair, String keys, Collection<BenchmarkResult> forks, List<double[]> cpu) {
        for (double[] it : cpu) {
            if ((it[0] == 1) != (cpu.indexOf(it) % 2 == 0)) {
                throw new IllegalStateException("measured iterations do not alternate from the first half: " + cpu);
            }
        }
        List<Double> cpuScores = new ArrayList<>();
        for (double[] it : cpu) {
            cpuScores.add(it[1]);
        }
        summarize(pair, keys, "CPU time", cpuScores, forks);
        for (BenchmarkResult fork : forks) {
            List<Double> scores = new ArrayList<>();
            for (IterationResult it : fork.getIterationResults()) {
                scores.add(it.getPrimaryResult().getScore());
            }
            summarize(pair, keys, "wall time (JMH)", scores, forks);
        }
    }

    private static void summarize(String pair, String keys, String what, List<Double> scores,
        Collection<BenchmarkResult> forks) {
        for (BenchmarkResult fork : forks) {
            int n = scores.size() / 2;
            double[] diff = new double[n];
            double firstSum = 0;
            double secondSum = 0;
            for (int i = 0; i < n; i++) {
                double a = scores.get(2 * i);
                double b = scores.get(2 * i + 1);
                firstSum += a;
                secondSum += b;
                diff[i] = a - b;
                System.out.printf("pair %2d: %8.2f %8.2f  diff %+7.2f ns%n", i, a, b, diff[i]);
            }
            double mean = 0;
            for (double d : diff) {
                mean += d;
            }
            mean /= n;
            double var = 0;
            for (double d : diff) {
                var += (d - mean) * (d - mean);
            }
            double se = Math.sqrt(var / (n - 1) / n);
            String alloc = null;
            for (var e : fork.getSecondaryResults().entrySet()) {
                if (e.getKey().endsWith("gc.alloc.rate.norm")) {
                    alloc = String.format("%.4f", e.getValue().getScore());
                }
            }
            String[] halves = switch (pair) {
                case "rows" -> new String[] {"rowChecks", "plain"};
                case "aa" -> new String[] {"store A", "store B"};
                default -> new String[] {"checks on", "checks off"};
            };
            System.out.printf("%s, %s keys, %s: %s %.2f ns/apply, %s %.2f ns/apply; difference %+.2f ns "
                + "(95%% interval %+.2f..%+.2f, %d pairs); allocation %s%n", pair, keys, what, halves[0], firstSum / n,
                halves[1], secondSum / n, mean, mean - 2.0 * se, mean + 2.0 * se, n,
                alloc == null ? "n/a" : alloc + " B/apply");
        }
    }
}
