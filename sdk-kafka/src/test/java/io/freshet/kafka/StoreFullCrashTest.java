package io.freshet.kafka;

import static io.freshet.kafka.PipelineFixtures.NOW;
import static io.freshet.kafka.PipelineFixtures.USER_RISK;
import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.ManualClock;
import io.freshet.core.StoreConfig;
import io.freshet.core.StoreGrowth;
import io.freshet.core.StoreOpenState;
import io.freshet.core.testing.ReferenceModel;
import io.freshet.store.TableStoreEngine;
import io.freshet.testkit.FreshetKafka;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A kill -9 while the set waits for room in a full store restarts exactly: a child JVM fills a store too small for
 * its topic's keys (status STORE_FULL under {@code BadRecordPolicy.FAIL}) and is SIGKILLed while it waits; a
 * pipeline here recovers the store, finds it still full (STORE_FULL again, nothing lost in between), and after an
 * offline resize applies the rest: the rows equal the reference model — nothing lost, nothing applied twice, so the
 * child stored no offset past a record it had not applied.
 */
class StoreFullCrashTest {
    @RegisterExtension
    static final FreshetKafka KAFKA = FreshetKafka.create();

    static final int SHARDS = 4;
    private static final Duration WAIT = Duration.ofSeconds(90);

    @Test
    void killedWhileWaitingForRoomRestartsExactly(FreshetKafka broker, @TempDir Path dir) throws Exception {
        String topic = broker.uniqueName("full-crash");
        broker.createTopic(topic, 3);
        List<Payment> events = PipelineFixtures.stream(2026, 8_000, 2_000);
        PipelineFixtures.produce(broker, topic, events);
        long users = events.stream().mapToLong(e -> e.userId).distinct().count();
        long capacity = users / 4;
        Path small = dir.resolve("small");

        Path stderr = dir.resolve("child.err");
        Process child = startChild(broker, topic, small, capacity, stderr);
        List<String> lines = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
            StandardCharsets.UTF_8))) {
            long deadline = System.nanoTime() + WAIT.toNanos();
            int fullReports = 0;
            String line;
            // Two successive STORE_FULL reports with the same applied count: the child waits for room, not applying.
            String previous = "";
            while (fullReports < 2 && (line = out.readLine()) != null && System.nanoTime() < deadline) {
                lines.add(line);
                if (line.startsWith("STATUS STORE_FULL") && line.equals(previous)) {
                    fullReports++;
                }
                previous = line;
            }
            assertThat(fullReports).as("child waiting for room; stdout=%s stderr=%s", lines.subList(
                Math.max(0, lines.size() - 5), lines.size()), Files.exists(stderr) ? Files.readString(stderr) : "")
                .isEqualTo(2);
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            child.destroyForcibly();
        }
        assertThat(child.exitValue()).as("SIGKILLed").isEqualTo(137);

        StoreConfig smallCfg = StoreConfig.builder(USER_RISK).directory(small).capacity(capacity).shards(SHARDS)
            .growth(StoreGrowth.disabled()).build();
        try (FeaturePipeline p = start(broker, topic, smallCfg)) {
            assertThat(PipelineTestAccess.store(p, USER_RISK).openState()).as("the child was killed")
                .isEqualTo(StoreOpenState.RECOVERED);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (p.status(USER_RISK).state() != SetStatus.State.STORE_FULL && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(p.status(USER_RISK).state()).as("still full after the restart").isEqualTo(
                SetStatus.State.STORE_FULL);
            assertThat(p.failure()).isNull();
        }

        Path resized = dir.resolve("resized");
        TableStoreEngine.resize(smallCfg, resized, users * 2);
        StoreConfig big = StoreConfig.builder(USER_RISK).directory(resized).capacity(users * 2).shards(SHARDS).build();
        try (FeaturePipeline p = start(broker, topic, big)) {
            assertThat(p.awaitCaughtUp(WAIT)).isTrue();
            assertThat(p.failure()).isNull();
            assertThat(p.status(USER_RISK).state()).isEqualTo(SetStatus.State.RUNNING);
            ReferenceModel<Payment> ref = PipelineFixtures.reference(USER_RISK, events);
            PipelineFixtures.assertMatchesReference(p.reader(USER_RISK), ref);
            assertThat(PipelineTestAccess.store(p, USER_RISK).size()).isEqualTo(ref.keys().size());
            PipelineMetrics.SetCounts counts = p.metrics().set(USER_RISK.name());
            assertThat(counts.badRecords()).isZero();
            assertThat(counts.applied()).as("the rest, after the killed child and the still-full restart")
                .isLessThan(events.size());
        }
    }

    private static FeaturePipeline start(FreshetKafka broker, String topic, StoreConfig cfg) {
        return FeaturePipeline.builder()
            .kafka(PipelineFixtures.pipelineProps(broker))
            .clock(new ManualClock(NOW))
            .consumerThreads(2)
            .applierThreads(2)
            .register(USER_RISK, new TableStoreEngine(), cfg,
                Source.of(topic, new PaymentCodec()).onBadRecord(BadRecordPolicy.FAIL))
            .start();
    }

    private static Process startChild(FreshetKafka broker, String topic, Path store, long capacity, Path stderr)
        throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-") || arg.startsWith("-Dfreshet.")) {
                cmd.add(arg);
            }
        }
        cmd.add("-Xmx256m");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(StoreFullCrashChild.class.getName());
        cmd.add(broker.bootstrapServers());
        cmd.add(topic);
        cmd.add(store.toString());
        cmd.add(Long.toString(capacity));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectError(ProcessBuilder.Redirect.to(stderr.toFile()));
        return pb.start();
    }
}
