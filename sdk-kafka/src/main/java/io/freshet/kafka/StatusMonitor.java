package io.freshet.kafka;

import io.freshet.core.FeatureReader;
import io.freshet.core.internal.CoreInternals;
import io.freshet.core.spi.RowStore;
import io.freshet.kafka.internal.Binding;
import io.freshet.kafka.internal.IngestLoop;
import io.freshet.kafka.internal.PipelineCore;
import io.freshet.kafka.internal.SetRuntime;
import io.freshet.kafka.internal.StatusTracker;
import io.freshet.kafka.internal.StoreFillWatch;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;

/**
 * Each set's {@link SetStatus}: DOWN (not started, closed, failed, a thread stopped), STORE_FULL while a shard of
 * its store waits for room, else RUNNING or CATCHING_UP from the consumers' published lag and caught-up verdicts
 * with hysteresis ({@link StatusTracker}). Also keeps the readers' CATCHING_UP flag current: {@link #refreshReaders}
 * runs on the consumer threads after each lag refresh (registered with the pipeline's lag board, so nothing below
 * calls up into the facade), without allocating.
 *
 * <p>Threading: any thread; evaluations are serialised. Allocation: {@link #status} allocates its answer;
 * {@link #refreshReaders} nothing.
 */
final class StatusMonitor {
    private final PipelineCore core;
    /** Per set index: its tracker and its source topics. */
    private final StatusTracker[] trackers;
    private final Set<?>[] topics;
    /** The verdict {@link #refreshReaders} reuses (guarded by this). */
    private final Verdict scratch = new Verdict();
    private volatile boolean started;
    private volatile boolean closed;

    /** An evaluation's outcome. */
    private static final class Verdict {
        SetStatus.State state;
        long lag;
        String reason;

        Verdict set(SetStatus.State s, long lagRecords, String why) {
            state = s;
            lag = lagRecords;
            reason = why;
            return this;
        }
    }

    StatusMonitor(PipelineCore core, long toleranceRecords, long graceMs) {
        this.core = core;
        List<SetRuntime> sets = core.sets();
        this.trackers = new StatusTracker[sets.size()];
        this.topics = new Set<?>[sets.size()];
        for (SetRuntime s : sets) {
            trackers[s.index()] = new StatusTracker(toleranceRecords, TimeUnit.MILLISECONDS.toNanos(graceMs));
            Set<String> t = new HashSet<>();
            for (Binding b : s.bindings()) {
                t.add(b.source().topic());
            }
            topics[s.index()] = t;
        }
    }

    /** Called when start begins. */
    void started() {
        started = true;
    }

    /** Called at close: every set is DOWN from now on. */
    void closed() {
        closed = true;
    }

    /** The trackers forget their history (the threads are stopping). */
    void resetTrackers() {
        for (StatusTracker t : trackers) {
            t.reset();
        }
    }

    /** @return the set's status now */
    synchronized SetStatus status(SetRuntime s) {
        Verdict v = evaluate(s, new Verdict());
        RowStore store = s.store();
        long rows = -1;
        long capacity = -1;
        if (store != null && v.state != SetStatus.State.DOWN) {
            rows = store.size();
            capacity = store.capacity();
        }
        String reason = v.reason;
        if (v.state == SetStatus.State.STORE_FULL) {
            StoreFillWatch fill = s.fill();
            int shard = fill.firstWaitingShard();
            reason = "store full: rows=" + rows + " capacity=" + capacity + " (fill " + StoreFillWatch.percent(
                capacity > 0 ? (double) rows / capacity : 1) + "); " + fill.waitingShards() + " shard(s) waiting for"
                + " room" + (shard < 0 ? "" : ", first shard=" + shard) + ": records wait, none is skipped; the set"
                + " resumes when rows expire (TTL), are deleted or the store grows";
        }
        return new SetStatus(v.state, v.lag, reason, rows, capacity);
    }

    /**
     * Sets every reader's CATCHING_UP flag from its set's state; allocation-free.
     *
     * @return whether every set with a reader is RUNNING (its reads carry no CATCHING_UP)
     */
    synchronized boolean refreshReaders() {
        final List<SetRuntime> sets = core.sets();
        boolean allRunning = true;
        for (int i = 0, n = sets.size(); i < n; i++) {
            SetRuntime s = sets.get(i);
            FeatureReader r = s.reader();
            if (r != null) {
                boolean running = evaluate(s, scratch).state == SetStatus.State.RUNNING;
                CoreInternals.setCatchingUp(r, !running);
                allRunning &= running;
            }
        }
        return allRunning;
    }

    private Verdict evaluate(SetRuntime s, Verdict v) {
        if (!started) {
            return v.set(SetStatus.State.DOWN, -1, "not started");
        }
        if (closed) {
            return v.set(SetStatus.State.DOWN, -1, "closed");
        }
        PipelineException f = core.failure();
        if (f != null) {
            return v.set(SetStatus.State.DOWN, -1, f.getMessage());
        }
        IngestLoop[] loops = core.loops();
        if (loops == null) {
            return v.set(SetStatus.State.DOWN, -1, "not started");
        }
        if (!core.consumersAlive()) {
            return v.set(SetStatus.State.DOWN, -1, "consumer thread stopped");
        }
        final Set<?> setTopics = topics[s.index()];
        final Map<TopicPartition, Long> lagByPartition = core.lagBoard().lag();
        boolean caughtUp = true;
        long lag = 0;
        for (IngestLoop l : loops) {
            caughtUp &= l.caughtUp();
            List<TopicPartition> assigned = l.assignment();
            for (int i = 0, n = assigned.size(); i < n; i++) {
                TopicPartition tp = assigned.get(i);
                if (setTopics.contains(tp.topic())) {
                    Long p = lagByPartition.get(tp);
                    if (p == null || p < 0 || lag < 0) {
                        lag = -1;
                    } else {
                        lag += p;
                    }
                }
            }
        }
        if (!core.appliersAlive()) {
            return v.set(SetStatus.State.DOWN, -1, "applier thread stopped");
        }
        if (s.fill().anyWaiting()) {
            // Before the tracker: waiting for room is not a lag that tolerance or grace should hide.
            return v.set(SetStatus.State.STORE_FULL, lag, null);
        }
        boolean fully = caughtUp && lag == 0 && core.ringsIdle();
        if (trackers[s.index()].observe(fully, lag, System.nanoTime())) {
            return v.set(SetStatus.State.RUNNING, lag, null);
        }
        return v.set(SetStatus.State.CATCHING_UP, lag, null);
    }
}
