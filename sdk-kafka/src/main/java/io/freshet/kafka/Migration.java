package io.freshet.kafka;

import io.freshet.core.FeatureReader;
import io.freshet.core.FeatureSet;
import io.freshet.core.StoreConfig;
import io.freshet.core.internal.CoreInternals;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.StoreEngine;
import io.freshet.kafka.MigrationException.Reason;
import io.freshet.kafka.internal.BackfillThrottle;
import io.freshet.kafka.internal.CutoverFile;
import io.freshet.kafka.internal.EndOffsets;
import io.freshet.kafka.internal.SetRuntime;
import io.freshet.kafka.internal.StartOffsets;
import java.lang.ref.WeakReference;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A change of a registered feature set's definition with no outage: a shadow store for the new definition is filled
 * from the source topics by its own consumers (assign mode, client ids {@code <instance>-migrate-<set>#cN}, a
 * budget from {@link #throttle}) and its own single-writer appliers — the pipeline's kernels, store engines and
 * crash protocol — from a {@link MigrationStart} up to the live position, then tails live traffic. The live set
 * serves unchanged meanwhile. {@link #compare} reads both definitions for the same keys at one read time;
 * {@link #promote(CutoverCriteria)} checks the criteria and switches every reader of the set to the new store in one
 * reference swap; {@link #rollback()} swaps back (the old store keeps tailing); {@link #retire()} ends the way back.
 *
 * <pre>{@code
 * Migration m = pipeline.migrate(riskV1, riskV2, engine, StoreConfig.builder(riskV2).directory(dirV2).build())
 *     .from(MigrationStart.at(Instant.now().minus(Duration.ofDays(7))))
 *     .throttle(200_000, 0)
 *     .start();
 * while (m.progress().phase() != MigrationPhase.READY) { Thread.sleep(1000); }
 * System.out.println(m.compareRecent(1_000));
 * m.promote(CutoverCriteria.standard());   // readers of riskV1 now read riskV2
 * }</pre>
 *
 * <p>Durability: which definition is live is recorded in the state directory ({@link CutoverFile}: temp file, fsync,
 * atomic rename, directory fsync) before the readers switch; by default in {@code <shadow store directory>.migration}.
 * After a restart, calling the same {@code migrate(...)
 * .start()} resumes: the shadow store from its own offsets, the readers on whichever definition was live.
 *
 * <p>Threading: {@code promote}, {@code rollback}, {@code retire}, {@code close} are serialized (synchronized);
 * {@link #progress()}, {@link #compare}, {@link #throttle} from any thread. A sampler thread takes the progress every
 * second and logs it at the log interval. Reads never wait for any of it.
 */
public final class Migration implements AutoCloseable {
    /**
     * The backfill consumers' budget unless {@link Builder#throttle} says otherwise, records/s: measured (benchmarks
     * {@code BackfillHarness --interleave}, RESULTS.md) as the highest budget whose median ratio of the live
     * pipeline's freshness p99 to its value with the backfill held, with every lower budget's, stayed within 1.5x, at
     * 20,000 live events/s on the 2-core reference machine (1.17x; 100,000: 3.16x; a shared, noisy machine: weak
     * evidence). Elsewhere, measure it the same way (README "Choosing the backfill throttle").
     */
    public static final long DEFAULT_RECORDS_PER_SECOND = 50_000;
    private static final Logger LOG = LoggerFactory.getLogger(Migration.class);
    private static final long SAMPLE_INTERVAL_MS = 1_000;
    private static final long STOP_TIMEOUT_MS = 60_000;

    private final FeaturePipeline live;
    private final FeatureSet<?> from;
    private final FeatureSet<?> to;
    private final SetRuntime liveRuntime;
    private final BackfillThrottle throttle;
    private final long readyLagRecords;
    private final long logIntervalMs;
    private final CutoverFile state;
    private final FeaturePipeline shadow;
    private final SetRuntime shadowRuntime;
    private final ScheduledExecutorService sampler;
    private final List<TopicPartition> partitions;
    /** A test hook run between the steps of a promote, a rollback and a retire; a no-op otherwise. */
    volatile Consumer<String> stepHook = step -> { };
    /**
     * What the reader served from the old store before each promote: only reads in flight reference these views, so
     * once every reference is cleared no read can hold the old store (no cost on the read path). Guarded by
     * {@link #oldStoreLock}: the sampler takes it, never this object's lock (which close() holds while it waits for
     * the sampler).
     */
    private final List<WeakReference<Object>> oldViews = new ArrayList<>();
    private final Object oldStoreLock = new Object();
    /** The retired old store, closed once {@link #oldViews} are cleared; null when none waits. */
    private RowStore oldStoreToClose;
    private volatile boolean oldStoreClosed;
    private volatile MigrationProgress last;
    private volatile MigrationException failure;
    private long lastSampleNs;
    private long lastSampleDone = -1;
    private double lastRate;
    private long lastLogMs;
    private boolean closed;

    private Migration(Builder b) {
        this.live = b.live;
        this.from = b.from;
        this.to = b.to;
        this.liveRuntime = live.runtime(from);
        this.throttle = new BackfillThrottle(b.recordsPerSecond, b.bytesPerSecond, BackfillThrottle.pacingByDefault());
        this.readyLagRecords = b.readyLagRecords;
        this.logIntervalMs = b.logInterval.toMillis();
        Path dir = b.stateDirectory != null ? b.stateDirectory : b.config.directory() == null ? null
            : b.config.directory().resolveSibling(b.config.directory().getFileName() + ".migration");
        if (dir == null) {
            throw new IllegalArgumentException("set=" + to.name() + ": the shadow store has no directory; give the"
                + " migration a stateDirectory(path) for its durable state");
        }
        this.state = new CutoverFile(dir);
        this.partitions = new ArrayList<>();
        for (Source<?> s : b.sources) {
            int n = live.partitionsOf(s.topic());
            for (int p = 0; p < n; p++) {
                partitions.add(new TopicPartition(s.topic(), p));
            }
        }
        boolean resumed = loadOrCreateState(b);
        FeaturePipelineBuilder sb = new FeaturePipelineBuilder();
        Properties kafka = new Properties();
        kafka.putAll(live.kafkaProperties());
        // Assign mode, no group: the backfill neither joins the live group nor commits in its name.
        kafka.remove(ConsumerConfig.GROUP_ID_CONFIG);
        kafka.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        // Under a budget, small polls and fetches: the backfill's CPU comes in small, evenly spaced slices.
        throttle.sizeConsumer(kafka);
        sb.kafka(kafka).instanceId(live.instanceId() + "-migrate-" + to.name()).mode(ScaleMode.REPLICATED)
            .clock(live.clock()).consumerThreads(b.consumerThreads).applierThreads(b.applierThreads);
        sb.add(to, null, b.engine, b.config, b.sources);
        sb.backfillStart = Map.copyOf(state.start);
        sb.backfillThrottle = throttle;
        this.shadow = sb.build();
        try {
            shadow.start();
        } catch (RuntimeException e) {
            throw new MigrationException(Reason.SHADOW_FAILED, "set=" + to.name() + ": the shadow pipeline did not"
                + " start: " + e.getMessage(), e);
        }
        this.shadowRuntime = shadow.runtime(to);
        if (state.liveNew) {
            // The recorded state wins over the code's default: the new definition was live before the restart.
            switchReaders(to, shadowRuntime.store());
            if (state.retired) {
                stopFeedingOld();
            }
        }
        LOG.info("migration of set={} to fingerprint={} {} from {} (live={}{}), throttle records/s={} bytes/s={}",
            from.name(), Long.toHexString(to.fingerprint()), resumed ? "resumed" : "started", b.start,
            state.liveNew ? "new" : "old", state.retired ? ", retired" : "", b.recordsPerSecond, b.bytesPerSecond);
        this.sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "freshet-" + live.instanceId() + "-migrate-" + to.name() + "-progress");
            t.setDaemon(true);
            return t;
        });
        sampler.scheduleWithFixedDelay(this::sample, 0, SAMPLE_INTERVAL_MS, TimeUnit.MILLISECONDS);
    }

    private boolean loadOrCreateState(Builder b) {
        boolean found;
        try {
            found = state.load();
        } catch (RuntimeException e) {
            throw new MigrationException(Reason.STATE_FILE, e.getMessage(), e);
        }
        if (found) {
            if (state.fromFingerprint != from.fingerprint() || state.toFingerprint != to.fingerprint()) {
                throw new MigrationException(Reason.STATE_FILE, "state " + state.path() + " records a migration of"
                    + " set=" + state.fromName + " fingerprint=" + Long.toHexString(state.fromFingerprint) + " to set="
                    + state.toName + " fingerprint=" + Long.toHexString(state.toFingerprint) + ", not from "
                    + Long.toHexString(from.fingerprint()) + " to " + Long.toHexString(to.fingerprint())
                    + ": use another store directory for another migration", null);
            }
            return true;
        }
        state.fromName = from.name();
        state.fromFingerprint = from.fingerprint();
        state.toName = to.name();
        state.toFingerprint = to.fingerprint();
        state.start.putAll(resolveStart(b.start));
        Map<TopicPartition, Long> end = endOffsets();
        if (end == null) {
            throw new MigrationException(Reason.SHADOW_FAILED, "set=" + to.name() + ": cannot read the end offsets"
                + " of " + partitions + " for the backfill's target; check the cluster and retry", null);
        }
        for (TopicPartition tp : partitions) {
            long s = state.start.get(tp);
            state.target.put(tp, Math.max(s, end.getOrDefault(tp, s)));
        }
        storeState();
        return false;
    }

    /** @return the topics' last stable offsets now, or null when the cluster does not answer */
    private Map<TopicPartition, Long> endOffsets() {
        try {
            return EndOffsets.lastStable(live.admin(), partitions);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private Map<TopicPartition, Long> resolveStart(MigrationStart start) {
        try {
            return StartOffsets.resolve(partitions, start.time, start.offsets, StartOffsets.admin(live.admin()));
        } catch (IllegalArgumentException e) {
            throw new MigrationException(Reason.WRONG_STATE, e.getMessage(), null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MigrationException(Reason.SHADOW_FAILED, "interrupted resolving the start offsets", e);
        } catch (Exception e) {
            throw new MigrationException(Reason.SHADOW_FAILED, "cannot resolve the start offsets (" + start + ") of "
                + partitions + ": " + e.getMessage() + "; check the cluster and retry", e);
        }
    }

    private void storeState() {
        try {
            state.store(step -> stepHook.accept("state-" + step.name().toLowerCase(java.util.Locale.ROOT)));
        } catch (java.io.UncheckedIOException e) {
            throw new MigrationException(Reason.STATE_FILE, e.getMessage() + "; the live definition is unchanged", e);
        }
    }

    /**
     * The progress now (computed afresh; the sampler's rate and ETA).
     *
     * @return the progress
     */
    public MigrationProgress progress() {
        if (failure != null) {
            MigrationProgress p = last;
            return p == null ? new MigrationProgress(MigrationPhase.FAILED, 0, 0, 0, null, -1, List.of())
                : new MigrationProgress(MigrationPhase.FAILED, p.done(), p.toDo(), 0, null, p.lagRecords(),
                    p.partitions());
        }
        return compute(lastRate, true);
    }

    /** @return the last progress the sampler took (no Kafka request), or null before the first */
    public MigrationProgress lastProgress() {
        return last;
    }

    private MigrationProgress compute(double rate, boolean withLag) {
        List<MigrationProgress.PartitionProgress> parts = new ArrayList<>(partitions.size());
        long done = 0;
        long toDo = 0;
        boolean past = true;
        for (TopicPartition tp : partitions) {
            long s = state.start.get(tp);
            long t = state.target.get(tp);
            long pos = shadowRuntime.position(tp.topic(), tp.partition());
            pos = pos < 0 ? s : pos;
            long d = Math.max(0, Math.min(pos, t) - s);
            past &= pos >= t;
            parts.add(new MigrationProgress.PartitionProgress(tp.topic(), tp.partition(), s, t, pos, d, t - s));
            done += d;
            toDo += t - s;
        }
        long lag = -1;
        if (withLag) {
            Map<TopicPartition, Long> end = endOffsets();
            if (end != null) {
                lag = 0;
                for (MigrationProgress.PartitionProgress pp : parts) {
                    long e = end.getOrDefault(new TopicPartition(pp.topic(), pp.partition()), pp.position());
                    lag += Math.max(0, e - pp.position());
                }
            }
        }
        MigrationPhase phase = failure != null ? MigrationPhase.FAILED : !past ? MigrationPhase.BACKFILLING
            : lag >= 0 && lag <= readyLagRecords ? MigrationPhase.READY : MigrationPhase.TAILING;
        Duration eta = past ? Duration.ZERO : rate > 0 ? Duration.ofMillis((long) ((toDo - done) * 1000.0 / rate))
            : null;
        return new MigrationProgress(phase, done, toDo, rate, eta, lag, List.copyOf(parts));
    }

    private void sample() {
        try {
            closeOldStoreWhenUnread();
            checkShadow();
            if (failure != null) {
                return;
            }
            long now = System.nanoTime();
            MigrationProgress p = compute(lastRate, true);
            if (lastSampleDone >= 0 && now > lastSampleNs) {
                lastRate = (p.done() - lastSampleDone) * 1e9 / (now - lastSampleNs);
                Duration eta = p.phase() == MigrationPhase.BACKFILLING && lastRate > 0
                    ? Duration.ofMillis((long) ((p.toDo() - p.done()) * 1000.0 / lastRate)) : p.eta();
                p = new MigrationProgress(p.phase(), p.done(), p.toDo(), lastRate, eta, p.lagRecords(),
                    p.partitions());
            }
            lastSampleNs = now;
            lastSampleDone = p.done();
            last = p;
            long nowMs = System.currentTimeMillis();
            if (logIntervalMs > 0 && nowMs - lastLogMs >= logIntervalMs) {
                lastLogMs = nowMs;
                LOG.info("migration of set={} to fingerprint={}: {}", from.name(), Long.toHexString(to.fingerprint()),
                    p);
            }
        } catch (RuntimeException e) {
            LOG.warn("migration of set={} progress: {}", from.name(), e.toString());
        }
    }

    /** Stops the migration on a shadow failure or a full shadow store; the live set is not touched. */
    private void checkShadow() {
        if (failure != null) {
            return;
        }
        MigrationException f = null;
        if (shadowRuntime.fill().anyWaiting()) {
            f = new MigrationException(Reason.STORE_FULL, "set=" + to.name() + ": the shadow store is full (capacity="
                + shadowRuntime.store().capacity() + " rows, shard " + shadowRuntime.fill().firstWaitingShard()
                + " waits for room); the migration stopped, the live set is untouched: start it again with a larger"
                + " StoreConfig capacity or growth", null);
        } else if (shadow.failure() != null) {
            f = new MigrationException(Reason.SHADOW_FAILED, "set=" + to.name() + ": the shadow pipeline failed: "
                + shadow.failure().getMessage() + "; the live set is untouched", shadow.failure());
        }
        if (f != null) {
            failure = f;
            LOG.error("migration of set={} stopped: {}", from.name(), f.getMessage());
            synchronized (this) {
                if (!state.liveNew) {
                    shadow.close();
                }
            }
        }
    }

    /** @return the failure that stopped the migration, or null */
    public MigrationException failure() {
        return failure;
    }

    /**
     * Changes the backfill consumers' budget while they run: the next poll is paced by it (a consumer waiting at the
     * old budget stops waiting). Their poll and fetch sizes stay those derived from the budget at {@code start()}
     * (see {@link Builder#throttle}); to re-derive them, close the migration and start the same {@code migrate(...)}
     * again: it resumes from the shadow store's offsets.
     *
     * @param recordsPerSecond records/s, 0 for no limit
     * @param bytesPerSecond bytes/s (keys and values), 0 for no limit
     */
    public void throttle(long recordsPerSecond, long bytesPerSecond) {
        throttle.set(recordsPerSecond, bytesPerSecond);
        LOG.info("migration of set={} throttle records/s={} bytes/s={}", from.name(), recordsPerSecond,
            bytesPerSecond);
    }

    /**
     * Compares the old and the new definition for the given keys at one read time.
     *
     * @param keys numeric entity keys
     * @return the report
     */
    public CompareReport compare(long[] keys) {
        return comparer().compare(keys);
    }

    /**
     * Text-key variant of {@link #compare(long[])}.
     *
     * @param keys text entity keys
     * @return the report
     */
    public CompareReport compare(CharSequence[] keys) {
        return comparer().compare(keys);
    }

    /**
     * Compares up to {@code sampleKeys} distinct keys taken from the newest records of the source topics (a
     * sample of the keys that matter now: the stores cannot list their keys).
     *
     * @param sampleKeys how many distinct keys at most
     * @return the report
     */
    public CompareReport compareRecent(int sampleKeys) {
        if (sampleKeys <= 0) {
            throw new IllegalArgumentException("sampleKeys=" + sampleKeys + ": compare at least one key");
        }
        MigrationComparer c = comparer();
        KeySampler ks = new KeySampler(live.kafkaProperties(), live.instanceId() + "-migrate-" + to.name()
            + "-sample", from, live.sourcesOf(from));
        return from.keyType() == io.freshet.core.KeyType.LONG ? c.compare(ks.longKeys(sampleKeys))
            : c.compare(ks.textKeys(sampleKeys));
    }

    private MigrationComparer comparer() {
        if (state.retired) {
            throw new MigrationException(Reason.WRONG_STATE, "set=" + from.name() + ": the old definition was retired;"
                + " there is nothing to compare with", null);
        }
        if (shadow.failure() != null || failure != null) {
            throw failure != null ? failure : new MigrationException(Reason.SHADOW_FAILED, "the shadow failed", null);
        }
        return new MigrationComparer(from, liveRuntime.store(), to, shadowRuntime.store(), live.clock().nowMs());
    }

    /**
     * Promotes with {@link CutoverCriteria#standard()}.
     *
     * @return the progress the criteria were checked on
     */
    public MigrationProgress promote() {
        return promote(CutoverCriteria.standard());
    }

    /**
     * Checks the criteria, records durably that the new definition is live, then switches every reader of the set to
     * the new store in one reference swap: a read is wholly old or wholly new. The old store keeps tailing until
     * {@link #retire()}. Idempotent when already promoted.
     *
     * @param criteria what must hold
     * @return the progress the criteria were checked on
     * @throws MigrationException CUTOVER_REFUSED naming the failing criterion; WRONG_STATE after a failure
     */
    public synchronized MigrationProgress promote(CutoverCriteria criteria) {
        Objects.requireNonNull(criteria, "criteria can't be null");
        checkOpen();
        if (failure != null) {
            throw new MigrationException(Reason.WRONG_STATE, "set=" + from.name() + ": the migration stopped ("
                + failure.getMessage() + "); nothing to promote", failure);
        }
        MigrationProgress p = compute(lastRate, true);
        if (state.liveNew) {
            return p;
        }
        if (criteria.requireReady() && p.phase() != MigrationPhase.READY) {
            throw refused("phase=" + p.phase() + " but READY is required (" + p + ")");
        }
        if (criteria.maxLagRecords() >= 0 && (p.lagRecords() < 0 || p.lagRecords() > criteria.maxLagRecords())) {
            throw refused("lag=" + p.lagRecords() + " records > maxLagRecords=" + criteria.maxLagRecords());
        }
        if (criteria.compareSampleKeys() > 0) {
            CompareReport r = compareRecent(criteria.compareSampleKeys());
            if (r.differingFraction() > criteria.maxDifferingFraction()) {
                throw refused("compare found differingFraction=" + r.differingFraction() + " > maxDifferingFraction="
                    + criteria.maxDifferingFraction() + " on unchanged shared features: " + r);
            }
        }
        stepHook.accept("criteria-checked");
        state.liveNew = true;
        storeState();
        stepHook.accept("state-recorded");
        switchReaders(to, shadowRuntime.store());
        stepHook.accept("readers-switched");
        LOG.info("migration of set={}: promoted fingerprint={} ({})", from.name(), Long.toHexString(to.fingerprint()),
            p);
        return p;
    }

    private MigrationException refused(String criterion) {
        return new MigrationException(Reason.CUTOVER_REFUSED, "set=" + from.name() + ": promote refused: " + criterion,
            null);
    }

    /**
     * Switches every reader back to the old definition and its store (which kept tailing), recorded durably first.
     *
     * @throws MigrationException WRONG_STATE when not promoted, or after {@link #retire()}
     */
    public synchronized void rollback() {
        checkOpen();
        if (state.retired) {
            throw new MigrationException(Reason.WRONG_STATE, "set=" + from.name() + ": the old definition was retired;"
                + " there is nothing to roll back to (start a new migration)", null);
        }
        if (!state.liveNew) {
            throw new MigrationException(Reason.WRONG_STATE, "set=" + from.name() + ": not promoted, the old"
                + " definition is live already", null);
        }
        state.liveNew = false;
        storeState();
        stepHook.accept("state-recorded");
        switchReaders(from, liveRuntime.store());
        stepHook.accept("readers-switched");
        LOG.info("migration of set={}: rolled back to fingerprint={}", from.name(),
            Long.toHexString(from.fingerprint()));
    }

    /**
     * Ends the way back after a promote: records that the old definition is retired, so a rollback is refused from
     * now on, also after a restart; then the pipeline stops feeding the old store at once (its records are skipped,
     * its offsets stand still) and, when the pipeline opened it, closes it as soon as no read can still hold it: the
     * first garbage collection after the last read that began before the promote. Until the pipeline restarts with
     * the new definition registered in place of the old (README "Changing a definition in production"), the new
     * store stands for the set in status and metrics; its old directory can be deleted after that restart.
     *
     * @throws MigrationException WRONG_STATE when not promoted
     */
    public synchronized void retire() {
        checkOpen();
        if (!state.liveNew) {
            throw new MigrationException(Reason.WRONG_STATE, "set=" + from.name() + ": promote before retire", null);
        }
        if (state.retired) {
            return;
        }
        state.retired = true;
        storeState();
        stepHook.accept("retire-recorded");
        stopFeedingOld();
        LOG.info("migration of set={}: retired fingerprint={}", from.name(), Long.toHexString(from.fingerprint()));
    }

    /** Stops the live pipeline feeding the old store; queues it for closing when the pipeline owns it. */
    private synchronized void stopFeedingOld() {
        RowStore old = liveRuntime.store();
        if (!live.stopFeeding(liveRuntime, shadowRuntime.store(), STOP_TIMEOUT_MS)) {
            // A pipeline thread did not acknowledge in time: the old store stays open until the pipeline closes.
            LOG.warn("migration of set={}: the pipeline's threads did not acknowledge the retire within {} ms; the old"
                + " store is no longer fed but stays open until the pipeline closes", from.name(), STOP_TIMEOUT_MS);
            return;
        }
        if (liveRuntime.ownsStore() && old != shadowRuntime.store()) {
            synchronized (oldStoreLock) {
                oldStoreToClose = old;
            }
            closeOldStoreWhenUnread();
        }
    }

    /** Closes the retired old store once no read can hold it (every old view unreachable). */
    private void closeOldStoreWhenUnread() {
        synchronized (oldStoreLock) {
            if (oldStoreToClose == null) {
                return;
            }
            for (WeakReference<Object> v : oldViews) {
                if (v.get() != null) {
                    return;
                }
            }
            closeOldStore();
        }
    }

    private void closeOldStore() {
        synchronized (oldStoreLock) {
            RowStore old = oldStoreToClose;
            if (old == null) {
                return;
            }
            oldStoreToClose = null;
            oldViews.clear();
            try {
                old.close();
            } finally {
                oldStoreClosed = true;
            }
        }
        LOG.info("migration of set={}: closed the retired store of fingerprint={}", from.name(),
            Long.toHexString(from.fingerprint()));
    }

    /** @return true once the retired old store was closed (package-private: tests) */
    boolean oldStoreClosed() {
        return oldStoreClosed;
    }

    /** @return true while the new definition serves the set's reads */
    public boolean isPromoted() {
        return state.liveNew;
    }

    /** @return true once {@link #retire()} was called (also in an earlier run) */
    public boolean isRetired() {
        return state.retired;
    }

    /** @return the definition the migration builds */
    public FeatureSet<?> target() {
        return to;
    }

    private void switchReaders(FeatureSet<?> set, RowStore store) {
        FeatureReader r = liveRuntime.reader();
        Object previous = CoreInternals.switchReader(r, set, store);
        if (set == to) {
            synchronized (oldStoreLock) {
                // What reads loaded until now names the old store.
                oldViews.add(new WeakReference<>(previous));
            }
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new MigrationException(Reason.WRONG_STATE, "migration of set=" + from.name() + " is closed", null);
        }
    }

    /**
     * Stops the shadow pipeline and closes its store. Refused while promoted and the pipeline serves (the readers
     * read the shadow store): roll back first, or close the pipeline, which closes its migrations.
     */
    @Override
    public synchronized void close() {
        if (state.liveNew && !live.isClosing()) {
            throw new MigrationException(Reason.WRONG_STATE, "set=" + from.name() + ": the promoted definition"
                + " serves the readers; rollback() first, or close the pipeline", null);
        }
        closeNow();
    }

    /** Closes without the check (the pipeline closes). */
    synchronized void closeNow() {
        if (closed) {
            return;
        }
        closed = true;
        sampler.shutdownNow();
        try {
            sampler.awaitTermination(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // The pipeline closes: its readers' reads end with it, as for every store it closes.
        closeOldStore();
        shadow.close();
        live.forget(this);
    }

    /**
     * An application delete of the live set, passed on to the shadow store (which the readers read once promoted).
     *
     * @param longKey the key of a LONG-key set
     * @param textKey the key of a TEXT-key set, or null
     * @return completes when the shadow applied it (true: it had a row); with false at once when the migration closed
     */
    CompletableFuture<Boolean> deleteInShadow(long longKey, String textKey) {
        synchronized (this) {
            if (closed) {
                return CompletableFuture.completedFuture(false);
            }
        }
        return textKey == null ? shadow.delete(to, longKey) : shadow.delete(to, textKey);
    }

    /** @return the live set's runtime */
    SetRuntime liveRuntime() {
        return liveRuntime;
    }

    /** @return the shadow pipeline (package-private: tests inspect it) */
    FeaturePipeline shadow() {
        return shadow;
    }

    /**
     * Options of a migration; {@link #start()} opens the shadow store and starts its pipeline.
     *
     * <p>Threading: one thread; a builder starts one migration.
     */
    public static final class Builder {
        private final FeaturePipeline live;
        private final FeatureSet<?> from;
        private final FeatureSet<?> to;
        private final StoreEngine engine;
        private final StoreConfig config;
        private final List<Source<?>> sources;
        private MigrationStart start = MigrationStart.logStart();
        private long recordsPerSecond = DEFAULT_RECORDS_PER_SECOND;
        private long bytesPerSecond;
        private long readyLagRecords = FeaturePipelineBuilder.DEFAULT_RUNNING_LAG_TOLERANCE_RECORDS;
        private Duration logInterval = Duration.ofSeconds(10);
        private Path stateDirectory;
        private int consumerThreads = 1;
        private int applierThreads = 1;

        Builder(FeaturePipeline live, FeatureSet<?> from, FeatureSet<?> to, StoreEngine engine, StoreConfig config,
            List<Source<?>> sources) {
            this.live = live;
            this.from = from;
            this.to = to;
            this.engine = engine;
            this.config = config;
            this.sources = sources;
        }

        /**
         * @param start where the backfill starts (default: the log start)
         * @return this
         */
        public Builder from(MigrationStart start) {
            this.start = Objects.requireNonNull(start, "start can't be null");
            return this;
        }

        /**
         * The backfill consumers' budget. Under a budget they are also paced: their {@code max.poll.records},
         * {@code fetch.max.bytes} and {@code max.partition.fetch.bytes} are lowered to about 2 ms (polls) and 20 ms
         * (fetches) of it, so that the backfill takes the CPU in small, evenly spaced slices rather than a large poll
         * at a time; unthrottled (0, 0) they keep the pipeline's Kafka settings.
         *
         * @param recordsPerSecond the backfill consumers' budget in records/s, 0 for none (default
         *     {@link #DEFAULT_RECORDS_PER_SECOND})
         * @param bytesPerSecond their budget in bytes/s (keys and values), 0 for none (default)
         * @return this
         */
        public Builder throttle(long recordsPerSecond, long bytesPerSecond) {
            new BackfillThrottle(recordsPerSecond, bytesPerSecond); // checks the values now
            this.recordsPerSecond = recordsPerSecond;
            this.bytesPerSecond = bytesPerSecond;
            return this;
        }

        /**
         * @param records lag at or below which a tailing shadow is READY (default 1,000)
         * @return this
         */
        public Builder readyLag(long records) {
            if (records < 0) {
                throw new IllegalArgumentException("readyLag=" + records + " must be >= 0");
            }
            this.readyLagRecords = records;
            return this;
        }

        /**
         * @param interval how often the progress is logged (default 10 s; {@link Duration#ZERO}: never)
         * @return this
         */
        public Builder progressLogInterval(Duration interval) {
            if (interval.isNegative()) {
                throw new IllegalArgumentException("progressLogInterval=" + interval + " is negative");
            }
            this.logInterval = interval;
            return this;
        }

        /**
         * @param dir where the durable state lives (default: {@code <shadow store directory>.migration} beside the
         *     shadow store's directory: the store engines keep their directories to themselves)
         * @return this
         */
        public Builder stateDirectory(Path dir) {
            this.stateDirectory = Objects.requireNonNull(dir, "dir can't be null");
            return this;
        }

        /**
         * @param consumers backfill consumer threads (default 1)
         * @param appliers shadow applier threads (default 1)
         * @return this
         */
        public Builder threads(int consumers, int appliers) {
            if (consumers < 1 || appliers < 1) {
                throw new IllegalArgumentException("threads consumers=" + consumers + " appliers=" + appliers
                    + ": at least one of each");
            }
            this.consumerThreads = consumers;
            this.applierThreads = appliers;
            return this;
        }

        /**
         * Opens the shadow store (or resumes a migration recorded in the state directory) and starts its pipeline.
         *
         * @return the migration
         * @throws MigrationException when the shadow cannot start or the state directory records another migration
         */
        public Migration start() {
            Migration m = new Migration(this);
            live.remember(m);
            return m;
        }
    }
}
