package io.freshet.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.freshet.core.FeatureRef;
import io.freshet.core.VectorStatus;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the fraud demo for a few seconds on its embedded broker with a free port, queries its endpoints while it runs,
 * and checks the documents and the summary. No timing assertions: only that records flow and the answers are right
 * in shape.
 */
class FraudDemoTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> STATUSES =
        Stream.of(VectorStatus.values()).map(Enum::name).collect(Collectors.toSet());
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void servesValidFeatureAndScoreDocumentsWhileRunningAndSummarizesWhatItApplied(@TempDir Path dir)
        throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        Path trainingRows = dir.resolve("train.parquet");
        FraudDemoOptions options = FraudDemoOptions.parse("--duration", "5s", "--port", "0", "--rate", "2000",
            "--users", "2000", "--partitions", "3", "--training-rows", trainingRows.toString());
        List<String> names = new ArrayList<>();
        for (FeatureRef r : RiskFeatures.USER_RISK.refs()) {
            names.add(r.name());
        }
        try (FraudDemo demo = FraudDemo.start(options, out)) {
            int port = demo.httpPort();
            assertThat(port).isPositive();

            // User 1 is the busiest: wait (bounded) until the pipeline has applied one of its payments.
            JsonNode features = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                features = JSON.readTree(get(port, "/features/1", 200));
                if (!"MISSING".equals(features.get("status").asText())) {
                    break;
                }
                Thread.sleep(50);
            }
            assertThat(features.get("set").asText()).isEqualTo("user_risk");
            assertThat(features.get("user").asLong()).isEqualTo(1);
            assertThat(features.get("status").asText()).isIn(STATUSES).isNotEqualTo("MISSING");
            assertThat(features.get("features").fieldNames()).toIterable().containsExactlyElementsOf(names);
            for (String n : names) {
                JsonNode f = features.get("features").get(n);
                assertThat(f.has("value") && f.has("ageMs")).as("feature %s has value and ageMs", n).isTrue();
            }
            assertThat(features.get("features").get("txn_1h").get("value").asLong()).isPositive();
            assertThat(features.get("features").get("txn_1h").get("ageMs").asLong()).isNotNegative();

            JsonNode score = JSON.readTree(get(port, "/score/1", 200));
            assertThat(score.get("status").asText()).isIn(STATUSES);
            assertThat(score.get("score").asDouble()).isStrictlyBetween(0.0, 1.0);
            assertThat(score.get("band").asText()).isIn("low", "medium", "high");
            assertThat(score.get("terms")).hasSize(RiskScore.TERMS.size());
            assertThat(score.get("features").fieldNames()).toIterable()
                .containsExactlyElementsOf(RiskScore.FEATURES_USED);

            JsonNode unknown = JSON.readTree(get(port, "/score/999999999", 200));
            assertThat(unknown.get("status").asText()).isEqualTo("MISSING");
            assertThat(JSON.readTree(get(port, "/features/abc", 400)).get("error").asText()).contains("user=abc");
            assertThat(JSON.readTree(get(port, "/nothing", 404)).has("error")).isTrue();

            FraudDemoSummary summary = demo.runToEnd();
            assertThat(summary.produced()).isPositive();
            assertThat(summary.applied()).isPositive();
            assertThat(summary.keys()).isPositive();
            assertThat(summary.freshness().getTotalCount()).isPositive();
            assertThat(JSON.readTree(summary.featuresJson()).get("features").fieldNames()).toIterable()
                .containsExactlyElementsOf(names);
            assertThat(JSON.readTree(summary.scoreJson()).get("user").asLong()).isEqualTo(97);

            // The live page and its files, the series it plots (over by now), and the Prometheus scrape.
            assertThat(page(port, "/", "text/html")).contains("chart-freshness", "/live/uPlot.iife.min.js");
            assertThat(page(port, "/live/uPlot.iife.min.js", "text/javascript")).contains("uPlot");
            assertThat(page(port, "/live/live.js", "text/javascript")).contains("/live/series.json");
            JsonNode series = JSON.readTree(page(port, "/live/series.json", "application/json"));
            assertThat(series.get("finished").asBoolean()).isTrue();
            assertThat(series.get("seq").asLong()).isPositive();
            assertThat(series.get("series").get("t")).hasSize((int) series.get("seq").asLong());
            assertThat(series.get("latest").get("applied").asLong()).isPositive();
            assertThat(page(port, "/metrics", "text/plain; version=0.0.4"))
                .contains("freshet_demo_records_produced_records_total");
        }
        String printed = buf.toString(StandardCharsets.UTF_8);
        // A status line, whichever second it stamps: on a loaded machine the first tick may read [  2s], not [  1s].
        assertThat(printed).containsPattern("\\[ *\\d+s\\] produced ").contains("Summary: produced")
            .contains("GET /features/1");

        // --training-rows: the Parquet file (magic at both ends), its sidecar, and the first rows printed.
        byte[] file = Files.readAllBytes(trainingRows);
        assertThat(new String(file, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("PAR1");
        assertThat(new String(file, file.length - 4, 4, StandardCharsets.US_ASCII)).isEqualTo("PAR1");
        JsonNode sidecar = JSON.readTree(dir.resolve("train.json").toFile());
        assertThat(sidecar.get("rows").asLong()).isEqualTo(DemoTrainingRows.LABELS);
        assertThat(sidecar.get("fileFormat").asText()).isEqualTo("parquet");
        assertThat(sidecar.get("sets").get(0).get("fingerprint").asText())
            .isEqualTo(Long.toHexString(RiskFeatures.USER_RISK.fingerprint()));
        assertThat(printed).contains("training rows: 1,000 labels").contains("training rows: 1,000 rows")
            .contains("label_time_ms   user    risky  status   user_risk__txn_5m");
        assertThat(sidecar.get("recordsRead").asLong()).isPositive();
        // The printed rows: label time, user, risky, a status.
        assertThat(printed).containsPattern("\\n  \\d{13} +\\d+ +(true|false) +(FRESH|STALE|MISSING) ");
    }

    private String page(int port, String path, String contentType) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("GET %s", path).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v)
            .startsWith(contentType));
        return r.body();
    }

    private String get(int port, String path, int expectedStatus) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("GET %s: %s", path, r.body()).isEqualTo(expectedStatus);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v)
            .startsWith("application/json"));
        return r.body();
    }

    @Test
    void migratesToTheNextDefinitionWhileTrafficContinuesAndServesItsNewFeatureAfterThePromote() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        FraudDemoOptions options = FraudDemoOptions.parse("--duration", "60s", "--port", "0", "--rate", "1000",
            "--users", "1000", "--partitions", "2", "--migrate-after", "1s");
        try (FraudDemo demo = FraudDemo.start(options, out)) {
            Thread runner = new Thread(() -> {
                try {
                    demo.runToEnd();
                } catch (Exception e) {
                    out.println("runToEnd failed: " + e);
                }
            }, "demo-run");
            runner.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(50).toNanos();
            while (!buf.toString(StandardCharsets.UTF_8).contains("migration: promoted")
                && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            JsonNode features = JSON.readTree(get(demo.httpPort(), "/features/1", 200));
            // The live page's backfill panel follows the migration to its end.
            JsonNode backfill = JSON.readTree(get(demo.httpPort(), "/live/series.json", 200)).get("backfill");
            for (long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                !backfill.path("state").asText().equals("PROMOTED") && System.nanoTime() < until; ) {
                Thread.sleep(100);
                backfill = JSON.readTree(get(demo.httpPort(), "/live/series.json", 200)).get("backfill");
            }
            assertThat(backfill.path("state").asText()).as("%s", backfill).isEqualTo("PROMOTED");
            assertThat(backfill.get("total").asLong()).isPositive();
            demo.requestStop();
            runner.join(60_000);
            String text = buf.toString(StandardCharsets.UTF_8);
            assertThat(text).contains("migration: building user_risk v2", "migration: compare keys=",
                "migration: promoted")
                .containsPattern("migration: (BACKFILLING|TAILING|READY) [0-9,]+/[0-9,]+ records");
            assertThat(features.get("features").has("amount_24h")).as("v2 serves after the promote: %s", features)
                .isTrue();
        }
    }
}
