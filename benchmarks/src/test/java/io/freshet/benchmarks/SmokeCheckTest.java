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
        String secondary = allocNorm == null ? "{}"
            : "{\"gc.alloc.rate\":{\"score\":1.5,\"scoreUnit\":\"MB/sec\"},"
                + "\"gc.alloc.rate.norm\":{\"score\":" + allocNorm + ",\"scoreUnit\":\"B/op\"}}";
        return "{\"jmhVersion\":\"1.37\",\"benchmark\":\"" + benchmark + "\",\"mode\":\"avgt\",\"threads\":1,"
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
