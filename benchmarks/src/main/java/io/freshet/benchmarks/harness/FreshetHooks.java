package io.freshet.benchmarks.harness;

import io.freshet.benchmarks.peers.KeySequence;
import io.freshet.core.FeatureSet;
import io.freshet.core.StoreConfig;
import io.freshet.core.StoreGrowth;
import io.freshet.core.Window;
import io.freshet.core.internal.CoreInternals;
import io.freshet.core.internal.kernel.EventPreparer;
import io.freshet.core.internal.kernel.Kernels;
import io.freshet.core.internal.kernel.PreparedEvent;
import io.freshet.core.internal.kernel.RowWriteKernel;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.ShardWriter;
import io.freshet.core.spi.StoreEngine;
import io.freshet.kafka.FeaturePipeline;
import io.freshet.kafka.FeaturePipelineBuilder;
import io.freshet.kafka.PipelineMetrics;
import io.freshet.kafka.RecordDecoder;
import io.freshet.kafka.RecordView;
import io.freshet.kafka.Source;
import io.freshet.kafka.internal.StageRecorder;
import io.freshet.store.TableStoreEngine;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToDoubleFunction;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * The Freshet side of the ingest, freshness and restart harnesses: the same features as {@link StreamsFeatures}
 * (count and sum of the amount per user over a sliding 5 min window), a garbage-free decoder of {@link PaymentCodec}
 * records, and the runs of {@link FeaturePipeline} and of the default store engine ({@link TableStoreEngine}) that
 * the harnesses compare with the peers. Stores live in a fresh directory under {@code java.io.tmpdir} (the same
 * file system as the Streams state directories) and are deleted afterwards.
 *
 * <p>Not measured yet: the restart after a {@code kill -9} of a writing process (needs a child JVM; the store
 * engines' own crash batteries time their recovery).
 */
final class FreshetHooks {
    private static final long TIMEOUT_MS = Duration.ofMinutes(15).toMillis();
    /** The ingest pipeline's consumer threads (instance "ingest"; appliers are "freshet-ingest-apply-N"). */
    private static final String CONSUMER_THREADS = "freshet-ingest-ingest-";
    /** The freshness run's probe key ({@link ReadableProbe}): outside every run's keys (keyOf is a bijection). */
    static final long PROBE_KEY = KeySequence.keyOf(Integer.MAX_VALUE + 1L);
    /** Probe events per second of the freshness run ({@link ReadableProbe}). */
    static final int PROBES_PER_SECOND = 20;
    /** The probe key's count window (5 min sliding) must outlast the run. */
    private static final int PROBE_MAX_RUN_SECONDS = 280;

    private FreshetHooks() {
    }

    /** A mutable payment the decoder fills in place (one per hand-off slot). Not thread-safe. */
    static final class MutablePayment {
        long userId;
        long timeMs;
        double amount;
        long sendNanos;

        long userId() {
            return userId;
        }

        long timeMs() {
            return timeMs;
        }

        double amount() {
            return amount;
        }
    }

    /** @return the feature set equal to the Streams topology's aggregate */
    static FeatureSet<MutablePayment> featureSet() {
        return featureSet(MutablePayment::amount);
    }

    private static FeatureSet<MutablePayment> featureSet(ToDoubleFunction<MutablePayment> amount) {
        return FeatureSet.builder("ingest_5m", MutablePayment.class)
            .entity("user", MutablePayment::userId)
            .eventTime(MutablePayment::timeMs)
            .count("txn_5m", Window.sliding(Duration.ofMinutes(5)))
            .sum("amount_5m", amount, Window.sliding(Duration.ofMinutes(5)))
            .build();
    }

    /** @return a decoder of {@link PaymentCodec} values into reused {@link MutablePayment}s */
    static RecordDecoder<MutablePayment> decoder() {
        return decoder(null, null, null, null);
    }

    /**
     * @param decodedMicros when not null, records intended send time → decode (µs) of events whose send time is at
     *     or after {@code recordFromNanos}; on the consumer thread (one consumer thread only)
     * @param recordFromNanos the first measured send time
     * @param probe when not null, told of each of its probe events (by {@link #PROBE_KEY}) as decoded
     * @param firstMeasuredOffset when not null, per partition the offset of the first measured event (send time at
     *     or after {@code recordFromNanos}), set once ({@link CommitStampProbe} measures from there)
     * @return a decoder of {@link PaymentCodec} values into reused {@link MutablePayment}s
     */
    static RecordDecoder<MutablePayment> decoder(Histogram decodedMicros, AtomicLong recordFromNanos,
        AtomicReference<ReadableProbe> probe, AtomicLongArray firstMeasuredOffset) {
        return new RecordDecoder<>() {
            @Override
            public MutablePayment decode(RecordView record, MutablePayment reuse) {
                byte[] v = record.value();
                if (v == null || v.length != PaymentCodec.VALUE_BYTES) {
                    return null;
                }
                MutablePayment p = reuse != null ? reuse : new MutablePayment();
                p.userId = PaymentCodec.userId(v);
                p.timeMs = PaymentCodec.timeMs(v);
                p.amount = PaymentCodec.amount(v);
                p.sendNanos = PaymentCodec.sendNanos(v);
                if (p.userId == PROBE_KEY && probe != null && probe.get() != null) {
                    probe.get().decoded((int) p.amount, record.timestampMs());
                }
                if (firstMeasuredOffset != null && p.sendNanos >= recordFromNanos.get()
                    && firstMeasuredOffset.get(record.partition()) == Long.MAX_VALUE) {
                    firstMeasuredOffset.set(record.partition(), record.offset());
                }
                if (decodedMicros != null && p.sendNanos >= recordFromNanos.get()) {
                    long micros = (System.nanoTime() - p.sendNanos) / 1_000;
                    decodedMicros.recordValue(Math.min(Math.max(micros, 0), decodedMicros.getHighestTrackableValue()));
                }
                return p;
            }

            @Override
            public MutablePayment newReusable() {
                return new MutablePayment();
            }
        };
    }

    private static Properties consumerProps(String bootstrap) {
        Properties p = new Properties();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "10000");
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(64 * 1024 * 1024));
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(16 * 1024 * 1024));
        return p;
    }

    private static StoreConfig storeConfig(FeatureSet<?> set, Path dir, long capacity) {
        return storeConfig(set, dir, capacity, 1);
    }

    private static StoreConfig storeConfig(FeatureSet<?> set, Path dir, long capacity, int shards) {
        return StoreConfig.builder(set).directory(dir.resolve("store")).capacity(capacity)
            .growth(StoreGrowth.disabled()).shards(shards)
            .build();
    }

    /**
     * (c) of the ingest harness: the pipeline with one consumer thread and one applier thread, the bare loop's
     * fetch tuning, a table store of {@code keys} rows. The rate is timed like the peers': from the first applied
     * record to the moment the applied count reaches {@code records} (sampled every 10 ms).
     *
     * @param queueCapacity hand-off slots, or 0 for the pipeline's default
     * @return the result row
     */
    static Map<String, Object> ingest(String bootstrap, String topic, long records, int keys, int queueCapacity)
        throws Exception {
        return ingest(bootstrap, topic, records, keys, queueCapacity, 1, 1);
    }

    /**
     * The ingest of {@link #ingest(String, String, long, int, int)} with {@code consumers} consumer threads and
     * {@code appliers} applier threads; the store has one shard per applier.
     */
    static Map<String, Object> ingest(String bootstrap, String topic, long records, int keys, int queueCapacity,
        int consumers, int appliers) throws Exception {
        FeatureSet<MutablePayment> set = featureSet();
        Path dir = Harness.tempDir("freshet-ingest-store-");
        long t0 = System.nanoTime();
        long first;
        long last;
        PipelineMetrics m;
        long cpuFirst;
        long cpuLast;
        long cpuConsumersFirst;
        long cpuConsumersLast;
        FeaturePipelineBuilder builder = FeaturePipeline.builder().kafka(consumerProps(bootstrap))
            .instanceId("ingest")
            .register(set, new TableStoreEngine(), storeConfig(set, dir, keys, appliers), Source.of(topic, decoder()))
            .consumerThreads(consumers).applierThreads(appliers);
        if (queueCapacity > 0) {
            builder.queueCapacity(queueCapacity);
        }
        try (FeaturePipeline pipeline = builder.start()) {
            long deadline = System.currentTimeMillis() + TIMEOUT_MS;
            // A counter read, not metrics(): a snapshot every 10 ms would drain histograms on the main thread.
            while (appliedCount(pipeline, set) == 0) {
                check(pipeline, deadline, "no record applied");
                Thread.sleep(1);
            }
            first = System.nanoTime();
            cpuFirst = Harness.cpuNanosOfThreads("freshet-ingest-");
            cpuConsumersFirst = Harness.cpuNanosOfThreads(CONSUMER_THREADS);
            while (appliedCount(pipeline, set) < records) {
                check(pipeline, deadline, "applied " + appliedCount(pipeline, set) + " of records=" + records);
                Thread.sleep(10);
            }
            last = System.nanoTime();
            cpuLast = Harness.cpuNanosOfThreads("freshet-ingest-");
            cpuConsumersLast = Harness.cpuNanosOfThreads(CONSUMER_THREADS);
            m = pipeline.metrics();
        } finally {
            Harness.deleteRecursively(dir);
        }
        double seconds = (last - first) / 1e9;
        Map<String, Object> row = Harness.row("freshet", "ok");
        row.put("records", m.applied());
        row.put("late", m.set(set.name()).late());
        row.put("badRecords", m.set(set.name()).badRecords());
        row.put("seconds", seconds);
        row.put("recordsPerSec", (records - 1) / seconds);
        row.put("startSeconds", (first - t0) / 1e9);
        row.put("cpuNanosPerRecord", (cpuLast - cpuFirst) / (double) records);
        // Split by role: the consumer threads' share and the appliers' (their CPU includes idle spinning).
        row.put("cpuConsumerNanosPerRecord", (cpuConsumersLast - cpuConsumersFirst) / (double) records);
        row.put("cpuApplierNanosPerRecord", (cpuLast - cpuFirst - (cpuConsumersLast - cpuConsumersFirst))
            / (double) records);
        row.put("threads", consumers + " consumer thread(s) + " + appliers + " applier thread(s)");
        row.put("consumers", consumers);
        row.put("appliers", appliers);
        row.put("queueCapacity", queueCapacity > 0 ? queueCapacity : "default");
        row.put("config", "FeaturePipeline, table engine (memory-mapped, java.io.tmpdir), " + appliers
            + " shard(s), sliding 5 min "
            + "windows of 10 s tiles; max.poll.records=10000, 64 MiB fetches");
        return row;
    }

    /** @return applied records of the set: a counter read that neither allocates nor starts a metrics interval */
    private static long appliedCount(FeaturePipeline pipeline, FeatureSet<?> set) {
        return pipeline.appliedRecords(set);
    }

    private static Map<String, Object> stage(PipelineMetrics.Stage s) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("n", s.count());
        m.put("p50", s.p50());
        m.put("p99", s.p99());
        m.put("p999", s.p999());
        m.put("max", s.max());
        return m;
    }

    private static void check(FeaturePipeline pipeline, long deadline, String what) {
        if (pipeline.failure() != null) {
            throw new IllegalStateException("Freshet pipeline failed: " + pipeline.failure(), pipeline.failure());
        }
        if (System.currentTimeMillis() > deadline) {
            throw new IllegalStateException("Freshet pipeline timed out: " + what);
        }
    }

    /**
     * The Freshet row of the freshness harness: per event, {@code System.nanoTime() - intended send time} is
     * recorded on the applier thread when the kernel extracts the amount — inside the apply, just before the row is
     * committed (the apply and commit themselves take under a microsecond in the kernel and engine benchmarks).
     *
     * @return the result row
     */
    static Map<String, Object> freshness(FreshnessSetup setup, String bootstrap, String topic, int rate,
        int seconds, int warmup, int keys, ReadableProbe.Mode readableMode) throws Exception {
        Histogram histogram = new Histogram(TimeUnit.MINUTES.toMicros(5), 3);
        AtomicLong recordFromNanos = new AtomicLong(Long.MAX_VALUE);
        ToDoubleFunction<MutablePayment> timedAmount = p -> {
            if (p.sendNanos >= recordFromNanos.get()) {
                long micros = (System.nanoTime() - p.sendNanos) / 1_000;
                histogram.recordValue(Math.min(Math.max(micros, 0), histogram.getHighestTrackableValue()));
            }
            return p.amount;
        };
        FeatureSet<MutablePayment> set = featureSet(timedAmount);
        Histogram decoded = new Histogram(TimeUnit.MINUTES.toMicros(5), 3);
        Path dir = Harness.tempDir("freshet-fresh-store-");
        long applied;
        PipelineMetrics stages;
        SendStats sent;
        Map<String, Object> gc = new java.util.LinkedHashMap<>();
        Map<String, Object> bare = new java.util.LinkedHashMap<>();
        Map<String, Object> readable = new java.util.LinkedHashMap<>();
        Map<String, Object> stamped = new java.util.LinkedHashMap<>();
        AtomicReference<ReadableProbe> readableRef = new AtomicReference<>();
        AtomicLongArray firstMeasuredOffset = CommitStampProbe.offsetsPerPartition();
        try (FeaturePipeline pipeline = FeaturePipeline.builder().kafka(consumerProps(bootstrap))
            .register(set, new TableStoreEngine(), storeConfig(set, dir, keys),
                Source.of(topic, decoder(decoded, recordFromNanos, readableRef, firstMeasuredOffset)))
            .consumerThreads(1).applierThreads(1).start();
            BareConsumerProbe probe = new BareConsumerProbe(bootstrap, topic, recordFromNanos)) {
            if (!pipeline.awaitCaughtUp(Duration.ofSeconds(60))) {
                throw new IllegalStateException("Freshet pipeline not caught up on an empty topic in 60 s");
            }
            // A consumer that does nothing, on the same topic at the same time: the ceiling of Freshet's own part.
            probe.start();
            // Readable through FeatureReader, per probe event (a producer in this JVM only: it arms the probe).
            ReadableProbe readableProbe = null;
            // Every record's commit, stamped by the applier (no reader thread): Freshet's append → readable.
            CommitStampProbe stampProbe = new CommitStampProbe(pipeline, firstMeasuredOffset);
            stampProbe.start();
            if (readableMode == null) {
                readable.put("readableStatus", "off (--readable-probe off)");
            } else if (setup.producerJvmArgs == null && warmup + seconds <= PROBE_MAX_RUN_SECONDS) {
                int probeEvery = Math.max(1, rate / PROBES_PER_SECOND);
                readableProbe = new ReadableProbe(pipeline.reader(set), set, "txn_5m", PROBE_KEY, probeEvery,
                    (int) ((long) rate * (warmup + seconds) / probeEvery + 1), readableMode);
                readableProbe.start();
                readableRef.set(readableProbe);
            } else {
                readable.put("readableStatus", "off: needs the producer in this JVM and a run of at most "
                    + PROBE_MAX_RUN_SECONDS + " s");
            }
            setup.probe = readableProbe;
            // Starts the pipeline's metrics interval when the measured events begin (the warm-up is left out).
            sent = setup.send(bootstrap, topic, rate, warmup, seconds, keys, recordFromNanos, pipeline::metrics, gc);
            // Polling the applied count must not cut the metrics interval short: it reads a counter-only snapshot
            // at the end instead.
            long deadline = System.currentTimeMillis() + 60_000;
            while (appliedCount(pipeline, set) < sent.sent && System.currentTimeMillis() < deadline) {
                Thread.sleep(5);
            }
            stages = pipeline.metrics();
            applied = stages.applied();
            probe.stopInto(bare);
            stampProbe.stopInto(stamped);
            setup.probe = null;
            if (readableProbe != null) {
                readableProbe.stopInto(readable);
            }
        } finally {
            Harness.deleteRecursively(dir);
        }
        Map<String, Object> row = Harness.row("freshet", applied == sent.sent ? "ok"
            : "incomplete: applied " + applied + " of sent=" + sent.sent + " within 60 s after the last send");
        FreshnessHarness.fill(row, histogram, sent);
        row.putAll(gc);
        row.put("stageDecodedMicros", Harness.percentiles(decoded));
        row.put("pipelineIntervalMs", stages.timestampMs() - stages.intervalStartMs());
        row.put("pipelineEventToBrokerMs", stage(stages.intervalEventToBroker()));
        row.put("pipelineBrokerToPollMs", stage(stages.intervalBrokerToPoll()));
        row.put("pipelinePollToAppliedMicros", stage(stages.intervalPollToApplied()));
        row.putAll(bare);
        row.putAll(stamped);
        row.putAll(readable);
        row.put("stageSampleEvery", Integer.getInteger(StageRecorder.SAMPLE_EVERY_PROP_NAME,
            StageRecorder.SAMPLE_EVERY_DEFAULT));
        row.put("config", "FeaturePipeline, 1 consumer + 1 applier thread, table engine, sliding 5 min windows");
        return row;
    }

    /** @return the feature set of the restart comparison: lifetime aggregates only, a row of ~128 bytes */
    static FeatureSet<MutablePayment> restartSet() {
        return FeatureSet.builder("restart_rows", MutablePayment.class)
            .entity("user", MutablePayment::userId)
            .eventTime(MutablePayment::timeMs)
            .latest("last_amount", MutablePayment::amount)
            .count("txn_total")
            .sum("amount_total", MutablePayment::amount)
            .max("max_amount", MutablePayment::amount)
            .build();
    }

    /**
     * The Freshet rows of the restart harness: a table store of {@code keys} rows of {@link #restartSet()} (one
     * applied event per key, written through the engine's shard writer), closed cleanly; then, in this JVM like the
     * Streams rows, the time from {@code open} to the first read that returns the exact expected row for every probe.
     *
     * @param keys rows
     * @param probeIndex key indices to check
     * @return the result row
     */
    static Map<String, Object> restart(long keys, long[] probeIndex) {
        FeatureSet<MutablePayment> set = restartSet();
        StoreEngine engine = new TableStoreEngine();
        EventPreparer<MutablePayment> preparer = Kernels.newPreparer(set);
        RowWriteKernel kernel = Kernels.newWriteKernel(set);
        PreparedEvent prepared = new PreparedEvent(Kernels.preparedCapacity(set));
        MutablePayment event = new MutablePayment();
        long nowMs = System.currentTimeMillis();
        Path dir;
        try {
            dir = Harness.tempDir("freshet-restart-store-");
        } catch (IOException e) {
            throw new IllegalStateException("cannot create a temporary directory: " + e, e);
        }
        try {
            StoreConfig config = storeConfig(set, dir, keys);
            long t0 = System.nanoTime();
            try (RowStore store = engine.open(config)) {
                ShardWriter w = store.writer(0);
                for (long i = 0; i < keys; i++) {
                    long key = KeySequence.keyOf(i);
                    eventFor(event, key, nowMs);
                    if (preparer.prepare(event, event.timeMs, nowMs, prepared) != EventPreparer.PREPARED
                        || w.begin(key, ShardWriter.NO_SOURCE, 0, i) != ShardWriter.BEGIN_OK) {
                        throw new IllegalStateException("fill of key index=" + i + " refused");
                    }
                    kernel.apply(prepared, w.row(), nowMs);
                    w.commit();
                }
            }
            double fillSeconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf("Freshet table store filled: %,d keys in %.1f s%n", keys, fillSeconds);

            RowBuffer expected = RowBuffer.allocateHeap(set.rowSizeBytes());
            RowBuffer got = RowBuffer.allocateHeap(set.rowSizeBytes());
            long start = System.nanoTime();
            long firstRead;
            try (RowStore store = engine.open(config)) {
                for (long i : probeIndex) {
                    long key = KeySequence.keyOf(i);
                    CoreInternals.layoutOf(set).initRow(expected);
                    eventFor(event, key, nowMs);
                    preparer.prepare(event, event.timeMs, nowMs, prepared);
                    kernel.apply(prepared, expected, nowMs);
                    if (!store.readRow(key, got) || !got.contentEquals(expected, expected.lengthBytes())) {
                        throw new IllegalStateException("table store reopened without key index=" + i
                            + " or with a different row");
                    }
                }
                firstRead = System.nanoTime();
            }
            Map<String, Object> row = Harness.row("freshet table engine (reopen after clean close)", "ok");
            row.put("secondsToFirstConsistentRead", (firstRead - start) / 1e9);
            row.put("fillSeconds", fillSeconds);
            row.put("rowBytes", set.rowSizeBytes());
            row.put("note", "includes verifying every probe against a row recomputed by the kernel");
            return row;
        } finally {
            Harness.deleteRecursively(dir);
        }
    }

    private static void eventFor(MutablePayment e, long key, long nowMs) {
        e.userId = key;
        e.timeMs = nowMs - (key & 0xFFFF);
        e.amount = (key & 0xFFFFF) / 100.0;
    }
}
