package io.freshet.benchmarks.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The figures every freshness probe ends its result row with ({@link Harness#putProbeFigures}). */
class ProbeFiguresTest {
    @Test
    void putsEachHistogramsPercentilesUnderItsKeyAndNoStatusWhenTheProbeRan() {
        Histogram a = new Histogram(Harness.MAX_LATENCY_MICROS, 3);
        Histogram b = new Histogram(Harness.MAX_LATENCY_MICROS, 3);
        a.recordValue(10);
        b.recordValue(20);
        b.recordValue(30);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("xLost", 0L);

        Harness.putProbeFigures(row, "xStatus", null, new String[] {"xA", "xB"}, a, b);

        assertThat(List.copyOf(row.keySet())).containsExactly("xLost", "xA", "xB");
        assertThat(row.get("xA")).isEqualTo(Harness.percentiles(a));
        assertThat(((Map<?, ?>) row.get("xB")).get("n")).isEqualTo(2L);
        assertThat(((Map<?, ?>) row.get("xB")).get("max")).isEqualTo(b.getMaxValue());
    }

    @Test
    void namesTheFailureOfAProbeWhoseThreadFailed() {
        Map<String, Object> row = new LinkedHashMap<>();

        Harness.putProbeFigures(row, "xStatus", new IllegalStateException("boom"), new String[] {"xA"},
            new Histogram(Harness.MAX_LATENCY_MICROS, 3));

        assertThat(row).containsEntry("xStatus", "failed: java.lang.IllegalStateException: boom").containsKey("xA");
    }

    @Test
    void refusesKeysThatDoNotPairWithTheHistograms() {
        Histogram h = new Histogram(Harness.MAX_LATENCY_MICROS, 3);

        assertThatThrownBy(() -> Harness.putProbeFigures(new LinkedHashMap<>(), "s", null, new String[] {"a", "b"}, h))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("keys=2 histograms=1");
    }

    @Test
    void clampsLatenciesIntoTheHistogramsRange() {
        assertThat(Harness.clampMicros(-5)).isZero();
        assertThat(Harness.clampMicros(42)).isEqualTo(42);
        assertThat(Harness.clampMicros(TimeUnit.HOURS.toMicros(1))).isEqualTo(TimeUnit.MINUTES.toMicros(5));
        new Histogram(Harness.MAX_LATENCY_MICROS, 3).recordValue(Harness.clampMicros(Long.MAX_VALUE));
    }
}
