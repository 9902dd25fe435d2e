package io.freshet.kafka.internal.training;

import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureVector;
import io.freshet.core.KeyType;
import io.freshet.core.StoreConfig;
import io.freshet.core.spi.RowStore;
import io.freshet.kafka.BadRecordPolicy;
import io.freshet.kafka.BadRecordReason;
import io.freshet.kafka.Source;
import io.freshet.kafka.TombstonePolicy;
import io.freshet.kafka.TrainingProgress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One training run (see {@code TrainingSet}): opens the history's consumer and the running rows, merges labels and
 * feature records in time order, hands each row to a {@link RowSink}, reports progress, and closes what it opened.
 *
 * <p>For each label at {@code t} (labels in non-decreasing time) the history is read forward until every partition
 * has passed {@code t + lag} ({@link HistoryMerge}); each record goes to the running rows of every set its topic
 * feeds ({@link RunningRows}), which then advance to {@code t}; the row is one read per set at {@code t}.
 *
 * <p>Threading: one run, on the calling thread; not reusable (a new run per write).
 *
 * @param <L> the label type
 */
public final class TrainingRun<L> {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingRun.class);
    private static final AtomicLong RUNS = new AtomicLong();

    private final TrainingPlan<L> plan;
    private final List<String> topics = new ArrayList<>();
    private final List<RunningRows<?>> rows = new ArrayList<>();
    /** The configs of the stores this run created on disk, to delete them at the end. */
    private final List<StoreConfig> storeConfigs = new ArrayList<>();
    /** Per topic index, the sets it feeds: their running rows, source, reusable event and tombstone policy. */
    private Target[][] targets;
    private HistoryMerge history;
    private Map<TopicPartition, Long> startOffsets;
    private Map<TopicPartition, Long> endOffsets;
    private long badRecords;
    private long labelTimeNow;
    /** The history's sink, made once (a method reference per label would be an object per label). */
    private final HistoryMerge.Sink router = this::route;

    /**
     * @param plan what to run
     */
    public TrainingRun(TrainingPlan<L> plan) {
        this.plan = plan;
    }

    /** Where one topic's records go: one set, through one of its sources. */
    private static final class Target {
        final RunningRows<Object> rows;
        final Source<Object> source;
        final Object reusable;
        final boolean deleteOnTombstone;

        @SuppressWarnings("unchecked")
        Target(RunningRows<?> rows, Source<?> source) {
            this.rows = (RunningRows<Object>) rows;
            this.source = (Source<Object>) source;
            this.reusable = source.decoder().newReusable();
            this.deleteOnTombstone = source.tombstonePolicy() == TombstonePolicy.DELETE;
        }
    }

    /**
     * Runs once: every label's row goes to the sink, in label order.
     *
     * @param sink receives the rows
     * @return the final progress
     * @throws IOException when the sink throws it
     */
    public TrainingProgress execute(RowSink<L> sink) throws IOException {
        List<TrainingJoin<L, ?>> joins = plan.joins;
        for (TrainingJoin<L, ?> j : joins) {
            for (Source<?> s : j.sources) {
                if (!topics.contains(s.topic())) {
                    topics.add(s.topic());
                }
            }
        }
        long startNs = System.nanoTime();
        try {
            for (TrainingJoin<L, ?> j : joins) {
                rows.add(openRows(j.set));
            }
            targets = new Target[topics.size()][];
            for (int topic = 0; topic < topics.size(); topic++) {
                List<Target> fed = new ArrayList<>();
                for (int i = 0; i < joins.size(); i++) {
                    for (Source<?> s : joins.get(i).sources) {
                        if (s.topic().equals(topics.get(topic))) {
                            fed.add(new Target(rows.get(i), s));
                        }
                    }
                }
                targets[topic] = fed.toArray(new Target[0]);
            }
            history = new HistoryMerge(plan.kafka, plan.clientIdPrefix + RUNS.incrementAndGet(), topics,
                plan.startOffsets == null ? plan.startTime : null, plan.startOffsets, plan.stallTimeout);
            startOffsets = history.startOffsets();
            endOffsets = history.endOffsets();
            return loop(sink, startNs);
        } finally {
            close();
        }
    }

    /** @return the offsets the history started at, per partition (after {@link #execute}) */
    public Map<TopicPartition, Long> startOffsets() {
        return startOffsets;
    }

    /** @return the end offsets the history was read to, per partition (after {@link #execute}) */
    public Map<TopicPartition, Long> endOffsets() {
        return endOffsets;
    }

    /** @return records skipped as bad (their sources' policy SKIP or DEAD_LETTER) */
    public long badRecords() {
        return badRecords;
    }

    private <E> RunningRows<E> openRows(FeatureSet<E> set) {
        if (plan.engine == null) {
            return new RunningRows<>(set, new HeapRunningStore(StoreConfig.builder(set).capacity(1L << 40).build()));
        }
        try {
            Files.createDirectories(plan.storeDirectory);
            Path dir = Files.createTempDirectory(plan.storeDirectory, "training-" + set.name() + "-");
            // Small to start: the engine grows it online as keys arrive.
            StoreConfig config = StoreConfig.builder(set).directory(dir).capacity(1 << 16).build();
            storeConfigs.add(config);
            RowStore store = plan.engine.open(config);
            return new RunningRows<>(set, store);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the running rows' store under " + plan.storeDirectory
                + ": " + e.getMessage(), e);
        }
    }

    private TrainingProgress loop(RowSink<L> sink, long startNs) throws IOException {
        final Iterable<L> labels = plan.labels;
        final long labelsTotal = labels instanceof Collection ? ((Collection<?>) labels).size() : -1;
        final int sets = plan.joins.size();
        final FeatureVector[] vectors = new FeatureVector[sets];
        final FeatureVector[] out = new FeatureVector[sets];
        for (int i = 0; i < sets; i++) {
            vectors[i] = plan.joins.get(i).set.newVector();
        }
        final long everyNs = plan.progressEvery.toNanos();
        final long lagMs = plan.lagMs;
        long nextReportNs = startNs + everyNs;
        long done = 0;
        long previous = Long.MIN_VALUE;
        Iterator<L> it = labels.iterator();
        try {
            while (it.hasNext()) {
                L label = it.next();
                long t = plan.labelTimeMs.applyAsLong(label);
                if (t < previous) {
                    throw new IllegalArgumentException("label #" + done + " has time=" + t + " < the previous "
                        + "label's " + previous + ": labels must come in non-decreasing time (sort them by label "
                        + "time)");
                }
                if (t != previous || done == 0) {
                    labelTimeNow = t;
                    long horizon = lagMs > Long.MAX_VALUE - t ? Long.MAX_VALUE : t + lagMs;
                    history.readUpTo(horizon, router);
                    for (int i = 0; i < sets; i++) {
                        rows.get(i).advanceTo(t);
                    }
                    previous = t;
                }
                for (int i = 0; i < sets; i++) {
                    out[i] = read(i, label, t, vectors[i]) ? vectors[i] : null;
                }
                sink.accept(label, t, out);
                done++;
                long now = System.nanoTime();
                if (now >= nextReportNs) {
                    nextReportNs = now + everyNs;
                    report(progress(done, labelsTotal, startNs, now, false));
                }
            }
        } finally {
            if (it instanceof AutoCloseable) {
                closeQuietly((AutoCloseable) it);
            }
        }
        TrainingProgress last = progress(done, labelsTotal, startNs, System.nanoTime(), true);
        report(last);
        return last;
    }

    private boolean read(int i, L label, long t, FeatureVector into) {
        TrainingJoin<L, ?> j = plan.joins.get(i);
        RunningRows<?> r = rows.get(i);
        if (j.set.keyType() == KeyType.LONG) {
            r.read(j.longKey.applyAsLong(label), t, into);
            return true;
        }
        CharSequence key = j.textKey.apply(label);
        if (key == null) {
            return false; // no entity of this set for the label: the row says MISSING
        }
        r.read(key, t, into);
        return true;
    }

    private void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            LOG.warn("training rows: closing the label source failed: {}", e.toString());
        }
    }

    private TrainingProgress progress(long done, long total, long startNs, long nowNs, boolean complete) {
        Duration elapsed = Duration.ofNanos(nowNs - startNs);
        double seconds = Math.max(1e-9, (nowNs - startNs) / 1e9);
        return new TrainingProgress(done, total, history.recordsRead(), history.recordsToRead(), done / seconds,
            elapsed, complete);
    }

    private void report(TrainingProgress p) {
        LOG.info("training rows: {}", p);
        if (plan.progressListener != null) {
            plan.progressListener.accept(p);
        }
    }

    /** Gives one history record to every set fed by its topic. */
    private void route(ConsumerRecord<byte[], byte[]> rec, int topicIndex, long knownMs) {
        Target[] fed = targets[topicIndex];
        for (int i = 0; i < fed.length; i++) {
            offer(fed[i], rec, knownMs);
        }
    }

    private void offer(Target target, ConsumerRecord<byte[], byte[]> rec, long knownMs) {
        Source<Object> src = target.source;
        RunningRows<Object> r = target.rows;
        BadRecordReason bad = r.offer(rec, src.decoder(), target.reusable, src.maxRecordBytes(), src.maxEventAgeMs(),
            knownMs, labelTimeNow, target.deleteOnTombstone);
        if (bad == null) {
            return;
        }
        if (src.policy() == BadRecordPolicy.FAIL) {
            Throwable cause = r.cause();
            throw new IllegalStateException("training rows: bad record " + rec.topic() + "-" + rec.partition()
                + "@" + rec.offset() + " for set=" + r.featureSet().name() + ": " + bad
                + (cause == null ? "" : " (" + cause.getClass().getSimpleName() + ")") + "; its source's policy "
                + "is FAIL, as the live pipeline's: fix the record, or give the source BadRecordPolicy.SKIP",
                cause);
        }
        badRecords++;
    }

    private void close() {
        if (history != null) {
            history.close();
        }
        for (RunningRows<?> r : rows) {
            r.close();
        }
        for (StoreConfig config : storeConfigs) {
            plan.engine.destroy(config);
        }
    }
}
