package io.freshet.benchmarks.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultsReportTest {
    @TempDir
    Path dir;

    @Test
    void reportsRatiosWithinEachGroupAndMissingSuitesAsSuch() throws Exception {
        write("jmh.json", "[" + jmh("io.freshet.benchmarks.StoreBenchmark.read", "\"engine\": \"table\"", 200, 0)
            + "," + jmh("io.freshet.benchmarks.peers.PeerReadBenchmark.read", "\"peer\": \"kafkaStreams\"", 5000,
            3190) + "," + jmh("io.freshet.benchmarks.StoreBenchmark.apply", "\"engine\": \"table\"", 100, 0) + "]");
        write("status.tsv", "ChronicleStoreBenchmark\tnot run (missing)\n");
        write("commands.txt", "java -jar benchmarks.jar PeerReadBenchmark\n");
        write("ingest.json", Json.write(Map.of("records", 10, "keys", 2, "partitions", 1, "valueBytes", 100,
            "streamsWindow", "tumbling", "rows", List.of(
                Map.of("system", "bare-consumer", "status", "ok", "recordsPerSec", 1000.0),
                Map.of("system", "kafka-streams", "status", "ok", "recordsPerSec", 50.0),
                Map.of("system", "freshet", "status", "ok", "recordsPerSec", 400.0)))));
        Path out = dir.resolve("RESULTS.md");

        ResultsReport.main(new String[] {"--dir", dir.toString(), "--out", out.toString(), "--mode", "quick"});

        String md = Files.readString(out);
        assertThat(md).contains("| ChronicleStoreBenchmark | not run (missing) |");
        assertThat(md).contains("**1,000,000 keys, zipf**");
        assertThat(md).containsPattern("Kafka Streams RocksDB get \\(PeerReadBenchmark.read\\) \\| 5,000 \\|.*"
            + "\\| 3,190 \\| 25\\.00× \\|");
        assertThat(md).containsPattern("Freshet table engine \\(StoreBenchmark.read\\) \\| 200 \\|.*\\| 1\\.00× \\|");
        assertThat(md).containsPattern("\\| kafka-streams \\| 50 \\| 5% \\| 8\\.00× \\|");
        assertThat(md).contains("Not run (no `freshness.json`");
        assertThat(md).contains("java -jar benchmarks.jar PeerReadBenchmark");
        // The plots of what the run has, drawn from the same files: reads and ingest, no freshness.
        assertThat(md).contains("![Read one feature vector, ns per read (log scale)](results/reads.png)")
            .contains("![Ingest records per second per system](results/ingest.png)")
            .doesNotContain("results/freshness.png");
        assertPng(dir.resolve("results/reads.png"), 700);
        assertPng(dir.resolve("results/ingest.png"), 560);
        assertThat(dir.resolve("results/freshness.png")).doesNotExist();
    }

    private static void assertPng(Path png, int height) throws Exception {
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image).as("%s is a PNG", png).isNotNull();
        assertThat(image.getWidth()).isEqualTo(1000);
        assertThat(image.getHeight()).isEqualTo(height);
    }

    @Test
    void reportsTheWarmStartFromASnapshotAgainstTheReplay() throws Exception {
        write("snapshot.json", Json.write(Map.of("keys", 1000, "partitions", 4, "dir", "/dev/shm",
            "warmStart", Map.of("replaySeconds", 20.0, "snapshotSeconds", 2.0, "copySeconds", 1.0,
                "restoreSeconds", 1.0, "snapshotRows", 1000, "snapshotBytes", 4096, "restoreReplayedRecords", 0),
            "applyCost", Map.of("keys", 500, "snapshotSeconds", List.of(1.5, 2.25), "appliesIdle", 10,
                "appliesDuringSnapshot", 5, "applyNsIdle", Map.of("p50", 400, "p99", 900, "p999", 1000, "max", 2000),
                "applyNsDuringSnapshot", Map.of("p50", 700, "p99", 5000, "p999", 9000, "max", 9999),
                "bytesPerApplyIdle", 0.0, "bytesPerApplyDuringSnapshot", 0.0))));
        Path out = dir.resolve("RESULTS.md");

        ResultsReport.main(new String[] {"--dir", dir.toString(), "--out", out.toString(), "--mode", "quick"});

        String md = Files.readString(out);
        assertThat(md).contains("## Warm start from a snapshot");
        assertThat(md).contains("| 20.000 | 2.000 | 1.000 | 1.000 | 4.000 | 5.0× | 4,096 | 0 |");
        assertThat(md).contains("(1.50, 2.25 s each)");
        assertThat(md).contains("| snapshot running | 5 | 700 / 5,000 / 9,000 / 9,999 | 0.0000 |");
    }

    @Test
    void reportsFreshnessByStageWhenTheHarnessRecordedIt() throws Exception {
        Map<String, Object> stage = Map.of("n", 10, "p50", 100, "p99", 900, "p999", 1500, "max", 2000);
        write("freshness.json", Json.write(Map.of("rate", 20000, "seconds", 30, "warmupSeconds", 5, "keys", 100,
            "setup", Map.of("broker", "child JVM -Xmx1g", "producer", "child JVM -Xmx256m"), "rows", List.of(
                Map.of("system", "kafka-streams", "status", "ok", "p50Micros", 9000, "p99Micros", 90000,
                    "p999Micros", 99000, "maxMicros", 100000, "measured", 10),
                Map.ofEntries(Map.entry("system", "freshet"), Map.entry("status", "ok"),
                    Map.entry("p50Micros", 300), Map.entry("p99Micros", 3000), Map.entry("p999Micros", 4000),
                    Map.entry("maxMicros", 5000), Map.entry("measured", 10), Map.entry("stageSendCallMicros", stage),
                    Map.entry("stageBrokerAckMicros", stage), Map.entry("stageDecodedMicros", stage),
                    Map.entry("gcDuringMeasurement", Map.of("collections", 3, "millis", 42)),
                    Map.entry("gcBrokerJvm", Map.of("collections", 5, "millis", 70)),
                    Map.entry("pipelineBrokerToPollMs", stage), Map.entry("pipelinePollToAppliedMicros", stage),
                    Map.entry("bareAppendToPollMicros", stage),
                    Map.entry("readableAppendToReadableMicros", Map.of("n", 600, "p50", 200, "p99", 1170,
                        "p999", 2000, "max", 2500)),
                    Map.entry("readableDecodedToReadableMicros", stage))))));
        Path out = dir.resolve("RESULTS.md");

        ResultsReport.main(new String[] {"--dir", dir.toString(), "--out", out.toString(), "--mode", "quick"});

        String md = Files.readString(out);
        assertThat(md).contains("| kafka-streams | 9,000 | 90,000 | 99,000 |");
        assertThat(md).contains("| freshet | 100 / 900 / 1,500 | 100 / 900 / 1,500 | 100 / 900 / 1,500 | 300 / 3,000 /"
            + " 4,000 | 3 in 42 ms | 5 in 70 ms | — |");
        assertThat(md).contains("Broker: child JVM -Xmx1g; producer: child JVM -Xmx256m.");
        assertThat(md).contains("broker append → poll 100 / 900 / 1,500 ms, poll → applied 100 / 900 / 1,500 µs.");
        assertThat(md).contains("a bare consumer on the same topic, broker append → poll 100 / 900 / 1,500; Freshet,"
            + " broker append → readable through `FeatureReader` 200 / 1,170 / 2,000 (600 probe events), 1.30× the"
            + " bare consumer's p99; poll → readable 100 / 900 / 1,500 (`ReadableProbe`).");
        assertThat(md).doesNotContain("| kafka-streams | — |");
        assertThat(md).contains("![Freshness percentiles per system, µs (log scale)](results/freshness.png)");
        assertPng(dir.resolve("results/freshness.png"), 560);
    }

    @Test
    void reportsTheServedReadBesideItsPeersWithPercentilesAndGoals() throws Exception {
        String served = "io.freshet.benchmarks.ServedReadBenchmark.";
        write("jmh-served.json", "[" + jmh(served + "read", "\"set\": \"payment\"", 300, 0.001) + ","
            + sample(served + "read", "\"set\": \"payment\"", 700, 1500, 3000) + ","
            + jmh(served + "chmGetCopy", "\"events\": \"40\"", 200, 0) + ","
            + sample(served + "chmGetCopy", "\"events\": \"40\"", 250, 1000, 2000) + ","
            + sample(served + "remoteGetDecode", "\"peer\": \"kafkaStreams\"", 5000, 20000, 90000) + "]");
        write("jmh-served-scale.json", "[" + jmh(served + "read", "\"set\": \"payment\"", 600, 0.001)
            .replace("1000000", "6000000") + "," + sample(served + "read", "\"set\": \"payment\"", 800, 1200, 4000)
            .replace("1000000", "6000000") + "," + jmh(served + "chmGetCopy", "\"events\": \"40\"", 200, 0)
            .replace("1000000", "6000000") + "," + sample(served + "chmGetCopy", "\"events\": \"40\"", 400, 900,
            2000).replace("1000000", "6000000") + "]");
        Path out = dir.resolve("RESULTS.md");

        ResultsReport.main(new String[] {"--dir", dir.toString(), "--out", out.toString(), "--mode", "quick"});

        String md = Files.readString(out);
        assertThat(md).contains("## Serve one feature vector (JMH, one run)");
        assertThat(md).contains("| **Freshet `FeatureReader.read`, payment (16 features)** (read) | 300 | 1.50× | 700 |"
            + " 2.80× | 1,500 | 1.50× | 3,000 | 0.001 |");
        assertThat(md).contains("| Kafka Streams RocksDB get + decode (remoteGetDecode) | 6,000ˢ | 30.00× | 5,000 |"
            + " 20.00× | 20,000 | 20.00× | 90,000 |");
        assertThat(md).contains("| 1,000,000 keys, zipf | ≤ 2.0× the on-heap get | mean 1.50×, p50 2.80× | met by the"
            + " mean only |");
        assertThat(md).contains("| 6,000,000 keys, zipf | ≤ 2.5× the on-heap get | mean 3.00×, p50 2.00× | met at p50"
            + " only |");
        assertThat(md).contains("| 6,000,000 keys, zipf | p99 ≤ 1,000 ns | 1,200 ns | **not met** |");
        assertThat(md).contains("| 1,000,000 keys, zipf | 0 B/op | 0.001 B/op | met |");
    }

    private static String sample(String benchmark, String param, double p50, double p99, double p999) {
        return "{\"benchmark\": \"" + benchmark + "\", \"mode\": \"sample\", \"params\": {" + param
            + ", \"keys\": \"1000000\", \"distribution\": \"zipf\"}, \"primaryMetric\": {\"score\": "
            + (p50 * 1.2) + ", \"scoreError\": 1.0, \"scoreUnit\": \"ns/op\", \"scorePercentiles\": {\"50.0\": "
            + p50 + ", \"99.0\": " + p99 + ", \"99.9\": " + p999 + "}}, \"secondaryMetrics\": {}}";
    }

    private void write(String name, String text) throws Exception {
        Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
    }

    private static String jmh(String benchmark, String param, double score, double alloc) {
        return "{\"benchmark\": \"" + benchmark + "\", \"mode\": \"avgt\", \"params\": {" + param
            + ", \"keys\": \"1000000\", \"distribution\": \"zipf\"}, \"primaryMetric\": {\"score\": " + score
            + ", \"scoreError\": 1.0, \"scoreUnit\": \"ns/op\"}, \"secondaryMetrics\": {\"\u00b7gc.alloc.rate.norm\":"
            + " {\"score\": " + alloc + "}}}";
    }
}
