package io.freshet.kafka;

import static io.freshet.kafka.PipelineFixtures.NOW;
import static io.freshet.kafka.PipelineFixtures.USER_RISK;
import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.ManualClock;
import io.freshet.core.StoreConfig;
import io.freshet.core.StoreOpenState;
import io.freshet.core.spi.StoreEngine;
import io.freshet.core.testing.ReferenceModel;
import io.freshet.store.TableStoreEngine;
import io.freshet.store.chronicle.ChronicleStoreEngine;
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
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pipeline's crash battery on a real broker: a child JVM ({@link PipelineCrashChild}) runs a
 * {@link FeaturePipeline} (several consumer and applier threads, small hand-off queues) on a memory-mapped store and
 * is SIGKILLed at random moments — some while it is still starting or recovering the store from the previous kill,
 * the others while it ingests. Meanwhile this JVM keeps producing a seeded stream with out-of-order and late events
 * into a multi-partition topic. After the last kill a pipeline in this JVM recovers the same store, catches up, and
 * every key's features must equal the reference model over the whole stream: nothing lost, nothing counted twice.
 *
 * <p>Default suite: 10 kills on the table engine, 4 on Chronicle Map, 4 on each engine with tombstones in the
 * stream; {@code -Psoak}: 100 on each, and 30 with tombstones on Chronicle Map.
 * {@code -Dfreshet.pipelineCrash.cycles=N} overrides the default-suite count of the table engine.
 */
class PipelineCrashBatteryTest {
    @RegisterExtension
    static final FreshetKafka KAFKA = FreshetKafka.create();

    private static final Logger LOG = LoggerFactory.getLogger(PipelineCrashBatteryTest.class);
    private static final int PARTITIONS = 4;
    private static final int SHARDS = 4;
    private static final int USERS = 800;
    private static final long CAPACITY = 20_000;
    private static final int PREFILL = 40_000;
    private static final int CHUNK = 100;
    private static final long LINE_TIMEOUT_S = 90;

    @TempDir
    Path dir;

    @Test
    void tableEngineKilledAtRandomMomentsLosesAndDoublesNothing(FreshetKafka broker) throws Exception {
        runBattery(broker, new TableStoreEngine(), Integer.getInteger("freshet.pipelineCrash.cycles", 10), 8_000,
            0xBADC0FFEEL);
    }

    @Test
    void chronicleEngineKilledAtRandomMomentsLosesAndDoublesNothing(FreshetKafka broker) throws Exception {
        runBattery(broker, new ChronicleStoreEngine(), 4, 10_000, 0xC4801CL);
    }

    /**
     * A tombstone after about one event in ten, of a user seen recently: a kill during a delete either keeps it with
     * its offset or rolls both back, so the final store equals the reference (which forgets deleted users) and no
     * deleted user comes back.
     */
    @Test
    void tableEngineKilledWithTombstonesInTheStreamLosesDoublesAndResurrectsNothing(FreshetKafka broker)
        throws Exception {
        runBattery(broker, new TableStoreEngine(), Integer.getInteger("freshet.pipelineCrash.deleteCycles", 4), 6_000,
            0xDE1E7EL, 10);
    }

    /** As {@link #tableEngineKilledWithTombstonesInTheStreamLosesDoublesAndResurrectsNothing} on Chronicle Map. */
    @Test
    void chronicleEngineKilledWithTombstonesInTheStreamLosesDoublesAndResurrectsNothing(FreshetKafka broker)
        throws Exception {
        runBattery(broker, new ChronicleStoreEngine(), 4, 6_000, 0xDE1E7E3L, 10);
    }

    @Test
    @Tag("soak")
    void soakChronicleEngineKilledWithTombstones(FreshetKafka broker) throws Exception {
        runBattery(broker, new ChronicleStoreEngine(), 30, 4_000, 0xDE1E7E2L, 10);
    }

    @Test
    @Tag("soak")
    void soakTableEngineKilledHundredTimes(FreshetKafka broker) throws Exception {
        runBattery(broker, new TableStoreEngine(), 100, 4_000, 0x5EEDL);
    }

    @Test
    @Tag("soak")
    void soakChronicleEngineKilledHundredTimes(FreshetKafka broker) throws Exception {
        runBattery(broker, new ChronicleStoreEngine(), 100, 4_000, 0x5EED2L);
    }

    private void runBattery(FreshetKafka broker, StoreEngine engine, int cycles, int perCycle, long seed)
        throws Exception {
        runBattery(broker, engine, cycles, perCycle, seed, 0);
    }

    /**
     * The stream with a tombstone (a {@link Payment} of {@link #TOMBSTONES}: produced with a null value) after about
     * one event in {@code tombstoneEvery} (none for 0), of a user of the last 100 events.
     */
    private static List<Payment> withTombstones(List<Payment> events, int tombstoneEvery, long seed) {
        if (tombstoneEvery == 0) {
            return events;
        }
        SplittableRandom r = new SplittableRandom(seed ^ 0x70B5L);
        List<Payment> out = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            out.add(events.get(i));
            if (r.nextInt(tombstoneEvery) == 0) {
                Payment t = new Payment(events.get(Math.max(0, i - r.nextInt(100))).userId, null, 0, 0, false);
                TOMBSTONES.put(t, Boolean.TRUE);
                out.add(t);
            }
        }
        return out;
    }

    /** The tombstones of the streams (identity: a tombstone is a Payment object, never equal to an event). */
    private static final Map<Payment, Boolean> TOMBSTONES = java.util.Collections.synchronizedMap(
        new IdentityHashMap<>());

    private static ProducerRecord<Long, byte[]> recordOf(String topic, Payment e) {
        return new ProducerRecord<>(topic, e.userId, TOMBSTONES.containsKey(e) ? null : PaymentCodec.encode(e));
    }

    private void runBattery(FreshetKafka broker, StoreEngine engine, int cycles, int perCycle, long seed,
        int tombstoneEvery) throws Exception {
        boolean deletes = tombstoneEvery > 0;
        long t0 = System.nanoTime();
        String topic = broker.uniqueName("crash-" + engine.name());
        broker.createTopic(topic, PARTITIONS);
        Path store = dir.resolve("store-" + engine.name());
        Path stderr = dir.resolve("child-stderr-" + engine.name() + ".txt");
        List<Payment> events = withTombstones(PipelineFixtures.stream(seed, PREFILL + cycles * perCycle, USERS),
            tombstoneEvery, seed);
        try (KafkaProducer<Long, byte[]> p = PipelineFixtures.producer(broker)) {
            List<Future<RecordMetadata>> acks = new ArrayList<>();
            for (Payment e : events.subList(0, PREFILL)) {
                acks.add(p.send(recordOf(topic, e)));
            }
            for (Future<RecordMetadata> f : acks) {
                f.get();
            }
        }
        perCycle = (events.size() - PREFILL) / cycles;

        SplittableRandom random = new SplittableRandom(seed);
        ExecutorService producing = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "crash-battery-producer");
            t.setDaemon(true);
            return t;
        });
        List<Future<?>> slices = new ArrayList<>();
        int killedBeforeStarted = 0;
        int killedWhileApplying = 0;
        int recoveredOpens = 0;
        long appliedByChildren = 0;
        try (KafkaProducer<Long, byte[]> producer = PipelineFixtures.producer(broker)) {
            for (int cycle = 0; cycle < cycles; cycle++) {
                Child child = Child.start(broker, topic, store, engine, stderr, deletes);
                int from = PREFILL + cycle * perCycle;
                int to = cycle == cycles - 1 ? events.size() : from + perCycle;
                // One thread produces the slices in order, so per-key order on the broker is the stream's order.
                Callable<Void> slice = () -> {
                    produceSlowly(producer, topic, events.subList(from, to));
                    return null;
                };
                boolean early = random.nextInt(10) < 3;
                boolean lastChanceToKillWhileApplying = cycle == cycles - 1 && killedWhileApplying == 0;
                if (lastChanceToKillWhileApplying) {
                    // Random moments on a loaded machine can all miss the applying phase (e.g. 4 Chronicle cycles);
                    // the battery must include that case, so this kill waits for the applied count to move, with
                    // this cycle's slice produced only once the child has started (records arrive while it runs).
                    early = false;
                    child.awaitLine("STARTED", stderr);
                    slices.add(producing.submit(slice));
                    child.awaitAppliedCountMoving(stderr);
                } else if (early) {
                    slices.add(producing.submit(slice));
                    // 0.1–1.8 s after launch: the JVM is starting, the store recovering, or the consumers assigning.
                    Thread.sleep(random.nextInt(100, 1_800));
                } else {
                    slices.add(producing.submit(slice));
                    child.awaitLine("STARTED", stderr);
                    Thread.sleep(random.nextInt(50, 2_000));
                }
                child.process.destroyForcibly();
                assertThat(child.process.waitFor(30, TimeUnit.SECONDS)).as("child died after SIGKILL").isTrue();
                assertThat(child.process.exitValue()).as("cycle %d: the child must die by SIGKILL (137), not fail;"
                    + " stdout=%s stderr tail=%s", cycle, child.lines, tail(stderr)).isEqualTo(137);
                child.drain();
                if (child.startedLine() == null) {
                    killedBeforeStarted++;
                } else if (child.startedLine().endsWith(StoreOpenState.RECOVERED.name())) {
                    recoveredOpens++;
                }
                if (child.applyingAtKill()) {
                    killedWhileApplying++;
                }
                appliedByChildren += child.lastApplied();
                LOG.info("cycle={} early={} started={} lastApplied={}", cycle, early, child.startedLine(),
                    child.lastApplied());
            }
            for (Future<?> f : slices) {
                f.get(2, TimeUnit.MINUTES); // a failed send would make the reference wrong, not the pipeline
            }
        } finally {
            producing.shutdownNow();
        }
        assertThat(recoveredOpens).as("children found the store killed mid-ingestion and recovered it").isPositive();
        assertThat(killedWhileApplying).as("children were killed while applying records").isPositive();

        StoreConfig cfg = config(store);
        ReferenceModel<Payment> ref = new ReferenceModel<>(USER_RISK);
        int deleted = 0;
        for (Payment e : events) {
            if (TOMBSTONES.containsKey(e)) {
                deleted += ref.delete(e.userId) ? 1 : 0;
            } else {
                ref.apply(e.copy(), NOW);
            }
        }
        assertThat(deleted > 0).as("tombstones found rows").isEqualTo(deletes);
        long finalApplied;
        try (FeaturePipeline p = FeaturePipeline.builder()
            .kafka(PipelineFixtures.pipelineProps(broker))
            .clock(new ManualClock(NOW))
            .consumerThreads(2)
            .applierThreads(2)
            .register(USER_RISK, engine, cfg, Source.of(topic, new PaymentCodec())
                .tombstones(deletes ? TombstonePolicy.DELETE : TombstonePolicy.BAD_RECORD))
            .start()) {
            assertThat(PipelineTestAccess.store(p, USER_RISK).openState()).as("the last child was killed").isEqualTo(
                StoreOpenState.RECOVERED);
            assertThat(p.awaitCaughtUp(Duration.ofMinutes(3))).as("final run caught up").isTrue();
            assertThat(p.status(USER_RISK).state()).isEqualTo(SetStatus.State.RUNNING);
            int keys = PipelineFixtures.assertMatchesReference(p.reader(USER_RISK), ref);
            assertThat(keys).isGreaterThan(USERS / 2);
            assertThat(PipelineTestAccess.store(p, USER_RISK).size()).isEqualTo(ref.keys().size());
            finalApplied = p.metrics().set(USER_RISK.name()).applied();
            assertThat(finalApplied).isLessThan(events.size());
        }
        LOG.info("pipeline crash battery engine={} cycles={} killedBeforeStarted={} killedWhileApplying={}"
            + " recoveredOpens={} records={} appliedByChildrenBeforeKills={} appliedByFinalRun={} in {} s",
            engine.name(), cycles, killedBeforeStarted, killedWhileApplying, recoveredOpens, events.size(),
            appliedByChildren, finalApplied, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0));
    }

    private static StoreConfig config(Path store) {
        return StoreConfig.builder(USER_RISK).directory(store).shards(SHARDS).capacity(CAPACITY).build();
    }

    /** Sends a slice in chunks with short pauses, so records keep arriving while the child runs and dies. */
    private static void produceSlowly(KafkaProducer<Long, byte[]> producer, String topic, List<Payment> slice)
        throws Exception {
        List<Future<RecordMetadata>> acks = new ArrayList<>(slice.size());
        for (int i = 0; i < slice.size(); i++) {
            Payment e = slice.get(i);
            acks.add(producer.send(recordOf(topic, e)));
            if (i % CHUNK == CHUNK - 1) {
                Thread.sleep(40);
            }
        }
        producer.flush();
        for (Future<RecordMetadata> f : acks) {
            f.get();
        }
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

    /** One child JVM and the lines it printed (read by a daemon thread so a hung child cannot hang the test). */
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
            }, "crash-child-stdout");
            reader.setDaemon(true);
            reader.start();
        }

        static Child start(FreshetKafka broker, String topic, Path store, StoreEngine engine, Path stderr,
            boolean tombstones) throws IOException {
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
                if (arg.startsWith("--add-") || arg.startsWith("-Dchronicle.") || arg.startsWith("-Dfreshet.")) {
                    cmd.add(arg);
                }
            }
            cmd.add("-Xmx256m");
            cmd.add("-XX:+UseSerialGC");
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add(PipelineCrashChild.class.getName());
            cmd.add(broker.bootstrapServers());
            cmd.add(topic);
            cmd.add(store.toString());
            cmd.add(engine.getClass().getName());
            cmd.add(Integer.toString(SHARDS));
            cmd.add(Long.toString(CAPACITY));
            cmd.add("2"); // consumer threads
            cmd.add("3"); // applier threads
            cmd.add("128"); // slots per queue: back-pressure pauses are frequent
            if (tombstones) {
                cmd.add("tombstones");
            }
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.redirectError(ProcessBuilder.Redirect.appendTo(stderr.toFile()));
            return new Child(pb.start());
        }

        /** Waits for a line starting with {@code prefix}; fails if the child exits or stays silent too long. */
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

        /** Waits until two successive {@code APPLIED} reports differ: the child is applying records right now. */
        void awaitAppliedCountMoving(Path stderr) throws InterruptedException {
            long previous = Long.parseLong(awaitLine("APPLIED ", stderr).substring("APPLIED ".length()));
            while (true) {
                long now = Long.parseLong(awaitLine("APPLIED ", stderr).substring("APPLIED ".length()));
                if (now > previous) {
                    return;
                }
                previous = now;
            }
        }

        /** After the child died: collects the rest of its output. */
        void drain() throws InterruptedException {
            while (true) {
                String l = queue.poll(10, TimeUnit.SECONDS);
                if (l == null || l.equals(EOF)) {
                    return;
                }
                lines.add(l);
            }
        }

        /** @return the child's {@code STARTED <openState>} line, or null when it was killed before it */
        String startedLine() {
            for (String l : lines) {
                if (l.startsWith("STARTED")) {
                    return l;
                }
            }
            return null;
        }

        /** @return the last applied count the child reported before it died (0 when none) */
        long lastApplied() {
            return applied(0);
        }

        /** @return true when the applied count still moved in the child's last report period before the kill */
        boolean applyingAtKill() {
            return applied(0) > applied(1);
        }

        /** @return the applied count of the {@code back}-th last report (0 when none) */
        private long applied(int back) {
            int seen = 0;
            for (int i = lines.size() - 1; i >= 0; i--) {
                if (lines.get(i).startsWith("APPLIED ") && seen++ == back) {
                    return Long.parseLong(lines.get(i).substring("APPLIED ".length()));
                }
            }
            return 0;
        }
    }
}
