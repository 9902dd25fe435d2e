package io.freshet.kafka;

import io.freshet.kafka.internal.Binding;
import io.freshet.kafka.internal.HeartbeatSeen;
import io.freshet.kafka.internal.LagBoard;
import io.freshet.kafka.internal.PipelineCore;
import io.freshet.kafka.internal.SetRuntime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evaluates each set's freshness SLO continuously: every tick (a twentieth of the window, 20 ms..1 s) it samples the
 * set's worst partition age (see {@link SloStatus}) into a ring covering the window, takes the SLO's percentile of
 * the ring (nearest rank) and compares it with the bound. A transition logs one line and calls the listener.
 *
 * <p>Threading: {@link #tick} from the pipeline's SLO thread; {@link #status} from any thread. Allocation: per tick
 * (off every hot path).
 */
final class SloMonitor {
    private static final Logger LOG = LoggerFactory.getLogger(SloMonitor.class);

    /** One set's SLO as configured. */
    static final class Objective {
        final String set;
        final double percentile;
        final long boundMs;
        final long windowMs;

        Objective(String set, double percentile, long boundMs, long windowMs) {
            this.set = set;
            this.percentile = percentile;
            this.boundMs = boundMs;
            this.windowMs = windowMs;
        }
    }

    /** A set's evaluation state. */
    private static final class Tracker {
        final Objective objective;
        final SetRuntime set;
        final long[] ring;
        int size;
        int next;
        volatile SloStatus status;

        Tracker(Objective o, SetRuntime set, int slots, long startMs) {
            this.objective = o;
            this.set = set;
            this.ring = new long[slots];
            this.status = new SloStatus(o.set, SloStatus.State.OK, o.percentile, -1, o.boundMs, o.windowMs, startMs);
        }
    }

    private final PipelineCore core;
    private final List<Tracker> trackers = new ArrayList<>();
    private final Consumer<SloStatus> listener;
    private final long tickMs;
    private volatile long startMs;

    SloMonitor(PipelineCore core, List<Objective> objectives, Consumer<SloStatus> listener) {
        this.core = core;
        this.listener = listener;
        long tick = 1_000;
        for (Objective o : objectives) {
            tick = Math.min(tick, Math.max(20, o.windowMs / 20));
        }
        this.tickMs = tick;
        long now = System.currentTimeMillis();
        for (Objective o : objectives) {
            SetRuntime s = null;
            for (SetRuntime r : core.sets()) {
                if (r.featureSet().name().equals(o.set)) {
                    s = r;
                }
            }
            trackers.add(new Tracker(o, s, (int) Math.max(1, o.windowMs / tickMs), now));
        }
    }

    /** @return true when any set has an SLO */
    boolean active() {
        return !trackers.isEmpty();
    }

    /** @return the evaluation period, ms */
    long tickMs() {
        return tickMs;
    }

    /** Marks the start: partitions without a heartbeat yet age from here. */
    void started() {
        startMs = System.currentTimeMillis();
    }

    /**
     * @param set a set's name
     * @return its SLO status, or null when it has none
     */
    SloStatus status(String set) {
        for (Tracker t : trackers) {
            if (t.objective.set.equals(set)) {
                return t.status;
            }
        }
        return null;
    }

    /** Samples every set, evaluates, reports transitions. */
    void tick() {
        long now = System.currentTimeMillis();
        LagBoard board = core.lagBoard();
        List<TopicPartition> assigned = core.loops() == null ? List.of() : core.assignment();
        for (Tracker t : trackers) {
            Set<String> topics = new HashSet<>();
            for (Binding b : t.set.bindings()) {
                topics.add(b.topic());
            }
            long worst = -1;
            for (TopicPartition tp : assigned) {
                if (!topics.contains(tp.topic())) {
                    continue;
                }
                HeartbeatSeen seen = board.heartbeats().get(tp);
                long produced = seen == null ? -1 : seen.producedMs();
                long age = produced < 0 ? now - startMs : Math.max(0, now - produced);
                worst = Math.max(worst, age);
            }
            if (worst < 0) {
                continue; // no partition of the set is assigned to this instance now
            }
            t.ring[t.next] = worst;
            t.next = (t.next + 1) % t.ring.length;
            t.size = Math.min(t.size + 1, t.ring.length);
            long[] sorted = Arrays.copyOf(t.ring, t.size);
            Arrays.sort(sorted);
            int rank = (int) Math.ceil(t.objective.percentile / 100.0 * sorted.length) - 1;
            long measured = sorted[Math.max(0, Math.min(sorted.length - 1, rank))];
            SloStatus.State state = measured > t.objective.boundMs ? SloStatus.State.BREACHED : SloStatus.State.OK;
            SloStatus before = t.status;
            SloStatus after = new SloStatus(t.objective.set, state, t.objective.percentile, measured,
                t.objective.boundMs, t.objective.windowMs, state == before.state() ? before.sinceMs() : now);
            t.status = after;
            if (state != before.state()) {
                if (state == SloStatus.State.BREACHED) {
                    LOG.warn("pipeline instance={} {}", core.instanceId(), after);
                } else {
                    LOG.info("pipeline instance={} {}", core.instanceId(), after);
                }
                if (listener != null) {
                    try {
                        listener.accept(after);
                    } catch (RuntimeException e) {
                        // A listener must not stop the evaluation of the other sets.
                        LOG.warn("set={} SLO listener threw: {}", t.objective.set, e.toString());
                    }
                }
            }
        }
    }
}
