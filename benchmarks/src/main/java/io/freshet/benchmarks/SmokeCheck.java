package io.freshet.benchmarks;

import io.freshet.benchmarks.harness.Json;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * The checker of the benchmark smoke run that {@code mvn verify} makes (see benchmarks/pom.xml): reads the JMH JSON
 * results and fails (exit status 1) when
 * <ul>
 *   <li>a benchmark that the run's include/exclude patterns select, in any mode or {@code @Param} combination it
 *       declares, has no result with a finite score (it threw, or did not run), or</li>
 *   <li>a benchmark marked {@link HotPath} reports {@code gc.alloc.rate.norm} of
 *       {@value #MAX_HOT_PATH_ALLOC_BYTES_PER_OP} B/op or more, or reports none (run without {@code -prof gc}).</li>
 * </ul>
 * It asserts nothing about time: the machines are shared and timing is for people to read.
 *
 * <p>Where B/op comes from: JMH's GC profiler divides the bytes every thread of the fork allocated during an
 * iteration by that iteration's operations. So JMH's own allocation per iteration counts too, amortised over the
 * operations, and a loaded machine makes fewer of them. In {@code avgt} that is a few KB (measured: 5.8 KB per
 * iteration, whether 1 s or 4 s long), plus the last iteration's {@code @TearDown(Level.Trial)}. In {@code sample}
 * mode it is 330-490 KB per iteration (the sample buffer and a 4 KB histogram array for each power of two its
 * timings reach, which a preempted sample stretches to 2^25 ns, and the result it makes of them): under load (the
 * read at ~300k operations in 1 s) ServedReadBenchmark.read showed 1.19-1.40 B/op in {@code sample}, 0.75-1.34 at
 * steady state, and 0.13 B/op in {@code avgt} in the same run. So a hot path's allocation is judged on its
 * {@code avgt} run when the results hold one for the same params (the same method; the mode only changes JMH's
 * loop around it), and a suspect is confirmed in {@code avgt}, where a real allocation of the method (16 B or more
 * per object) stands far above JMH's.
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.freshet.benchmarks.SmokeCheck results.json [include [exclude
 * [name=v1,v2 ...]]]}, with the same JMH regexes and {@code -p} overrides the run used (default: every benchmark,
 * none excluded, no override). Single-threaded; allocates freely.
 */
public final class SmokeCheck {
    /** A hot-path benchmark must allocate less than this per operation. */
    public static final double MAX_HOT_PATH_ALLOC_BYTES_PER_OP = 1.0;
    /** The suffix of JMH's GC profiler metric for bytes allocated per operation. */
    static final String ALLOC_NORM_METRIC = "gc.alloc.rate.norm";
    /** JMH's short label of {@link Mode#AverageTime} in its results. */
    private static final String AVERAGE_TIME = Mode.AverageTime.shortLabel();

    private SmokeCheck() {
    }

    /**
     * A run the results must contain.
     *
     * @param benchmark full benchmark name, {@code package.Class.method}
     * @param mode JMH mode short label, e.g. {@code avgt}
     * @param combinations how many {@code @Param} combinations it declares (1 when none)
     */
    record Expected(String benchmark, String mode, int combinations) {
    }

    /**
     * @param args results file, then optional include and exclude regexes
     * @throws IOException when the results cannot be read
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: SmokeCheck results.json [include-regex [exclude-regex [name=v1,v2 ...]]]");
            System.exit(2);
        }
        Path results = Path.of(args[0]);
        String include = args.length > 1 ? args[1] : ".*";
        List<String> excludes = args.length > 2 ? List.of(args[2]) : List.of();
        Map<String, Integer> overrides = new LinkedHashMap<>();
        for (int a = 3; a < args.length; a++) {
            int eq = args[a].indexOf('=');
            if (eq <= 0) {
                System.err.println("param override=" + args[a] + " is not name=v1,v2 (as given to JMH's -p)");
                System.exit(2);
            }
            overrides.put(args[a].substring(0, eq), args[a].substring(eq + 1).split(",", -1).length);
        }
        List<String> failures = new ArrayList<>();
        checkFresh(results, failures);
        if (failures.isEmpty()) {
            List<Map<String, Object>> runs = parseResults(Files.readString(results, StandardCharsets.UTF_8));
            List<AllocationSuspect> suspects = new ArrayList<>();
            failures.addAll(check(runs, expected(include, excludes, overrides), SmokeCheck::isHotPath, System.out,
                suspects));
            for (AllocationSuspect suspect : suspects) {
                double confirmed = confirm(suspect);
                if (confirmed < MAX_HOT_PATH_ALLOC_BYTES_PER_OP) {
                    failures.remove(suspect.failure());
                    System.out.printf("%s (%s) %s: %.3f B/op after the smoke's 1 s warm-up, %.3f B/op at steady state"
                        + " (avgt, %d x 1 s warm-up): below the limit%n", suspect.benchmark(), suspect.mode(),
                        suspect.params(), suspect.allocation(), confirmed, CONFIRM_WARMUP_ITERATIONS);
                } else {
                    failures.set(failures.indexOf(suspect.failure()), suspect.failure() + "; confirmed at steady state"
                        + " (avgt, " + CONFIRM_WARMUP_ITERATIONS + " x 1 s warm-up): " + confirmed + " B/op");
                }
            }
        }
        if (!failures.isEmpty()) {
            System.err.println("Benchmark smoke check FAILED (" + failures.size() + "):");
            for (String f : failures) {
                System.err.println("  " + f);
            }
            System.exit(1);
        }
        System.out.println("Benchmark smoke check passed.");
    }

    /** Warm-up iterations of 1 s each of a confirmation run: long enough for C2 to compile the benchmark loop. */
    static final int CONFIRM_WARMUP_ITERATIONS = 8;

    /**
     * A hot path that allocated over the limit in the smoke run.
     *
     * @param benchmark full benchmark name
     * @param mode JMH mode short label
     * @param params its {@code @Param} values in that run
     * @param allocation the B/op it reported
     * @param failure the failure message {@link #check} added for it
     */
    record AllocationSuspect(String benchmark, String mode, Map<String, String> params, double allocation,
        String failure) {
    }

    /**
     * Runs a suspect again alone, in its own fork with its {@code @Fork} flags, with a long warm-up: a 1 s warm-up on
     * a loaded machine can end before C2 compiled the loop, and code not yet compiled by C2 allocates what escape
     * analysis later removes (a loaded run of the smoke saw 1.5-8 B/op where a quiet one sees 0.002). It runs in
     * {@code avgt} whatever the suspect's mode, where JMH allocates least per iteration (see the class comment), and
     * its figure is the median of its iterations' (the last one also counts the trial's tear-down). What allocates
     * at steady state still fails; the limit does not change.
     *
     * @return the B/op at steady state, or positive infinity when the run gave none
     */
    private static double confirm(AllocationSuspect suspect) {
        System.setProperty("jmh.ignoreLock", "true");
        ChainedOptionsBuilder b = new OptionsBuilder()
            .include("^" + Pattern.quote(suspect.benchmark()) + "$")
            .mode(Mode.AverageTime)
            .forks(1)
            .warmupIterations(CONFIRM_WARMUP_ITERATIONS)
            .warmupTime(TimeValue.seconds(1))
            .measurementIterations(3)
            .measurementTime(TimeValue.seconds(1))
            .addProfiler(GCProfiler.class)
            .verbosity(VerboseMode.SILENT);
        for (Map.Entry<String, String> p : suspect.params().entrySet()) {
            b.param(p.getKey(), p.getValue());
        }
        try {
            double worst = Double.NEGATIVE_INFINITY;
            for (RunResult r : new Runner(b.build()).run()) {
                for (BenchmarkResult br : r.getBenchmarkResults()) {
                    List<Double> perIteration = new ArrayList<>();
                    for (IterationResult i : br.getIterationResults()) {
                        for (Map.Entry<String, Result> m : i.getSecondaryResults().entrySet()) {
                            if (m.getKey().endsWith(ALLOC_NORM_METRIC)) {
                                perIteration.add(m.getValue().getScore());
                            }
                        }
                    }
                    worst = Math.max(worst, median(perIteration));
                }
            }
            return worst == Double.NEGATIVE_INFINITY ? Double.POSITIVE_INFINITY : worst;
        } catch (RunnerException e) {
            System.err.println("confirmation run of " + suspect.benchmark() + " failed: " + e);
            return Double.POSITIVE_INFINITY;
        }
    }

    /**
     * @param values per-iteration figures
     * @return their median (the upper one of an even count), positive infinity when there are none
     */
    static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.POSITIVE_INFINITY;
        }
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        return sorted.get(sorted.size() / 2);
    }

    private static Map<String, String> stringMap(Map<String, Object> params) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : params.entrySet()) {
            out.put(e.getKey(), String.valueOf(e.getValue()));
        }
        return out;
    }

    /** Results older than the jar that holds this class come from an earlier build: refuse them. */
    private static void checkFresh(Path results, List<String> failures) throws IOException {
        if (!Files.isRegularFile(results)) {
            failures.add("results=" + results + " does not exist: the smoke run did not write it");
            return;
        }
        try {
            File jar = new File(SmokeCheck.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (jar.isFile() && Files.getLastModifiedTime(results).toMillis() < jar.lastModified()) {
                failures.add("results=" + results + " is older than jar=" + jar + ": stale results of an earlier "
                    + "build");
            }
        } catch (URISyntaxException | SecurityException | NullPointerException e) {
            // No code source to compare with (e.g. classes on a test class path): nothing to check.
        }
    }

    /**
     * @param json JMH's JSON result document
     * @return one map per run (benchmark, mode, params combination)
     */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> parseResults(String json) {
        Object root = Json.parse(json);
        if (!(root instanceof List)) {
            throw new IllegalArgumentException("JMH results are not a JSON array");
        }
        List<Map<String, Object>> runs = new ArrayList<>();
        for (Object o : (List<Object>) root) {
            if (!(o instanceof Map)) {
                throw new IllegalArgumentException("JMH result entry is not an object: " + o);
            }
            runs.add((Map<String, Object>) o);
        }
        return runs;
    }

    /**
     * Lists what the JMH run selected, with the same matching JMH uses, from the benchmark list of the class path.
     *
     * @param include include regex
     * @param excludes exclude regexes
     * @param overrides {@code -p} overrides of the run: param name to its number of values
     * @return the expected runs
     */
    static List<Expected> expected(String include, List<String> excludes, Map<String, Integer> overrides) {
        PrintStream silent = new PrintStream(PrintStream.nullOutputStream());
        List<Expected> out = new ArrayList<>();
        for (BenchmarkListEntry e : BenchmarkList.defaultList().find(
            OutputFormatFactory.createFormatInstance(silent, VerboseMode.SILENT), List.of(include), excludes)) {
            int combinations = 1;
            if (e.getParams().hasValue()) {
                for (Map.Entry<String, String[]> p : e.getParams().get().entrySet()) {
                    combinations *= overrides.getOrDefault(p.getKey(), Math.max(1, p.getValue().length));
                }
            }
            out.add(new Expected(e.getUsername(), e.getMode().shortLabel(), combinations));
        }
        return out;
    }

    /**
     * The check itself, separate from I/O so that it can be tested.
     *
     * @param runs parsed JMH results
     * @param expected what the run selected
     * @param isHotPath whether a benchmark (full name) must not allocate
     * @param report where the summary table goes
     * @return one message per failure, empty when the smoke passes
     */
    static List<String> check(List<Map<String, Object>> runs, Collection<Expected> expected,
        Predicate<String> isHotPath, PrintStream report) {
        return check(runs, expected, isHotPath, report, new ArrayList<>());
    }

    /**
     * As {@link #check(List, Collection, Predicate, PrintStream)}, also listing each hot path over the allocation
     * limit, whose failure {@link #main} confirms with a longer warm-up before it counts.
     *
     * @param runs parsed JMH results
     * @param expected what the run selected
     * @param isHotPath whether a benchmark (full name) must not allocate
     * @param report where the summary table goes
     * @param suspects receives the hot paths over the allocation limit, with their failure message
     * @return one message per failure, empty when the smoke passes
     */
    @SuppressWarnings("unchecked")
    static List<String> check(List<Map<String, Object>> runs, Collection<Expected> expected,
        Predicate<String> isHotPath, PrintStream report, List<AllocationSuspect> suspects) {
        List<String> failures = new ArrayList<>();
        Map<String, Integer> seen = new LinkedHashMap<>();
        Set<String> averageTimeRuns = new HashSet<>();
        for (Map<String, Object> run : runs) {
            if (AVERAGE_TIME.equals(String.valueOf(run.get("mode")))) {
                averageTimeRuns.add(run.get("benchmark") + " " + run.get("params"));
            }
        }
        report.printf("%-70s %-26s %14s %12s  %s%n", "benchmark", "params", "score", "B/op", "hot path");
        for (Map<String, Object> run : runs) {
            String benchmark = String.valueOf(run.get("benchmark"));
            String mode = String.valueOf(run.get("mode"));
            Object params = run.get("params") == null ? "" : run.get("params");
            Map<String, Object> primary = run.get("primaryMetric") instanceof Map
                ? (Map<String, Object>) run.get("primaryMetric") : Map.of();
            double score = Json.number(primary.get("score"));
            double alloc = allocNorm(run.get("secondaryMetrics"));
            boolean hot;
            try {
                hot = isHotPath.test(benchmark);
            } catch (IllegalStateException e) {
                failures.add(e.getMessage());
                continue;
            }
            // The same method's allocation without JMH's per-sample bookkeeping (see the class comment).
            boolean judgedOnAverageTime = !AVERAGE_TIME.equals(mode) && averageTimeRuns.contains(benchmark + " "
                + run.get("params"));
            report.printf("%-70s %-26s %10.1f %-3s %12s  %s%n", benchmark + " (" + mode + ")", params, score,
                unitOf(primary), Double.isNaN(alloc) ? "-" : String.format("%.3f", alloc), !hot ? "no"
                    : judgedOnAverageTime ? "yes, B/op judged on its avgt run" : "yes");
            if (Double.isNaN(score) || Double.isInfinite(score)) {
                failures.add("benchmark=" + benchmark + " mode=" + mode + " params=" + params + " has no finite score="
                    + primary.get("score"));
                continue;
            }
            seen.merge(benchmark + " " + mode, 1, Integer::sum);
            if (!hot || judgedOnAverageTime) {
                continue;
            }
            if (Double.isNaN(alloc)) {
                failures.add("benchmark=" + benchmark + " mode=" + mode + " params=" + params + " is a @HotPath but has"
                    + " no " + ALLOC_NORM_METRIC + " metric: run it with -prof gc");
            } else if (alloc >= MAX_HOT_PATH_ALLOC_BYTES_PER_OP) {
                String failure = "benchmark=" + benchmark + " mode=" + mode + " params=" + params + " allocates "
                    + ALLOC_NORM_METRIC + "=" + alloc + " B/op >= limit=" + MAX_HOT_PATH_ALLOC_BYTES_PER_OP
                    + " B/op on a @HotPath: profile it with -prof gc and remove the allocation";
                failures.add(failure);
                suspects.add(new AllocationSuspect(benchmark, mode, params instanceof Map
                    ? stringMap((Map<String, Object>) params) : Map.of(), alloc, failure));
            }
        }
        for (Expected e : expected) {
            int got = seen.getOrDefault(e.benchmark() + " " + e.mode(), 0);
            if (got < e.combinations()) {
                failures.add("benchmark=" + e.benchmark() + " mode=" + e.mode() + " produced results=" + got
                    + " of expected=" + e.combinations() + " (one per @Param combination): it failed or did not run");
            }
        }
        return failures;
    }

    @SuppressWarnings("unchecked")
    private static double allocNorm(Object secondary) {
        if (!(secondary instanceof Map)) {
            return Double.NaN;
        }
        for (Map.Entry<String, Object> m : ((Map<String, Object>) secondary).entrySet()) {
            // Older JMH versions prefix profiler metrics with a middle dot; match the name's end.
            if (m.getKey().endsWith(ALLOC_NORM_METRIC) && m.getValue() instanceof Map) {
                return Json.number(((Map<String, Object>) m.getValue()).get("score"));
            }
        }
        return Double.NaN;
    }

    private static String unitOf(Map<String, Object> primary) {
        Object unit = primary.get("scoreUnit");
        return unit == null ? "" : unit.toString();
    }

    /**
     * @param benchmark full benchmark name, {@code package.Class.method}
     * @return true when the method or its class carries {@link HotPath}
     * @throws IllegalStateException when the benchmark's class or method cannot be found
     */
    static boolean isHotPath(String benchmark) {
        int dot = benchmark.lastIndexOf('.');
        if (dot <= 0) {
            throw new IllegalStateException("benchmark=" + benchmark + " is not a package.Class.method name");
        }
        String className = benchmark.substring(0, dot);
        String methodName = benchmark.substring(dot + 1);
        Class<?> type = load(className, benchmark);
        if (type.isAnnotationPresent(HotPath.class)) {
            return true;
        }
        boolean groupFound = false;
        boolean groupHot = false;
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            for (Method m : c.getDeclaredMethods()) {
                if (m.getName().equals(methodName)) {
                    return m.isAnnotationPresent(HotPath.class);
                }
                // A JMH @Group benchmark is named after its group: hot when any of its methods is.
                org.openjdk.jmh.annotations.Group g = m.getAnnotation(org.openjdk.jmh.annotations.Group.class);
                if (g != null && g.value().equals(methodName)) {
                    groupFound = true;
                    groupHot |= m.isAnnotationPresent(HotPath.class);
                }
            }
        }
        if (groupFound) {
            return groupHot;
        }
        throw new IllegalStateException("benchmark=" + benchmark + " has no method=" + methodName
            + " (nor a @Group of that name) in class=" + className);
    }

    private static Class<?> load(String className, String benchmark) {
        String name = className;
        while (true) {
            try {
                return Class.forName(name, false, SmokeCheck.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                // A benchmark in a nested class is named Outer.Inner.method: retry with '$' separators.
                int dot = name.lastIndexOf('.');
                if (dot <= 0 || !Character.isUpperCase(name.charAt(dot + 1))
                    || !Character.isUpperCase(name.charAt(name.lastIndexOf('.', dot - 1) + 1))) {
                    throw new IllegalStateException("benchmark=" + benchmark + " names class=" + className
                        + " that is not on the class path", e);
                }
                name = name.substring(0, dot) + '$' + name.substring(dot + 1);
            }
        }
    }
}
