package io.freshet.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class LiveSeriesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double NAN = Double.NaN;

    private static LiveSeries.Point point(int second, double probeP99Ms, long lag) {
        return new LiveSeries.Point(second, 100 + second, 90 + second, lag, new double[] {1, 2, 0.0004, NAN},
            new double[] {3, 4, 0.25, probeP99Ms}, 1000L * second, 900L * second, 7, 0, 50, 100, "RUNNING", null);
    }

    @Test
    void rendersColumnsForUplotWithGapsForStagesWithoutSamplesAndUnknownLag() throws Exception {
        LiveSeries s = new LiveSeries();
        assertThat(JSON.readTree(s.json()).get("latest").isNull()).isTrue();
        s.add(point(1, 12.5, 3));
        s.add(point(2, NAN, -1));
        JsonNode doc = JSON.readTree(s.json());
        assertThat(doc.get("seq").asLong()).isEqualTo(2);
        assertThat(doc.get("finished").asBoolean()).isFalse();
        JsonNode series = doc.get("series");
        assertThat(series.get("t").toString()).isEqualTo("[1.0,2.0]");
        assertThat(series.get("producedPerS").toString()).isEqualTo("[101,102]");
        assertThat(series.get("lag").toString()).isEqualTo("[3,null]");
        assertThat(series.get("p99Ms").get("produceToReadable").toString()).isEqualTo("[12.5,null]");
        assertThat(series.get("p50Ms").get("produceToReadable").toString()).isEqualTo("[null,null]");
        // Rounded to the µs: a sub-µs median shows as 0 rather than as noise digits.
        assertThat(series.get("p50Ms").get("pollToApplied").toString()).isEqualTo("[0.0,0.0]");
        assertThat(series.get("p99Ms").get("pollToApplied").toString()).isEqualTo("[0.25,0.25]");
        JsonNode latest = doc.get("latest");
        assertThat(latest.get("produced").asLong()).isEqualTo(2000);
        assertThat(latest.get("applied").asLong()).isEqualTo(1800);
        assertThat(latest.get("lag").asLong()).isEqualTo(-1);
        assertThat(latest.get("state").asText()).isEqualTo("RUNNING");
        assertThat(latest.get("p99Ms").get("produceToReadable").isNull()).isTrue();
        assertThat(doc.get("backfill").isNull()).isTrue();
        s.finish();
        assertThat(JSON.readTree(s.json()).get("finished").asBoolean()).isTrue();
    }

    @Test
    void showsAMigrationsBackfillOnceOneRuns() throws Exception {
        LiveSeries s = new LiveSeries();
        s.add(point(1, 12.5, 3));
        assertThat(JSON.readTree(s.json()).get("backfill").isNull()).isTrue();
        s.backfill(new LiveSeries.Backfill(1_234, 5_000, "BACKFILLING"));
        JsonNode b = JSON.readTree(s.json()).get("backfill");
        assertThat(b.get("done").asLong()).isEqualTo(1_234);
        assertThat(b.get("total").asLong()).isEqualTo(5_000);
        assertThat(b.get("state").asText()).isEqualTo("BACKFILLING");
    }

    @Test
    void keepsTheNewestPointsInOrderOnceTheRingWraps() throws Exception {
        LiveSeries s = new LiveSeries();
        int total = LiveSeries.CAPACITY + 17;
        for (int i = 1; i <= total; i++) {
            s.add(point(i, i, 0));
        }
        JsonNode t = JSON.readTree(s.json()).get("series").get("t");
        assertThat(t).hasSize(LiveSeries.CAPACITY);
        assertThat(t.get(0).asInt()).isEqualTo(18);
        assertThat(t.get(LiveSeries.CAPACITY - 1).asInt()).isEqualTo(total);
        for (int i = 1; i < t.size(); i++) {
            assertThat(t.get(i).asInt()).isEqualTo(t.get(i - 1).asInt() + 1);
        }
        assertThat(s.points()).isEqualTo(total);
    }

    @Test
    void rejectsAPointWithoutOneValuePerStage() {
        assertThatThrownBy(() -> new LiveSeries.Point(1, 1, 1, 0, new double[1], new double[4], 0, 0, 0, 0, 0, 0,
            "RUNNING", null)).hasMessageContaining("one value per stage");
    }
}
