package io.freshet.kafka;

import static io.freshet.kafka.PipelineFixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.FeatureSet;
import io.freshet.core.ManualClock;
import io.freshet.core.StoreConfig;
import io.freshet.core.testing.ReferenceModel;
import io.freshet.store.TableStoreEngine;
import io.freshet.testkit.FreshetKafka;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * kill -9 during a migration's backfill, on a real broker: a child JVM ({@link MigrationCrashChild}) runs the live
 * pipeline and a throttled migration and is SIGKILLed at random moments, while this JVM keeps producing live traffic.
 * Each restart resumes the backfill from the shadow store's own offsets (its progress never goes back); after the
 * last kill, a pipeline in this JVM resumes the migration to READY and the shadow store must equal the reference
 * model of the new definition over the whole topic: nothing lost, nothing applied twice.
 *
 * <p>Default suite: 10 kills; {@code -Psoak}: 100.
 */
class MigrationCrashBatteryTest {
    @RegisterExtension
    static final FreshetKafka KAFKA = FreshetKafka.create();

    private static final Logger LOG = LoggerFactory.getLogger(MigrationCrashBatteryTest.class);
    private static final long LINE_TIMEOUT_S = 90;

    @TempDir
    Path dir;

    static StoreConfig config(FeatureSet<?> set, Path store) {
        return StoreConfig.builder(set).directory(store).shards(2).capacity(5_000).build();
    }

    @Test
    void backfillKilledAtRandomMomentsResumesAndLosesAndDoublesNothing(FreshetKafka broker) throws Exception {
        run(broker, 10, 30_000, 3_000, 0xB4CCF177L);
    }

    @Test
    @Tag("soak")
    void soakBackfillKilledHundredTimes(FreshetKafka broker) throws Exception {
        run(broker, 100, 300_000, 3_000, 0x5EED3L);
    }

    private void run(FreshetKafka broker, int cycles, int history, long recordsPerSecond, long seed)
        throws Exception {
        long t0 = System.nanoTime();
        String topic = broker.uniqueName("migrate-crash");
        broker.createTopic(topic, 3);
        int perCycle = 300;
        List<Payment> events = PipelineFixtures.stream(seed, history + cycles * perCycle, 2_000);
        PipelineFixtures.produce(broker, topic, events.subList(0, history));
        Path stderr = dir.resolve("child-stderr.txt");
        SplittableRandom random = new SplittableRandom(seed);
        int killedWhileBackfilling = 0;
        long lastReported = 0;
        for (int cycle = 0; cycle < cycles; cycle++) {
            Child child = Child.start(broker, topic, dir, recordsPerSecond, stderr);
            String started = child.awaitLine("STARTED", stderr);
            long resumedAt = Long.parseLong(started.split(" ")[2]);
            assertThat(resumedAt).as("cycle %d resumes where the killed child's progress stood", cycle)
                .isGreaterThanOrEqualTo(lastReported);
            int from = history + cycle * perCycle;
            PipelineFixtures.produce(broker, topic, events.subList(from, from + perCycle));
            Thread.sleep(random.nextInt(200, 1_500));
            child.process.destroyForcibly();
            assertThat(child.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            child.drain();
            assertThat(child.process.exitValue()).as("cycle %d must die by SIGKILL; stdout=%s", cycle, child.lines)
                .isEqualTo(137);
            String last = child.lastProgress();
            if (last != null) {
                String[] f = last.split(" ");
                lastReported = Math.max(lastReported, Long.parseLong(f[2]));
                if (f[1].equals(MigrationPhase.BACKFILLING.name())) {
                    killedWhileBackfilling++;
                }
            }
            LOG.info("migration crash cycle={} started={} last={}", cycle, started, last);
        }
        assertThat(killedWhileBackfilling).as("kills landed while backfilling").isPositive();

        ReferenceModel<Payment> ref = PipelineFixtures.reference(MigrationTest.V2, events);
        TableStoreEngine engine = new TableStoreEngine();
        try (FeaturePipeline p = FeaturePipeline.builder()
            .kafka(PipelineFixtures.pipelineProps(broker))
            .clock(new ManualClock(NOW))
            .register(MigrationTest.V1, engine, config(MigrationTest.V1, dir.resolve("v1")),
                Source.of(topic, new PaymentCodec()))
            .start()) {
            Migration m = p.migrate(MigrationTest.V1, MigrationTest.V2, engine,
                config(MigrationTest.V2, dir.resolve("v2"))).readyLag(0).start();
            assertThat(m.progress().done()).isGreaterThanOrEqualTo(lastReported);
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (m.progress().phase() != MigrationPhase.READY && System.nanoTime() < deadline) {
                assertThat(m.failure()).isNull();
                Thread.sleep(50);
            }
            assertThat(m.progress().phase()).isEqualTo(MigrationPhase.READY);
            assertThat(m.shadow().awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            assertThat(PipelineFixtures.assertMatchesReference(m.shadow().reader(MigrationTest.V2), ref))
                .isEqualTo(ref.keys().size());
            assertThat(PipelineTestAccess.store(m.shadow(), MigrationTest.V2).size()).isEqualTo(ref.keys().size());
        }
        LOG.info("migration crash battery cycles={} killedWhileBackfilling={} records={} in {} s", cycles,
            killedWhileBackfilling, events.size(), TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0));
    }

    /** One child JVM and the lines it printed (a daemon thread reads them, so a hung child cannot hang the test). */
    private static final class Child {
        private static final String EOF = "\u0000EOF";
        final Process process;
        final BlockingQueue<String> queue = new LinkedBlockingQueue<>();
        final List<String> lines = new ArrayList<>();

        private Child(Process process) {
            this.process = process;
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                    for (String l = r.readLine(); l != null; l = r.readLine()) {
                        queue.add(l);
                    }
                } catch (IOException e) {
                    queue.add("READ-ERROR " + e);
                }
                queue.add(EOF);
            }, "migration-crash-child-stdout");
            reader.setDaemon(true);
            reader.start();
        }

        static Child start(FreshetKafka broker, String topic, Path dir, long recordsPerSecond, Path stderr)
            throws IOException {
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
                if (arg.startsWith("--add-") || arg.startsWith("-Dfreshet.")) {
                    cmd.add(arg);
                }
            }
            cmd.add("-Xmx256m");
            cmd.add("-XX:+UseSerialGC");
            cmd.add("-XX:TieredStopAtLevel=1");
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add(MigrationCrashChild.class.getName());
            cmd.add(broker.bootstrapServers());
            cmd.add(topic);
            cmd.add(dir.toString());
            cmd.add(Long.toString(recordsPerSecond));
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.redirectError(ProcessBuilder.Redirect.appendTo(stderr.toFile()));
            return new Child(pb.start());
        }

        String awaitLine(String prefix, Path stderr) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(LINE_TIMEOUT_S);
            while (System.nanoTime() < deadline) {
                String l = queue.poll(100, TimeUnit.MILLISECONDS);
                if (l == null) {
                    continue;
                }
                if (l.equals(EOF)) {
                    throw new AssertionError("child exited before printing " + prefix + "; stdout=" + lines
                        + " stderr tail=" + tail(stderr));
                }
                lines.add(l);
                if (l.startsWith(prefix)) {
                    return l;
                }
            }
            process.destroyForcibly();
            throw new AssertionError("child printed no " + prefix + " in " + LINE_TIMEOUT_S + " s; stdout=" + lines
                + " stderr tail=" + tail(stderr));
        }

        void drain() throws InterruptedException {
            while (true) {
                String l = queue.poll(10, TimeUnit.SECONDS);
                if (l == null || l.equals(EOF)) {
                    return;
                }
                lines.add(l);
            }
        }

        String lastProgress() {
            for (int i = lines.size() - 1; i >= 0; i--) {
                if (lines.get(i).startsWith("PROGRESS ")) {
                    return lines.get(i);
                }
            }
            return null;
        }

        private static String tail(Path file) {
            try {
                if (!Files.exists(file)) {
                    return "";
                }
                String s = Files.readString(file);
                return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
            } catch (IOException e) {
                return "(unreadable: " + e + ")";
            }
        }
    }
}
