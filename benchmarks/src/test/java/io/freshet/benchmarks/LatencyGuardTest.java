package io.freshet.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The guard's decision and bookkeeping; what it measures is shown by runs, never asserted here (no timings). */
class LatencyGuardTest {
    private static final String INCLUDE = "^io\\.freshet\\.(benchmarks|kafka\\.internal)\\.";
    private static final Path BASELINES = Path.of("latency-baselines.properties");

    private final ByteArrayOutputStream report = new ByteArrayOutputStream();

    private static LatencyGuard.Result measured(String pair, double ratio) {
        return new LatencyGuard.Result(pair, new LatencyPair.Measurement(ratio, ratio * 0.9, ratio * 1.1,
            ratio * 10, 10), null);
    }

    private static Properties baselines(String... keyValues) {
        Properties p = new Properties();
        for (int i = 0; i < keyValues.length; i += 2) {
            p.setProperty(keyValues[i], keyValues[i + 1]);
        }
        return p;
    }

    private List<String> judge(List<LatencyGuard.Result> results, Properties baselines, int jdk) {
        return LatencyGuard.judge(results, baselines, jdk, "latency-baselines.properties",
            new PrintStream(report, true, StandardCharsets.UTF_8));
    }

    @Test
    void passesUpToTwiceTheBaselineRatio() {
        List<String> failures = judge(List.of(measured("decode", 4.0), measured("kernel.read", 10.0)),
            baselines("decode", "2.0", "kernel.read", "16"), 17);

        assertThat(failures).isEmpty();
        assertThat(report.toString(StandardCharsets.UTF_8)).contains("decode").contains("4.00").contains("ok");
    }

    @Test
    void failsWhenARatioExceedsTwiceItsBaseline() {
        List<String> failures = judge(List.of(measured("decode", 4.01), measured("kernel.read", 10.0)),
            baselines("decode", "2.0", "kernel.read", "16"), 17);

        assertThat(failures).singleElement().asString()
            .contains("pair=decode").contains("ratio=4.01").contains("baseline=2.00").contains("raise the baseline");
        assertThat(report.toString(StandardCharsets.UTF_8)).contains("TOO SLOW");
    }

    @Test
    void aJdkSpecificBaselineTakesPrecedenceOnThatJdkOnly() {
        Properties b = baselines("kernel.read", "5", "kernel.read.jdk25", "20");

        assertThat(judge(List.of(measured("kernel.read", 30)), b, 25)).isEmpty();
        assertThat(judge(List.of(measured("kernel.read", 30)), b, 17)).singleElement().asString()
            .contains("baseline=5.00");
    }

    @Test
    void failsWhenAPairHasNoBaselineAndSaysWhatToAdd() {
        List<String> failures = judge(List.of(measured("decode", 1.9)), baselines("decode", "fast"), 17);

        assertThat(failures).singleElement().asString()
            .contains("pair=decode has no valid baseline ('fast')").contains("measured ratio=1.90")
            .contains("'decode = <ratio>'");
    }

    @Test
    void failsOnABaselineThatNamesNoPair() {
        List<String> failures = judge(List.of(), baselines("served.read", "2", "decode.jdk25", "3"), 17);

        assertThat(failures).singleElement().asString().contains("baseline served.read").contains("names no latency");
    }

    @Test
    void failsWhenAForkDidNotMeasure() {
        List<String> failures = judge(List.of(new LatencyGuard.Result("decode", null, "fork exited with status 1")),
            baselines("decode", "2"), 17);

        assertThat(failures).singleElement().asString().contains("pair=decode did not measure: fork exited");
    }

    @Test
    void reportsAHotPathThatNoPairCovers() {
        List<String> failures = LatencyGuard.uncovered(
            List.of("io.freshet.benchmarks.DecodeHandOffBenchmark.decode", "io.freshet.benchmarks.X.newHotPath"),
            LatencyPairs.all());

        assertThat(failures).singleElement().asString()
            .contains("benchmark=io.freshet.benchmarks.X.newHotPath").contains("LatencyPairs");
    }

    @Test
    void everyHotPathBenchmarkOnTheClassPathHasAPair() {
        Set<String> hotPaths = new LinkedHashSet<>();
        for (SmokeCheck.Expected e : SmokeCheck.expected(INCLUDE, List.of(), Map.of())) {
            if (SmokeCheck.isHotPath(e.benchmark())) {
                hotPaths.add(e.benchmark());
            }
        }

        assertThat(hotPaths).contains("io.freshet.benchmarks.CoreKernelBenchmark.read",
            "io.freshet.benchmarks.DecodeHandOffBenchmark.handOff");
        assertThat(LatencyGuard.uncovered(hotPaths, LatencyPairs.all())).isEmpty();
    }

    @Test
    void everyPairCoversExistingHotPathBenchmarksAndHasACommittedBaseline() throws IOException {
        Properties committed = new Properties();
        try (Reader r = Files.newBufferedReader(BASELINES, StandardCharsets.UTF_8)) {
            committed.load(r);
        }
        List<String> names = new ArrayList<>();
        for (LatencyPair p : LatencyPairs.all()) {
            names.add(p.name());
            assertThat(p.covers()).isNotEmpty();
            for (String benchmark : p.covers()) {
                assertThat(SmokeCheck.isHotPath(benchmark)).as(benchmark + " of pair " + p.name()).isTrue();
            }
            assertThat(Double.parseDouble(committed.getProperty(p.name()))).as(p.name()).isPositive();
        }
        assertThat(names).doesNotHaveDuplicates();
        List<LatencyGuard.Result> none = List.of();
        assertThat(judge(none, committed, 17)).isEmpty();
        assertThat(judge(none, committed, 25)).isEmpty();
    }

    @Test
    void slowdownsParseAndRejectWhatIsNotPairEqualsFactor() {
        assertThat(LatencyGuard.parseSlowdowns("")).isEmpty();
        assertThat(LatencyGuard.parseSlowdowns("kernel.read=3, *=2")).containsEntry("kernel.read", 3)
            .containsEntry("*", 2);
        assertThatThrownBy(() -> LatencyGuard.parseSlowdowns("kernel.read=0"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("integer factor >= 1");
        assertThatThrownBy(() -> LatencyGuard.parseSlowdowns("kernel.read"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'kernel.read'");
    }

    @Test
    void unknownPairNameIsRefusedWithTheWayToFindTheRightOne() {
        assertThatThrownBy(() -> LatencyPairs.named("nope")).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("pair=nope is unknown: see LatencyPairs.all()");
    }
}
