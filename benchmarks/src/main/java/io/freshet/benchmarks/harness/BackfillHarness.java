package io.freshet.benchmarks.harness;

import io.freshet.benchmarks.harness.FreshetHooks.MutablePayment;
import io.freshet.benchmarks.peers.KeySequence;
import io.freshet.core.FeatureSet;
import io.freshet.core.StoreConfig;
import io.freshet.core.StoreGrowth;
import io.freshet.core.Window;
import io.freshet.kafka.FeaturePipeline;
import io.freshet.kafka.Migration;
import io.freshet.kafka.MigrationPhase;
import io.freshet.kafka.MigrationProgress;
import io.freshet.kafka.MigrationStart;
import io.freshet.kafka.Source;
import io.freshet.kafka.internal.BackfillThrottle;
import io.freshet.store.TableStoreEngine;
import io.freshet.testkit.FreshetKafka;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.ToDoubleFunction;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/*
 * Run (after `mvn -ntp -q package -pl benchmarks -am -DskipTests -Dfreshet.skipBenchSmoke=true`; not in any build):
 *
 *   flock /tmp/bench.lock java -Xmx6g -cp benchmarks/target/benchmarks.jar \
 *       io.freshet.benchmarks.harness.BackfillHarness --history 10000000 --rate 20000 \
 *       --budgets 0,25000,50000,100000,200000 --phase-seconds 15 \
 *       --out benchmarks/target/comparison/backfill.json
 *
 * The pacing runs of RESULTS.md ("Pacing the backfill"): `--budgets 50000,100000,200000 --pacing both --interleave 8
 * --window-seconds 5 --broker child --raise-to 0 --kill false`.
 *
 * `--budgets` lists the throttles compared (records/s, 0 = unthrottled); `--full-budgets` those run to the end of
 * the history (default: 0 and the Migration default). `--kill false` skips the kill -9 run. `--pacing both` (default)
 * runs every throttled budget twice in a row, paced (the default) and unpaced (`-Dfreshet.backfill.pacing=false`: the
 * live pipeline's fetch sizes, 100 ms of burst credit); `on` or `off` runs one of them. `--floor true` adds, per
 * throttled budget, a phase where a bare consumer with the paced fetch sizes reads the topic at the budget (records
 * counted only: no decoding, no store) — the share of the effect that fetching alone explains.
 *
 * `--interleave N` (N > 0) replaces the before/during/after runs: per throttled budget and pacing, one migration is
 * started, its first 5 s skipped, then N cycles of `--window-seconds` with the backfill held (throttle 1 record/s)
 * and as long at the budget. The windows of each kind are pooled: off and on share the same stretch of the machine's
 * drifting load, which one before/during/after row does not. `--raise-to R` then sets the throttle of that migration
 * to R records/s (0: unlimited) for one more window and reports the rate it reached with the fetch sizes derived
 * from the budget at start.
 */

/**
 * The seed's backfill test (issue #14 item 9): live traffic at {@code --rate} events/s while a migration backfills
 * {@code --history} historical records of the same topic into a shadow store, throttled and unthrottled.
 *
 * <p>Set-up, once: one topic of {@code --partitions} partitions is filled with the history ({@code --keys} users,
 * Zipf, event times over the last 30 min), then the live pipeline (the freshness harness's set: count and sum over a
 * sliding 5 min window, table engine, 1 consumer + 1 applier thread) replays it and catches up. A paced producer then
 * sends live events at the rate for the rest of the run, each carrying its intended send time; the live set's amount
 * extractor records {@code now - intended send time} on the applier thread (freshness, µs, coordinated-omission
 * corrected as in {@link FreshnessHarness}).
 *
 * <p>Each run: {@code before} (no backfill, {@code --phase-seconds}), {@code during} (a migration to a second
 * definition — one more feature — from the log start, in a fresh directory, at the run's budget: until READY for a
 * full run, else for the phase length), {@code after} (migration closed). Freshness p50/p99 and the live consumer lag
 * ({@link LiveLag}: records in the topic the live set has not applied, sampled every 250 ms) are reported per phase
 * (the first 5 s of a backfill, where the shadow pipeline starts, also apart from the rest); the ratio
 * {@code during p99 / before p99} is a same-run ratio. A full run also reports the backfill's records/s (history
 * records done / time from {@code start()} to the end of BACKFILLING). The floor: a bare {@link KafkaConsumer} with
 * the pipeline's fetch settings reads the whole topic from the start, in the same JVM and under the same live load.
 *
 * <p>The kill run ({@link BackfillChild}): a child JVM runs the live pipeline and an unthrottled migration; at half
 * of the history it is killed ({@code SIGKILL}); a second child on the same directories resumes. Reported: records
 * done at the kill and when the resumed migration first reports, and the time from the restart's launch to the
 * backfill passing its pre-kill position and to READY.
 *
 * <p>Main thread only; allocates freely (a harness).
 */
public final class BackfillHarness {
    private static final String USAGE = "BackfillHarness [--history N] [--keys N] [--partitions N] [--rate events/s] "
        + "[--budgets 0,50000,...] [--full-budgets 0,...] [--phase-seconds N] [--kill true|false] "
        + "[--pacing both|on|off] [--floor true|false] [--interleave N] [--window-seconds N] [--raise-to N] "
        + "[--broker in-jvm|child] [--out file.json]";
    private static final long HIGHEST_MICROS = TimeUnit.MINUTES.toMicros(10);
    private static final long FULL_RUN_TIMEOUT_MS = TimeUnit.MINUTES.toMillis(30);
    /** The first part of a backfill, reported apart: the shadow pipeline starts there. */
    private static final long STARTUP_MS = 5_000;

    private BackfillHarness() {
    }

    /** The live definition, recording the freshness of live events into {@code freshness}. */
    static FeatureSet<MutablePayment> liveSet(Recorder freshness) {
        ToDoubleFunction<MutablePayment> timedAmount = p -> {
            if (p.sendNanos != 0 && freshness != null) {
                long micros = (System.nanoTime() - p.sendNanos) / 1_000;
                freshness.recordValue(Math.min(Math.max(micros, 0), HIGHEST_MICROS));
            }
            return p.amount;
        };
        return FeatureSet.builder("payments_5m", MutablePayment.class)
            .entity("user", MutablePayment::userId)
            .eventTime(MutablePayment::timeMs)
            .count("txn_5m", Window.sliding(Duration.ofMinutes(5)))
            .sum("amount_5m", timedAmount, Window.sliding(Duration.ofMinutes(5)))
            .build();
    }

    /** The new definition: one more feature. Its extractors record nothing. */
    static FeatureSet<MutablePayment> newSet() {
        return FeatureSet.builder("payments_5m", MutablePayment.class)
            .entity("user", MutablePayment::userId)
            .eventTime(MutablePayment::timeMs)
            .count("txn_5m", Window.sliding(Duration.ofMinutes(5)))
            .sum("amount_5m", MutablePayment::amount, Window.sliding(Duration.ofMinutes(5)))
            .max("max_amount", MutablePayment::amount)
            .build();
    }

    static Properties consumerProps(String bootstrap) {
        Properties p = new Properties();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "10000");
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(64 * 1024 * 1024));
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(16 * 1024 * 1024));
        return p;
    }

    static StoreConfig storeConfig(FeatureSet<?> set, Path dir, int keys) {
        return StoreConfig.builder(set).directory(dir).capacity(2L * keys).growth(StoreGrowth.disabled()).build();
    }

    /**
     * @param args see the class comment
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        Args a = new Args(args, USAGE, "history", "keys", "partitions", "rate", "budgets", "full-budgets",
            "phase-seconds", "kill", "pacing", "floor", "interleave", "window-seconds", "raise-to", "broker", "out");
        long history = a.longValue("history", 10_000_000L);
        int keys = a.intValue("keys", 10_000);
        int partitions = a.intValue("partitions", 4);
        int rate = a.intValue("rate", 20_000);
        int phaseSeconds = a.intValue("phase-seconds", 15);
        List<Long> budgets = longs(a.string("budgets", "0,25000,50000,100000,200000"));
        List<Long> fullBudgets = longs(a.string("full-budgets", "0," + Migration.DEFAULT_RECORDS_PER_SECOND));
        boolean kill = Boolean.parseBoolean(a.string("kill", "true"));
        String pacing = a.string("pacing", "both");
        if (!List.of("both", "on", "off").contains(pacing)) {
            throw new IllegalArgumentException("--pacing " + pacing + ": use both, on or off");
        }
        boolean floor = Boolean.parseBoolean(a.string("floor", "false"));
        int interleave = a.intValue("interleave", 0);
        int windowSeconds = a.intValue("window-seconds", 5);
        long raiseTo = a.longValue("raise-to", -1L);
        boolean brokerChild = a.string("broker", "in-jvm").equals("child");
        Path out = Path.of(a.string("out", "benchmarks/target/comparison/backfill.json"));
        Harness.quietLogging();

        Map<String, Object> result = Harness.result("backfill");
        result.put("history", history);
        result.put("keys", keys);
        result.put("partitions", partitions);
        result.put("rate", rate);
        result.put("phaseSeconds", phaseSeconds);
        result.put("defaultRecordsPerSecond", Migration.DEFAULT_RECORDS_PER_SECOND);
        List<Object> rows = new ArrayList<>();
        result.put("rows", rows);
        Path root = Harness.tempDir("freshet-backfill-");
        try (ChildJvm child = brokerChild ? BrokerMain.start(List.of(FreshnessHarness.BROKER_JVM_ARGS.split(" ")))
            : null;
            FreshetKafka broker = child != null ? FreshetKafka.external(BrokerMain.bootstrap(child)).start()
                : FreshetKafka.embedded().start()) {
            String bootstrap = broker.bootstrapServers();
            result.put("broker", child != null ? "child JVM" : "this JVM");
            String topic = "payments-history";
            broker.createTopic(topic, partitions);
            long t0 = System.nanoTime();
            double fillRate = Harness.fill(bootstrap, topic, history, keys, TimeUnit.MINUTES.toMillis(30));
            result.put("historyFillSeconds", (System.nanoTime() - t0) / 1e9);
            result.put("historyFillRecordsPerSec", fillRate);
            System.out.printf("history: %,d records at %,.0f records/s%n", history, fillRate);

            Recorder freshness = new Recorder(HIGHEST_MICROS, 3);
            FeatureSet<MutablePayment> v1 = liveSet(freshness);
            t0 = System.nanoTime();
            try (FeaturePipeline live = FeaturePipeline.builder().kafka(consumerProps(bootstrap)).instanceId("live")
                .register(v1, new TableStoreEngine(), storeConfig(v1, root.resolve("live"), keys),
                    Source.of(topic, FreshetHooks.decoder()))
                .consumerThreads(1).applierThreads(1).start()) {
                if (!live.awaitCaughtUp(Duration.ofMinutes(20))) {
                    throw new IllegalStateException("live pipeline did not catch up on the history in 20 min");
                }
                result.put("liveReplaySeconds", (System.nanoTime() - t0) / 1e9);
                LiveProducer producer = new LiveProducer(bootstrap, topic, rate, keys);
                producer.start();
                try (LiveLag lag = new LiveLag(bootstrap, topic, partitions, live, v1)) {
                    sleepSeconds(phaseSeconds); // warm-up: live traffic reaches its steady state
                    freshness.getIntervalHistogram();
                    result.put("liveLagAtStartRecords", lag.records());
                    result.put("bareConsumerFloor", bareConsumer(bootstrap, topic, live, freshness));
                    Harness.write(out, result);
                    for (long budget : interleave > 0 ? budgets : List.<Long>of()) {
                        for (boolean paced : budget == 0 ? List.<Boolean>of() : pacings(pacing, budget)) {
                            rows.add(interleaved(live, v1, freshness, lag, root, keys, budget, paced, interleave,
                                windowSeconds, raiseTo));
                            Harness.write(out, result);
                        }
                    }
                    for (long budget : interleave > 0 ? List.<Long>of() : budgets) {
                        for (boolean paced : pacings(pacing, budget)) {
                            rows.add(run(live, v1, freshness, lag, root, keys, budget, paced, false, phaseSeconds));
                            Harness.write(out, result);
                        }
                        if (floor && budget > 0) {
                            rows.add(floorRun(bootstrap, topic, freshness, lag, budget, phaseSeconds));
                            Harness.write(out, result);
                        }
                    }
                    for (long budget : interleave > 0 ? List.<Long>of() : fullBudgets) {
                        for (boolean paced : pacings(pacing, budget)) {
                            rows.add(run(live, v1, freshness, lag, root, keys, budget, paced, true, phaseSeconds));
                            Harness.write(out, result);
                        }
                    }
                } finally {
                    result.put("liveProducer", producer.stop());
                }
            }
            if (kill) {
                result.put("kill", KillRun.run(bootstrap, topic, keys, root.resolve("kill")));
            }
        } finally {
            Harness.deleteRecursively(root);
        }
        Harness.write(out, result);
    }

    /** @return the pacing modes to run at a budget: both, on or off (unthrottled: pacing does not apply) */
    private static List<Boolean> pacings(String pacing, long budget) {
        if (budget == 0 || pacing.equals("on")) {
            return List.of(true);
        }
        return pacing.equals("off") ? List.of(false) : List.of(true, false);
    }

    private static List<Long> longs(String csv) {
        List<Long> l = new ArrayList<>();
        for (String s : csv.split(",")) {
            if (!s.isBlank()) {
                l.add(Long.parseLong(s.trim().replace("_", "")));
            }
        }
        return l;
    }

    /** One before / during / after run at a budget (0: unthrottled). */
    private static Map<String, Object> run(FeaturePipeline live, FeatureSet<MutablePayment> v1, Recorder freshness,
        LiveLag lag, Path root, int keys, long budget, boolean paced, boolean full, int phaseSeconds) throws Exception {
        Map<String, Object> row = Harness.row("freshet migration", "ok");
        row.put("budgetRecordsPerSec", budget == 0 ? "unthrottled" : budget);
        row.put("paced", budget == 0 ? "n/a" : paced);
        row.put("runsTo", full ? "READY" : phaseSeconds + " s");
        System.out.printf("run budget=%d paced=%s full=%s%n", budget, paced, full);
        // Read by the migration when it starts.
        System.setProperty(BackfillThrottle.PACING_PROP_NAME, Boolean.toString(paced));
        row.put("before", phase(lag, freshness, phaseSeconds * 1000L, null, null));

        FeatureSet<MutablePayment> v2 = newSet();
        Path dir = root.resolve("shadow-" + budget + "-" + System.nanoTime());
        freshness.getIntervalHistogram();
        long startNs = System.nanoTime();
        Migration m = live.migrate(v1, v2, new TableStoreEngine(), storeConfig(v2, dir.resolve("store"), keys))
            .from(MigrationStart.logStart()).throttle(budget, 0).progressLogInterval(Duration.ZERO).start();
        Map<String, Object> during;
        Map<String, Object> startup;
        Map<String, Object> steady;
        MigrationProgress endOfBackfill;
        long backfillNs;
        try {
            long[] endNs = {0};
            MigrationProgress[] atEnd = {null};
            boolean[] over = {false};
            Check check = () -> {
                MigrationProgress p = m.progress();
                if (p.phase() == MigrationPhase.FAILED) {
                    throw new IllegalStateException("migration failed: " + m.failure());
                }
                if (atEnd[0] == null && p.phase() != MigrationPhase.BACKFILLING) {
                    atEnd[0] = p;
                    endNs[0] = System.nanoTime();
                }
                over[0] = full && p.phase() == MigrationPhase.READY;
                return over[0];
            };
            // The first seconds hold the shadow's start (store open, clients, offset look-ups); the rest is the
            // steady backfill. Both are reported, and their union.
            Histogram all = new Histogram(HIGHEST_MICROS, 3);
            long startupMs = Math.min(STARTUP_MS, phaseSeconds * 1000L / 2);
            startup = phase(lag, freshness, startupMs, check, all);
            steady = over[0] ? null : phase(lag, freshness, full ? FULL_RUN_TIMEOUT_MS : phaseSeconds * 1000L
                - startupMs, check, all);
            during = percentiles(all);
            during.put("startup", startup);
            if (steady != null) {
                during.put("steady", steady);
            }
            endOfBackfill = atEnd[0] != null ? atEnd[0] : m.progress();
            backfillNs = (atEnd[0] != null ? endNs[0] : System.nanoTime()) - startNs;
        } finally {
            m.close();
            Harness.deleteRecursively(dir);
        }
        during.put("recordsDone", endOfBackfill.done());
        during.put("recordsToDo", endOfBackfill.toDo());
        during.put("phaseAtEnd", endOfBackfill.phase().toString());
        during.put("backfillSeconds", backfillNs / 1e9);
        during.put("backfillRecordsPerSec", endOfBackfill.done() / (backfillNs / 1e9));
        row.put("during", during);
        row.put("after", phase(lag, freshness, phaseSeconds * 1000L, null, null));
        row.put("p99DuringOverBefore", ratio(during, (Map<?, ?>) row.get("before")));
        if (steady != null && ((Number) steady.get("events")).longValue() > 0) {
            row.put("p99SteadyOverBefore", ratio(steady, (Map<?, ?>) row.get("before")));
        }
        row.put("p99AfterOverBefore", ratio((Map<?, ?>) row.get("after"), (Map<?, ?>) row.get("before")));
        // The reference without a backfill: both phases that bracket it, so that a drift of the shared machine's load
        // over the run weighs less than in one phase alone.
        long before = ((Number) ((Map<?, ?>) row.get("before")).get("p99Micros")).longValue();
        long after = ((Number) ((Map<?, ?>) row.get("after")).get("p99Micros")).longValue();
        row.put("p99DuringOverNoBackfill", ((Number) during.get("p99Micros")).doubleValue()
            / Math.max(1, (before + after) / 2));
        System.out.println(row);
        return row;
    }

    /**
     * One migration at a budget, alternating windows with the backfill held (throttle 1 record/s: its consumer waits,
     * its applier idles) and at the budget; each kind pooled.
     */
    private static Map<String, Object> interleaved(FeaturePipeline live, FeatureSet<MutablePayment> v1,
        Recorder freshness, LiveLag lag, Path root, int keys, long budget, boolean paced, int cycles,
        int windowSeconds, long raiseTo) throws Exception {
        Map<String, Object> row = Harness.row("freshet migration, interleaved", "ok");
        row.put("budgetRecordsPerSec", budget);
        row.put("paced", paced);
        row.put("cycles", cycles);
        row.put("windowSeconds", windowSeconds);
        System.out.printf("interleaved budget=%d paced=%s%n", budget, paced);
        System.setProperty(BackfillThrottle.PACING_PROP_NAME, Boolean.toString(paced));
        FeatureSet<MutablePayment> v2 = newSet();
        Path dir = root.resolve("shadow-" + budget + "-" + System.nanoTime());
        Migration m = live.migrate(v1, v2, new TableStoreEngine(), storeConfig(v2, dir.resolve("store"), keys))
            .from(MigrationStart.logStart()).throttle(budget, 0).progressLogInterval(Duration.ZERO).start();
        Histogram off = new Histogram(HIGHEST_MICROS, 3);
        Histogram on = new Histogram(HIGHEST_MICROS, 3);
        List<Object> ratios = new ArrayList<>();
        List<Object> windows = new ArrayList<>();
        long offGcMs = 0;
        long onGcMs = 0;
        long onSeconds = 0;
        long done0;
        long done1;
        try {
            Check failed = () -> {
                if (m.progress().phase() == MigrationPhase.FAILED) {
                    throw new IllegalStateException("migration failed: " + m.failure());
                }
                return false;
            };
            phase(lag, freshness, STARTUP_MS, failed, null);
            long doneOn = 0;
            for (int c = 0; c < cycles; c++) {
                m.throttle(1, 0);
                Histogram offWindow = new Histogram(HIGHEST_MICROS, 3);
                Map<String, Object> o = phase(lag, freshness, windowSeconds * 1000L, failed, offWindow);
                off.add(offWindow);
                offGcMs += ((Number) o.get("gcMillis")).longValue();
                m.throttle(budget, 0);
                long before = m.progress().done();
                Histogram onWindow = new Histogram(HIGHEST_MICROS, 3);
                Map<String, Object> n = phase(lag, freshness, windowSeconds * 1000L, failed, onWindow);
                doneOn += m.progress().done() - before;
                onSeconds += windowSeconds;
                on.add(onWindow);
                onGcMs += ((Number) n.get("gcMillis")).longValue();
                ratios.add(Math.round(100.0 * onWindow.getValueAtPercentile(99)
                    / Math.max(1, offWindow.getValueAtPercentile(99))) / 100.0);
                // Per window: live p99 (ms) and this JVM's GC time (ms), to see what the p99 follows.
                windows.add(List.of("held", offWindow.getValueAtPercentile(99) / 1000, o.get("gcMillis")));
                windows.add(List.of("at budget", onWindow.getValueAtPercentile(99) / 1000, n.get("gcMillis")));
            }
            done0 = doneOn;
            if (raiseTo >= 0) {
                m.throttle(raiseTo, 0);
                long before = m.progress().done();
                long t0 = System.nanoTime();
                Map<String, Object> raised = phase(lag, freshness, windowSeconds * 1000L, failed, null);
                long n = m.progress().done() - before;
                raised.put("budgetRecordsPerSec", raiseTo == 0 ? "unlimited" : raiseTo);
                raised.put("backfillRecordsPerSec", n / ((System.nanoTime() - t0) / 1e9));
                raised.put("phaseAtEnd", m.progress().phase().toString());
                row.put("raised", raised);
            }
            done1 = m.progress().done();
        } finally {
            m.close();
            Harness.deleteRecursively(dir);
        }
        Map<String, Object> offM = percentiles(off);
        offM.put("gcMillis", offGcMs);
        Map<String, Object> onM = percentiles(on);
        onM.put("gcMillis", onGcMs);
        onM.put("backfillRecordsPerSec", done0 / (double) Math.max(1, onSeconds));
        onM.put("recordsDoneAtEnd", done1);
        row.put("held", offM);
        row.put("atBudget", onM);
        row.put("p99AtBudgetOverHeld", ((Number) onM.get("p99Micros")).doubleValue()
            / Math.max(1, ((Number) offM.get("p99Micros")).longValue()));
        row.put("p50AtBudgetOverHeld", ((Number) onM.get("p50Micros")).doubleValue()
            / Math.max(1, ((Number) offM.get("p50Micros")).longValue()));
        row.put("p99RatioPerCycle", ratios);
        row.put("windowsP99MsGcMs", windows);
        System.out.println(row);
        return row;
    }

    /**
     * The floor at a budget: a bare consumer with the paced fetch sizes and the same throttle reads the topic from the
     * start for a phase, between two phases without it; records counted only.
     */
    private static Map<String, Object> floorRun(String bootstrap, String topic, Recorder freshness, LiveLag lag,
        long budget, int phaseSeconds) throws Exception {
        Map<String, Object> row = Harness.row("bare consumer, paced", "ok");
        row.put("budgetRecordsPerSec", budget);
        System.out.printf("floor budget=%d%n", budget);
        row.put("before", phase(lag, freshness, phaseSeconds * 1000L, null, null));
        BackfillThrottle throttle = new BackfillThrottle(budget, 0, true);
        Properties p = consumerProps(bootstrap);
        throttle.sizeConsumer(p);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "bare-paced-floor");
        row.put("consumer", "max.poll.records=" + p.get(ConsumerConfig.MAX_POLL_RECORDS_CONFIG) + " fetch.max.bytes="
            + p.get(ConsumerConfig.FETCH_MAX_BYTES_CONFIG));
        AtomicReference<Exception> failed = new AtomicReference<>();
        AtomicLong read = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        Thread reader = new Thread(() -> {
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
                List<TopicPartition> tps = new ArrayList<>();
                for (PartitionInfo info : c.partitionsFor(topic)) {
                    tps.add(new TopicPartition(topic, info.partition()));
                }
                c.assign(tps);
                c.seekToBeginning(tps);
                while (!stop.get()) {
                    ConsumerRecords<byte[], byte[]> r = c.poll(Duration.ofMillis(100));
                    read.addAndGet(r.count());
                    if (!r.isEmpty()) {
                        throttle.charge(r, () -> !stop.get());
                    }
                }
            } catch (Exception e) {
                failed.set(e);
            }
        }, "bare-paced-floor");
        freshness.getIntervalHistogram();
        long t0 = System.nanoTime();
        reader.start();
        Map<String, Object> during;
        try {
            during = phase(lag, freshness, phaseSeconds * 1000L, null, null);
        } finally {
            stop.set(true);
            reader.join(30_000);
        }
        if (failed.get() != null) {
            throw failed.get();
        }
        during.put("recordsPerSec", read.get() / ((System.nanoTime() - t0) / 1e9));
        row.put("during", during);
        row.put("after", phase(lag, freshness, phaseSeconds * 1000L, null, null));
        long before = ((Number) ((Map<?, ?>) row.get("before")).get("p99Micros")).longValue();
        long after = ((Number) ((Map<?, ?>) row.get("after")).get("p99Micros")).longValue();
        row.put("p99AfterOverBefore", ratio((Map<?, ?>) row.get("after"), (Map<?, ?>) row.get("before")));
        row.put("p99DuringOverNoBackfill", ((Number) during.get("p99Micros")).doubleValue()
            / Math.max(1, (before + after) / 2));
        System.out.println(row);
        return row;
    }

    private static double ratio(Map<?, ?> a, Map<?, ?> b) {
        return ((Number) a.get("p99Micros")).doubleValue() / Math.max(1, ((Number) b.get("p99Micros")).longValue());
    }

    /**
     * The live consumer lag in records: the topic's end offsets (summed) minus the records the live set applied since
     * its start (the whole topic from its beginning: the history, then every live event; none is bad, a duplicate or
     * skipped). The pipeline's own lag gauge is taken right after its polls and reads 0 at this rate.
     */
    static final class LiveLag implements AutoCloseable {
        private final org.apache.kafka.clients.admin.Admin admin;
        private final Map<TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> ask = new LinkedHashMap<>();
        private final FeaturePipeline live;
        private final FeatureSet<?> set;

        LiveLag(String bootstrap, String topic, int partitions, FeaturePipeline live, FeatureSet<?> set) {
            Properties p = new Properties();
            p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            this.admin = org.apache.kafka.clients.admin.Admin.create(p);
            for (int i = 0; i < partitions; i++) {
                ask.put(new TopicPartition(topic, i), org.apache.kafka.clients.admin.OffsetSpec.latest());
            }
            this.live = live;
            this.set = set;
        }

        long records() throws Exception {
            long end = 0;
            for (var e : admin.listOffsets(ask).all().get(30, TimeUnit.SECONDS).values()) {
                end += e.offset();
            }
            return Math.max(0, end - live.appliedRecords(set));
        }

        @Override
        public void close() {
            admin.close();
        }
    }

    /** A check run every 250 ms during a phase; true ends the phase early. */
    private interface Check {
        boolean done() throws Exception;
    }

    /**
     * Freshness and live lag over one phase of at most {@code millis}.
     *
     * @param into also adds the phase's freshness here, or null
     */
    private static Map<String, Object> phase(LiveLag lagProbe, Recorder freshness, long millis, Check check,
        Histogram into) throws Exception {
        freshness.getIntervalHistogram();
        long gcMsBefore = gcMillis();
        long gcCountBefore = gcCount();
        long start = System.nanoTime();
        long deadline = start + TimeUnit.MILLISECONDS.toNanos(millis);
        long lagMax = 0;
        long lagSum = 0;
        int lagSamples = 0;
        while (System.nanoTime() < deadline) {
            Thread.sleep(250);
            if (lagProbe.live.failure() != null) {
                throw new IllegalStateException("live pipeline failed: " + lagProbe.live.failure(),
                    lagProbe.live.failure());
            }
            long lag = lagProbe.records();
            lagMax = Math.max(lagMax, lag);
            lagSum += lag;
            lagSamples++;
            if (check != null && check.done()) {
                break;
            }
        }
        Histogram h = freshness.getIntervalHistogram();
        if (into != null) {
            into.add(h);
        }
        Map<String, Object> m = percentiles(h);
        m.put("seconds", (System.nanoTime() - start) / 1e9);
        m.put("liveLagMaxRecords", lagMax);
        m.put("liveLagMeanRecords", lagSamples == 0 ? 0 : lagSum / lagSamples);
        m.put("gcMillis", gcMillis() - gcMsBefore);
        m.put("gcCount", gcCount() - gcCountBefore);
        return m;
    }

    /** @return the collection time of every collector of this JVM so far, ms (pauses and concurrent work) */
    private static long gcMillis() {
        long ms = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ms += Math.max(0, gc.getCollectionTime());
        }
        return ms;
    }

    /** @return collections of every collector of this JVM so far */
    private static long gcCount() {
        long n = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            n += Math.max(0, gc.getCollectionCount());
        }
        return n;
    }

    private static Map<String, Object> percentiles(Histogram h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("events", h.getTotalCount());
        m.put("p50Micros", h.getValueAtPercentile(50));
        m.put("p99Micros", h.getValueAtPercentile(99));
        m.put("p999Micros", h.getValueAtPercentile(99.9));
        m.put("maxMicros", h.getMaxValue());
        return m;
    }

    /**
     * The floor of the backfill's rate: a bare consumer with the pipeline's fetch settings reads the topic from the
     * start to its end offsets now, in this JVM, under the same live traffic (whose freshness meanwhile is reported).
     */
    private static Map<String, Object> bareConsumer(String bootstrap, String topic, FeaturePipeline live,
        Recorder freshness) throws Exception {
        Properties p = consumerProps(bootstrap);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "bare-floor");
        Map<String, Object> m = new LinkedHashMap<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
            List<TopicPartition> tps = new ArrayList<>();
            for (PartitionInfo info : c.partitionsFor(topic)) {
                tps.add(new TopicPartition(topic, info.partition()));
            }
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps);
            long target = 0;
            for (long e : end.values()) {
                target += e;
            }
            freshness.getIntervalHistogram();
            long read = 0;
            long first = 0;
            long t0 = System.nanoTime();
            while (read < target) {
                ConsumerRecords<byte[], byte[]> r = c.poll(Duration.ofMillis(200));
                if (first == 0 && !r.isEmpty()) {
                    first = System.nanoTime();
                }
                read += r.count();
                if (System.nanoTime() - t0 > TimeUnit.MINUTES.toNanos(10)) {
                    throw new IllegalStateException("bare consumer read " + read + " of " + target + " in 10 min");
                }
            }
            double seconds = (System.nanoTime() - first) / 1e9;
            Histogram h = freshness.getIntervalHistogram();
            m.put("records", read);
            m.put("seconds", seconds);
            m.put("recordsPerSec", read / seconds);
            m.put("liveP50MicrosMeanwhile", h.getValueAtPercentile(50));
            m.put("liveP99MicrosMeanwhile", h.getValueAtPercentile(99));
            m.put("config", "KafkaConsumer, assign all partitions, max.poll.records=10000, 64 MiB fetches, "
                + "records counted only");
        }
        System.out.println("bare consumer floor: " + m);
        return m;
    }

    private static void sleepSeconds(int s) throws InterruptedException {
        Thread.sleep(s * 1000L);
    }

    /**
     * Live events at a fixed rate until stopped, each carrying its intended send time (see {@link ScheduledProducer},
     * whose pacing it shares); on its own thread.
     */
    static final class LiveProducer {
        private final KafkaProducer<byte[], byte[]> producer;
        private final String topic;
        private final int rate;
        private final KeySequence users;
        private final AtomicReference<Exception> failure = new AtomicReference<>();
        private volatile boolean running = true;
        private long sent;
        private long maxBehindNanos;
        private Thread thread;

        LiveProducer(String bootstrap, String topic, int rate, int keys) {
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ProducerConfig.ACKS_CONFIG, "1");
            p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
            this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
            this.topic = topic;
            this.rate = rate;
            this.users = KeySequence.of(KeySequence.ZIPF, keys, Harness.SEED + 1);
        }

        void start() {
            thread = new Thread(this::send, "live-producer");
            thread.start();
        }

        private void send() {
            long periodNanos = 1_000_000_000L / rate;
            SplittableRandom random = new SplittableRandom(Harness.SEED + 1);
            long start = System.nanoTime();
            long wallStart = System.currentTimeMillis();
            for (long i = 0; running; i++) {
                long intended = start + i * periodNanos;
                long now;
                while ((now = System.nanoTime()) < intended) {
                    LockSupport.parkNanos(Math.max(intended - now, FreshnessHarness.SEND_QUANTUM_NANOS));
                }
                maxBehindNanos = Math.max(maxBehindNanos, now - intended);
                byte[] key = new byte[PaymentCodec.KEY_BYTES];
                byte[] value = new byte[PaymentCodec.VALUE_BYTES];
                long timeMs = wallStart + (intended - start) / 1_000_000;
                PaymentCodec.encode(key, value, users.key((int) (i % Integer.MAX_VALUE)), timeMs,
                    Math.exp(3 + random.nextGaussian()), 1 + random.nextInt(5_000), intended);
                producer.send(new ProducerRecord<>(topic, null, timeMs, key, value), (md, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    }
                });
                sent = i + 1;
            }
            producer.flush();
        }

        /** @return what was sent */
        Map<String, Object> stop() throws InterruptedException {
            running = false;
            thread.join(60_000);
            producer.close();
            if (failure.get() != null) {
                throw new IllegalStateException("live producer failed: " + failure.get(), failure.get());
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("sent", sent);
            m.put("maxBehindMicros", maxBehindNanos / 1_000);
            return m;
        }
    }

    /** The kill -9 run: a child JVM killed mid-backfill, a second one resuming on the same directories. */
    static final class KillRun {
        private KillRun() {
        }

        static Map<String, Object> run(String bootstrap, String topic, int keys, Path dir) throws Exception {
            List<String> jvm = List.of("-Xmx2g");
            List<String> args = List.of(bootstrap, topic, Integer.toString(keys), dir.toString());
            Map<String, Object> m = new LinkedHashMap<>();
            long doneAtKill;
            long toDo;
            try (ChildJvm first = ChildJvm.start("backfill-1", jvm, BackfillChild.class, args)) {
                String[] started = first.await("started", FULL_RUN_TIMEOUT_MS).split(" ");
                toDo = Long.parseLong(started[1]);
                long done = 0;
                while (done < toDo / 2) {
                    String[] p = first.await("progress", 120_000).split(" ");
                    done = Long.parseLong(p[0]);
                }
                ProcessHandle.of(first.pid()).ifPresent(ProcessHandle::destroyForcibly);
                if (!first.awaitExit(30_000)) {
                    throw new IllegalStateException("the first backfill child did not die of SIGKILL in 30 s");
                }
                doneAtKill = done;
            }
            m.put("recordsToDo", toDo);
            m.put("doneAtKillAtLeast", doneAtKill);
            long launch = System.nanoTime();
            try (ChildJvm second = ChildJvm.start("backfill-2", jvm, BackfillChild.class, args)) {
                String[] started = second.await("started", FULL_RUN_TIMEOUT_MS).split(" ");
                m.put("secondsToResumedMigration", (System.nanoTime() - launch) / 1e9);
                m.put("doneWhenResumed", Long.parseLong(started[0]));
                long done = 0;
                Double past = null;
                String phase = "";
                while (!phase.equals("READY")) {
                    String[] p = second.await("progress", 120_000).split(" ");
                    done = Long.parseLong(p[0]);
                    phase = p[2];
                    if (past == null && done > doneAtKill) {
                        past = (System.nanoTime() - launch) / 1e9;
                    }
                }
                m.put("secondsToPassPreKillPosition", past);
                m.put("secondsToReady", (System.nanoTime() - launch) / 1e9);
                m.put("doneAtReady", done);
            }
            m.put("note", "child JVMs: live pipeline + unthrottled migration from the log start; the first killed "
                + "with SIGKILL at half the history; times from the second's launch (JVM start, store opens and "
                + "recovery included)");
            System.out.println("kill run: " + m);
            return m;
        }
    }
}
