package io.freshet.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The latency guard of the benchmark smoke run ({@code mvn verify}, see benchmarks/README.md): every {@link HotPath}
 * benchmark runs beside its peer ({@link LatencyPairs}) in forked JVMs (two per pair, the lower ratio counts), in
 * alternating short rounds, and
 * the build fails when a pair's same-run ratio (hot path time / peer time, each side's time taken at the same low
 * percentile of its rounds, see {@link LatencyPair#PERCENTILE}) exceeds {@value #TOLERANCE} times its committed
 * baseline ratio. Absolute times are never compared: the machines
 * are shared, and a load that slows the hot path slows its peer in the next few milliseconds alike. The tolerance is
 * generous on purpose: the guard catches a change that doubles a hot path's cost, not noise.
 *
 * <p>It also fails when a selected {@link HotPath} benchmark has no pair, when a pair has no baseline, and when the
 * baseline file names a pair that does not exist. Baselines live in {@code benchmarks/latency-baselines.properties}
 * ({@code pair = ratio}, optionally {@code pair.jdkNN = ratio} for one JDK feature release); a person changes one
 * only with the reason in the commit message.
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.freshet.benchmarks.LatencyGuard BASELINES INCLUDE EXCLUDE
 * [JVM_FLAGS]}, where INCLUDE and EXCLUDE are the smoke's JMH regexes (a pair runs when a benchmark it covers is
 * selected) and JVM_FLAGS (one argument, space-separated) go to every fork besides Chronicle's flags. The system
 * property {@value #SLOWDOWN_PROP} ({@code pair=factor,...} or {@code *=factor}) makes a pair's hot path run
 * {@code factor} operations per measured one: it exists to show that the guard fails on a slower hot path and is
 * never set by the build. Single-threaded; allocates freely.
 */
public final class LatencyGuard {
    /** A measured ratio may exceed its baseline by this factor before the build fails. */
    public static final double TOLERANCE = 2.0;
    /** System property: {@code pair=factor,...} or {@code *=factor}; see the class comment. */
    public static final String SLOWDOWN_PROP = "freshet.latencyGuard.slowdown";
    /** System property: comma-separated pair names to run (default: every pair a selected benchmark needs). */
    public static final String PAIRS_PROP = "freshet.latencyGuard.pairs";

    private static final String FORK_FLAG = "--fork";
    private static final String RESULT_PREFIX = "LATENCY-PAIR ";
    private static final long FORK_TIMEOUT_S = 300;
    /** JVMs per pair; the lower ratio counts. */
    private static final int FORKS = 2;
    private static final Pattern JDK_SUFFIX = Pattern.compile("(.+)\\.jdk(\\d+)");

    private LatencyGuard() {
    }

    /**
     * One pair's outcome in the parent.
     *
     * @param pair pair name
     * @param measurement what the fork measured, or null when it failed
     * @param error why the fork failed, or null
     */
    record Result(String pair, LatencyPair.Measurement measurement, String error) {
    }

    /**
     * @param args see the class comment
     * @throws Exception on I/O failure
     */
    public static void main(String[] args) throws Exception {
        if (args.length >= 2 && FORK_FLAG.equals(args[0])) {
            runFork(args[1], args.length > 2 ? Integer.parseInt(args[2]) : 1);
            return;
        }
        if (args.length < 3) {
            System.err.println("usage: LatencyGuard baselines.properties include-regex exclude-regex [jvm-flags]");
            System.exit(2);
        }
        Path baselineFile = Path.of(args[0]);
        List<String> forkFlags = new ArrayList<>(List.of(JvmFlags.chronicle()));
        if (args.length > 3 && !args[3].isBlank()) {
            forkFlags.addAll(List.of(args[3].trim().split("\\s+")));
        }
        List<String> failures = new ArrayList<>();
        Properties baselines = new Properties();
        try (Reader r = Files.newBufferedReader(baselineFile, StandardCharsets.UTF_8)) {
            baselines.load(r);
        }
        List<LatencyPair> pairs = LatencyPairs.all();
        Set<String> hotPaths = new LinkedHashSet<>();
        for (SmokeCheck.Expected e : SmokeCheck.expected(args[1], List.of(args[2]), Map.of())) {
            if (SmokeCheck.isHotPath(e.benchmark())) {
                hotPaths.add(e.benchmark());
            }
        }
        failures.addAll(uncovered(hotPaths, pairs));
        Map<String, Integer> slowdowns = parseSlowdowns(System.getProperty(SLOWDOWN_PROP, ""));
        String only = System.getProperty(PAIRS_PROP, "");
        List<Result> results = new ArrayList<>();
        for (LatencyPair p : pairs) {
            boolean selected = only.isBlank() ? p.covers().stream().anyMatch(hotPaths::contains)
                : List.of(only.split(",")).contains(p.name());
            if (selected) {
                int slowdown = slowdowns.getOrDefault(p.name(), slowdowns.getOrDefault("*", 1));
                results.add(lowerOfForks(p.name(), slowdown, forkFlags));
            }
        }
        int feature = Runtime.version().feature();
        failures.addAll(judge(results, baselines, feature, baselineFile.toString(), System.out));
        if (!failures.isEmpty()) {
            System.err.println("Latency guard FAILED (" + failures.size() + "):");
            for (String f : failures) {
                System.err.println("  " + f);
            }
            System.exit(1);
        }
        System.out.println("Latency guard passed: " + results.size() + " pair(s) within " + TOLERANCE
            + "x of their baseline ratios.");
    }

    /**
     * @param hotPaths full names of the selected {@link HotPath} benchmarks
     * @param pairs every pair
     * @return one failure per hot path that no pair covers
     */
    static List<String> uncovered(Collection<String> hotPaths, List<LatencyPair> pairs) {
        Set<String> covered = new LinkedHashSet<>();
        for (LatencyPair p : pairs) {
            covered.addAll(p.covers());
        }
        List<String> failures = new ArrayList<>();
        for (String h : hotPaths) {
            if (!covered.contains(h)) {
                failures.add("benchmark=" + h + " is a @HotPath that no latency pair covers: add a pair that runs it "
                    + "beside its peer in LatencyPairs and its baseline ratio in latency-baselines.properties");
            }
        }
        return failures;
    }

    /**
     * The decision, apart from measuring so that it can be tested.
     *
     * @param results each selected pair's outcome
     * @param baselines the baseline file's entries
     * @param jdkFeature the running JDK's feature release (selects {@code pair.jdkNN} entries)
     * @param file the baseline file's name, for messages
     * @param report where the table goes
     * @return one message per failure, empty when every ratio is within bounds
     */
    static List<String> judge(List<Result> results, Properties baselines, int jdkFeature, String file,
        PrintStream report) {
        List<String> failures = new ArrayList<>();
        Set<String> known = new LinkedHashSet<>();
        for (LatencyPair p : LatencyPairs.all()) {
            known.add(p.name());
        }
        for (String key : baselines.stringPropertyNames()) {
            Matcher m = JDK_SUFFIX.matcher(key);
            String pair = m.matches() ? m.group(1) : key;
            if (!known.contains(pair)) {
                failures.add("baseline " + key + " in " + file + " names no latency pair: remove it or fix its name");
            }
        }
        report.printf("%-24s %12s %12s %8s %15s %9s %8s  %s%n", "pair", "hot path ns", "peer ns", "ratio",
            "rounds p25-p75", "baseline", "limit", "verdict");
        for (Result r : results) {
            if (r.error() != null) {
                failures.add("pair=" + r.pair() + " did not measure: " + r.error());
                report.printf("%-24s %s%n", r.pair(), "FAILED: " + r.error());
                continue;
            }
            LatencyPair.Measurement m = r.measurement();
            String key = r.pair() + ".jdk" + jdkFeature;
            String value = baselines.getProperty(key, baselines.getProperty(r.pair()));
            double baseline = parseBaseline(value);
            String verdict;
            if (Double.isNaN(baseline)) {
                verdict = "NO BASELINE";
                failures.add(String.format(Locale.ROOT, "pair=%s has no valid baseline (%s) in %s: measured ratio="
                    + "%.2f; add '%s = <ratio>' (the highest of several runs) with the reason in the commit",
                    r.pair(), value == null ? "missing" : "'" + value + "'", file, m.ratio(), r.pair()));
            } else if (m.ratio() > TOLERANCE * baseline) {
                verdict = "TOO SLOW";
                failures.add(String.format(Locale.ROOT, "pair=%s ratio=%.2f exceeds %.1f x baseline=%.2f (hot path "
                    + "%.1f ns vs peer %.1f ns in the same run): a hot path got slower; profile it with JMH, or if "
                    + "the cost is intended raise the baseline in %s with the reason in the commit", r.pair(),
                    m.ratio(), TOLERANCE, baseline, m.subjectNs(), m.peerNs(), file));
            } else {
                verdict = "ok";
            }
            report.printf(Locale.ROOT, "%-24s %12.1f %12.1f %8.2f %15s %9s %8s  %s%n", r.pair(), m.subjectNs(),
                m.peerNs(), m.ratio(), String.format(Locale.ROOT, "(%.2f-%.2f)", m.roundRatioP25(), m.roundRatioP75()),
                Double.isNaN(baseline) ? "-" : String.format(Locale.ROOT, "%.2f", baseline),
                Double.isNaN(baseline) ? "-" : String.format(Locale.ROOT, "%.2f", TOLERANCE * baseline), verdict);
        }
        return failures;
    }

    private static double parseBaseline(String value) {
        if (value == null) {
            return Double.NaN;
        }
        try {
            double d = Double.parseDouble(value.trim());
            return d > 0 && Double.isFinite(d) ? d : Double.NaN;
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    /**
     * @param spec {@code pair=factor,...}, {@code *=factor} or empty
     * @return factor per pair name ({@code *} for every pair)
     * @throws IllegalArgumentException when an entry is not {@code name=integer >= 1}
     */
    static Map<String, Integer> parseSlowdowns(String spec) {
        Map<String, Integer> out = new LinkedHashMap<>();
        if (spec.isBlank()) {
            return out;
        }
        for (String entry : spec.split(",")) {
            int eq = entry.indexOf('=');
            int factor = -1;
            if (eq > 0) {
                try {
                    factor = Integer.parseInt(entry.substring(eq + 1).trim());
                } catch (NumberFormatException e) {
                    factor = -1;
                }
            }
            if (factor < 1) {
                throw new IllegalArgumentException(SLOWDOWN_PROP + " entry '" + entry + "' is not pair=factor with "
                    + "an integer factor >= 1 (e.g. kernel.read=3 or *=3)");
            }
            out.put(entry.substring(0, eq).trim(), factor);
        }
        return out;
    }

    /**
     * Runs a pair in {@value #FORKS} fresh JVMs and keeps the lower ratio: the JIT does not compile the same code
     * the same way in every JVM, and a regression raises the ratio in every fork, where an unlucky compilation
     * raises it in one.
     */
    private static Result lowerOfForks(String pair, int slowdown, List<String> flags)
        throws IOException, InterruptedException {
        Result best = null;
        for (int f = 0; f < FORKS; f++) {
            Result r = fork(pair, slowdown, flags);
            if (r.error() != null) {
                return r;
            }
            System.out.printf(Locale.ROOT, "  [%s] fork %d: ratio %.2f (hot path %.1f ns, peer %.1f ns)%n", pair,
                f + 1, r.measurement().ratio(), r.measurement().subjectNs(), r.measurement().peerNs());
            if (best == null || r.measurement().ratio() < best.measurement().ratio()) {
                best = r;
            }
        }
        return best;
    }

    /** Runs one pair in a fresh JVM and reads its result line. */
    private static Result fork(String pair, int slowdown, List<String> flags) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xms1g");
        command.add("-Xmx1g");
        command.add("-XX:+UseParallelGC");
        command.addAll(flags);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(LatencyGuard.class.getName());
        command.add(FORK_FLAG);
        command.add(pair);
        command.add(Integer.toString(slowdown));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String result = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
            StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith(RESULT_PREFIX)) {
                    result = line.substring(RESULT_PREFIX.length());
                } else if (!line.isBlank()) {
                    System.out.println("  [" + pair + "] " + line);
                }
            }
        }
        if (!process.waitFor(FORK_TIMEOUT_S, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return new Result(pair, null, "fork did not finish in " + FORK_TIMEOUT_S + " s");
        }
        if (process.exitValue() != 0 || result == null) {
            return new Result(pair, null, "fork exited with status " + process.exitValue()
                + (result == null ? " and no result line" : ""));
        }
        String[] f = result.trim().split(" ");
        return new Result(pair, new LatencyPair.Measurement(Double.parseDouble(f[0]), Double.parseDouble(f[1]),
            Double.parseDouble(f[2]), Double.parseDouble(f[3]), Double.parseDouble(f[4])), null);
    }

    /** The fork's side: set up one pair, measure, print one result line, tear down. */
    private static void runFork(String name, int slowdown) throws Exception {
        LatencyPair pair = LatencyPairs.named(name);
        long t0 = System.nanoTime();
        pair.setUp();
        try {
            LatencyPair.Measurement m = pair.measure(slowdown);
            System.out.printf(Locale.ROOT, "%s%s: setup and measurement %.1f s%s%n", "", pair.describe(),
                (System.nanoTime() - t0) / 1e9, slowdown == 1 ? "" : " (hot path slowed " + slowdown + "x on purpose)");
            System.out.printf(Locale.ROOT, "%s%.4f %.4f %.4f %.3f %.3f%n", RESULT_PREFIX, m.ratio(), m.roundRatioP25(),
                m.roundRatioP75(), m.subjectNs(), m.peerNs());
        } finally {
            pair.tearDown();
        }
    }
}
