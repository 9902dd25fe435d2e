package io.freshet.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class SmokeCheckTest {
    private static final String HOT = "io.freshet.benchmarks.X.hot";
    private static final String COLD = "io.freshet.benchmarks.X.cold";
    private static final Predicate<String> IS_HOT = Set.of(HOT)::contains;

    private final ByteArrayOutputStream report = new ByteArrayOutputStream();

    /** One result as JMH 1.37 writes it (trimmed to what the check reads). */
    private static String run(String benchmark, String params, String score, String allocNorm) {
        return run(benchmark, "avgt", params, score, allocNorm);
    }

    private static String run(String benchmark, String mode, String params, String score, String allocNorm) {
        String secondary = allocNorm == null ? "{}"
            : "{\"gc.alloc.rate\":{\"score\":1.5,\"scoreUnit\":\"MB/sec\"},"
                + "\"gc.alloc.rate.norm\":{\"score\":" + allocNorm + ",\"scoreUnit\":\"B/op\"}}";
        return "{\"jmhVersion\":\"1.37\",\"benchmark\":\"" + benchmark + "\",\"mode\":\"" + mode + "\",\"threads\":1,"
            + "\"params\":" + params + ",\"primaryMetric\":{\"score\":" + score + ",\"scoreError\":\"NaN\","
            + "\"scoreUnit\":\"ns/op\",\"rawData\":[[1.0,2.0]]},\"secondaryMetrics\":" + secondary + "}";
    }

    private List<String> check(String json, List<SmokeCheck.Expected> expected) {
        return SmokeCheck.check(SmokeCheck.parseResults(json), expected, IS_HOT,
            new PrintStream(report, true, StandardCharsets.UTF_8));
    }

    @Test
    void passesWhenHotPathsAllocateNothingAndEveryExpectedRunHasAResult() {
        String json = "[" + run(HOT, "{\"memory\":\"heap\"}", "120.5", "0.002") + ","
            + run(HOT, "{\"memory\":\"offheap\"}", "130.0", "1.0E-4") + ","
            + run(COLD, "{}", "95.0", "96.0") + "]";

        List<String> failures = check(json, List.of(new SmokeCheck.Expected(HOT, "avgt", 2),
            new SmokeCheck.Expected(COLD, "avgt", 1)));

        assertThat(failures).isEmpty();
        assertThat(report.toString(StandardCharsets.UTF_8)).contains(HOT).contains("offheap");
    }

    @Test
    void failsWhenAHotPathAllocatesOneByteOrMorePerOperation() {
        String json = "[" + run(HOT, "{\"memory\":\"heap\"}", "120.5", "0.5") + ","
            + run(HOT, "{\"memory\":\"offheap\"}", "130.0", "1.0") + "]";

        List<String> failures = check(json, List.of(new SmokeCheck.Expected(HOT, "avgt", 2)));

        assertThat(failures).singleElement().asString()
            .contains("benchmark=" + HOT).contains("offheap").contains("gc.alloc.rate.norm=1.0");
    }

    @Test
    void listsEachHotPathOverTheLimitWithItsParamsForTheSteadyStateConfirmation() {
        String json = "[" + run(HOT, "{\"memory\":\"heap\"}", "120.5", "0.5") + ","
            + run(HOT, "{\"memory\":\"offheap\",\"keys\":\"10000\"}", "130.0", "1.875") + ","
            + run(COLD, "{}", "95.0", "4096.0") + "]";
        List<SmokeCheck.AllocationSuspect> suspects = new java.util.ArrayList<>();

        List<String> failures = SmokeCheck.check(SmokeCheck.parseResults(json), List.of(), IS_HOT,
            new PrintStream(report, true, StandardCharsets.UTF_8), suspects);

        // The confirmation re-runs exactly the run that failed (its mode and params), and removes exactly its failure.
        assertThat(suspects).singleElement().satisfies(s -> {
            assertThat(s.benchmark()).isEqualTo(HOT);
            assertThat(s.mode()).isEqualTo("avgt");
            assertThat(s.params()).containsExactly(Map.entry("memory", "offheap"), Map.entry("keys", "10000"));
            assertThat(s.allocation()).isEqualTo(1.875);
            assertThat(failures).containsExactly(s.failure());
        });
    }

    /**
     * Figures of ServedReadBenchmark.read in one loaded smoke run: JMH's per-iteration bookkeeping of sample mode,
     * amortised over the few operations a loaded machine makes, is over the limit; the avgt run of the same method and
     * params judges its allocation.
     */
    @Test
    void aSampleRunsAllocationIsJudgedOnTheAvgtRunOfTheSameParams() {
        String json = "[" + run(HOT, "avgt", "{\"keys\":\"10000\"}", "1078.7", "0.126") + ","
            + run(HOT, "sample", "{\"keys\":\"10000\"}", "6684.3", "1.185") + "]";
        List<SmokeCheck.AllocationSuspect> suspects = new java.util.ArrayList<>();

        List<String> failures = SmokeCheck.check(SmokeCheck.parseResults(json), List.of(
            new SmokeCheck.Expected(HOT, "avgt", 1), new SmokeCheck.Expected(HOT, "sample", 1)), IS_HOT,
            new PrintStream(report, true, StandardCharsets.UTF_8), suspects);

        assertThat(failures).isEmpty();
        assertThat(suspects).isEmpty();
        assertThat(report.toString(StandardCharsets.UTF_8)).contains("1.185").contains("judged on its avgt run");
    }

    @Test
    void anAllocationOfTheMethodFailsOnItsAvgtRunBesideItsSampleRun() {
        String json = "[" + run(HOT, "avgt", "{\"keys\":\"10000\"}", "1100.0", "32.1") + ","
            + run(HOT, "sample", "{\"keys\":\"10000\"}", "6700.0", "33.4") + "]";
        List<SmokeCheck.AllocationSuspect> suspects = new java.util.ArrayList<>();

        List<String> failures = SmokeCheck.check(SmokeCheck.parseResults(json), List.of(), IS_HOT,
            new PrintStream(report, true, StandardCharsets.UTF_8), suspects);

        assertThat(failures).singleElement().asString().contains("mode=avgt").contains("gc.alloc.rate.norm=32.1");
        assertThat(suspects).singleElement().satisfies(s -> assertThat(s.mode()).isEqualTo("avgt"));
    }

    @Test
    void aSampleRunWithoutAnAvgtRunOfTheSameParamsIsJudgedOnItsOwnFigure() {
        String json = "[" + run(HOT, "avgt", "{\"keys\":\"10000\"}", "1078.7", "0.126") + ","
            + run(HOT, "sample", "{\"keys\":\"20000\"}", "6684.3", "1.185") + "]";

        List<String> failures = check(json, List.of());

        assertThat(failures).singleElement().asString().contains("mode=sample").contains("20000");
    }

    @Test
    void theConfirmationTakesTheMedianOfItsIterations() {
        // The last iteration also counts the trial's tear-down (measured: ~110 KB of a store's close and delete).
        assertThat(SmokeCheck.median(List.of(0.014, 0.018, 0.342))).isEqualTo(0.018);
        assertThat(SmokeCheck.median(List.of(32.0, 32.1, 32.4))).isEqualTo(32.1);
        assertThat(SmokeCheck.median(List.of(0.5, 2.0))).isEqualTo(2.0);
        assertThat(SmokeCheck.median(List.of())).isEqualTo(Double.POSITIVE_INFINITY);
    }

    @Test
    void ignoresAllocationOfBenchmarksThatAreNotHotPaths() {
        List<String> failures = check("[" + run(COLD, "{}", "95.0", "4096.0") + "]",
            List.of(new SmokeCheck.Expected(COLD, "avgt", 1)));

        assertThat(failures).isEmpty();
    }

    @Test
    void failsWhenAHotPathHasNoAllocationMetric() {
        List<String> failures = check("[" + run(HOT, "{}", "95.0", null) + "]",
            List.of(new SmokeCheck.Expected(HOT, "avgt", 1)));

        assertThat(failures).singleElement().asString().contains("-prof gc");
    }

    @Test
    void failsWhenAnExpectedBenchmarkOrParamCombinationHasNoResult() {
        String json = "[" + run(HOT, "{\"memory\":\"heap\"}", "120.5", "0.0") + "]";

        List<String> failures = check(json, List.of(new SmokeCheck.Expected(HOT, "avgt", 2),
            new SmokeCheck.Expected(COLD, "avgt", 1)));

        assertThat(failures).hasSize(2);
        assertThat(failures.get(0)).contains("benchmark=" + HOT).contains("results=1 of expected=2");
        assertThat(failures.get(1)).contains("benchmark=" + COLD).contains("results=0 of expected=1");
    }

    @Test
    void failsWhenAScoreIsNotFinite() {
        List<String> failures = check("[" + run(COLD, "{}", "\"NaN\"", "0.0") + "]", List.of());

        assertThat(failures).singleElement().asString().contains("no finite score");
    }

    @Test
    void findsHotPathAnnotationsByReflection() {
        assertThat(SmokeCheck.isHotPath("io.freshet.benchmarks.CoreKernelBenchmark.apply")).isTrue();
        assertThat(SmokeCheck.isHotPath("io.freshet.benchmarks.CoreKernelBenchmark.read")).isTrue();
        assertThat(SmokeCheck.isHotPath("io.freshet.benchmarks.CoreKernelBenchmark.chmGetCopy")).isFalse();
        assertThatThrownBy(() -> SmokeCheck.isHotPath("io.freshet.benchmarks.CoreKernelBenchmark.nope"))
            .hasMessageContaining("method=nope");
        assertThatThrownBy(() -> SmokeCheck.isHotPath("io.freshet.benchmarks.Missing.run"))
            .hasMessageContaining("not on the class path");
    }

    @Test
    void expectsEveryCoreKernelBenchmarkWithItsParamCombinations() {
        List<SmokeCheck.Expected> expected = SmokeCheck.expected("CoreKernelBenchmark", List.of("chmGetCopy|chmUpdate"),
            Map.of());

        assertThat(expected).containsExactlyInAnyOrder(
            new SmokeCheck.Expected("io.freshet.benchmarks.CoreKernelBenchmark.apply", "avgt", 2),
            new SmokeCheck.Expected("io.freshet.benchmarks.CoreKernelBenchmark.read", "avgt", 2));
    }

    @Test
    void countsParamCombinationsAfterTheRunsOverrides() {
        List<SmokeCheck.Expected> expected = SmokeCheck.expected("CoreKernelBenchmark\\.apply", List.of(),
            Map.of("memory", 1, "keys", 1));

        assertThat(expected).containsExactly(
            new SmokeCheck.Expected("io.freshet.benchmarks.CoreKernelBenchmark.apply", "avgt", 1));
    }

    @Test
    void aGroupBenchmarkIsHotWhenItsMethodsAre() {
        assertThat(SmokeCheck.isHotPath("io.freshet.benchmarks.DecodeHandOffBenchmark.handOff")).isTrue();
        assertThat(SmokeCheck.isHotPath("io.freshet.benchmarks.DecodeHandOffBenchmark.decode")).isTrue();
    }
}
