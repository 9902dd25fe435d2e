package io.freshet.kafka.internal;

import io.freshet.core.internal.kernel.EventPreparer;
import io.freshet.core.internal.kernel.Kernels;
import io.freshet.core.internal.kernel.PreparedEvent;
import io.freshet.core.internal.kernel.RowWriteKernel;
import io.freshet.core.spi.ShardWriter;
import io.freshet.kafka.BadRecordException;
import io.freshet.kafka.BadRecordPolicy;
import io.freshet.kafka.BadRecordReason;
import io.freshet.kafka.PipelineException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer of a group of shards (shard {@code s} of every set with {@code s % appliers == index}): drains
 * its input rings (one per consumer thread) and applies each record with the two-phase kernel:
 * {@code EventPreparer.prepare} (user extractors; a throw marks the record bad, nothing touched) →
 * {@code ShardWriter.begin} (duplicate: skip; full: bad record) → {@code RowWriteKernel.apply} → {@code commit}.
 * Progress markers advance a shard's offset for partitions it saw no record of.
 *
 * <p>Threading: one thread; the only user of its shard writers and row appliers. Allocation: none per record (the
 * bad-record path allocates). Idles by spinning ({@value #SPIN_ROUNDS} rounds of {@link Thread#onSpinWait}, a few
 * microseconds), then parking up to 1 ms at a time: parked, it costs no CPU, and it does not sleep out the
 * millisecond with work queued — consumers unpark it after a full fence at the end of each poll batch, and every
 * {@code IngestLoop.WAKE_EVERY_RECORDS} records within a large one (see {@code IngestLoop.wakeAppliers}). The 1 ms
 * park bound is thus a fallback, not a latency.
 *
 * <p>No {@link Thread#yield} phase between spinning and parking: a yielding thread stays runnable, so consumers see
 * it awake and do not unpark it, while on a busy machine each yield puts it behind every runnable thread of its CPU
 * for up to a scheduler slice. Measured with the freshness harness on 2 shared cores (20,000 events/s, broker and
 * producer in other JVMs): spin → yield → park gave poll → applied p99 3.2–6.1 ms; spin → park 1.3 ms. An unpark
 * reaches a parked applier in ~10 µs at the median and ~0.2 ms at p99 there.
 */
public final class ShardApplier implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(ShardApplier.class);
    private static final int BATCH = 256;
    /**
     * Slots whose store memory is read ahead together: enough misses in flight to hide most of a miss's latency,
     * few enough that the touched lines are still in L1/L2 when their applies run.
     */
    private static final int GROUP = 8;
    private static final long PARK_NS = TimeUnit.MILLISECONDS.toNanos(1);
    /** Idle rounds of {@link Thread#onSpinWait} before the applier parks. */
    static final int SPIN_ROUNDS = 64;
    private static final long EVICT_INTERVAL_NS = TimeUnit.SECONDS.toNanos(1);
    private static final int EVICT_BUDGET = 4096;
    /** Highest poll → applied latency tracked, µs (larger values are clamped). */
    static final long MAX_LATENCY_US = TimeUnit.HOURS.toMicros(1);

    final PipelineCore core;
    final int index;
    final Counters counters;
    final StageRecorder pollToAppliedUs = new StageRecorder(MAX_LATENCY_US);
    private ShardWriter[][] writers;
    private EventPreparer<Object>[] preparers;
    private RowWriteKernel[] writeKernels;
    private PreparedEvent prepared;
    private volatile boolean parked;
    private volatile boolean stopRequested;
    private Thread thread;
    private long lastEvictNs;
    private long lastSkipLogMs;
    /** The read-ahead group being applied; stale entries are harmless (slots are pooled for the ring's life). */
    private final Slot[] group = new Slot[GROUP];
    /** Sum of what {@link #touch} read: written so that the JIT keeps those reads. */
    private long touched;

    ShardApplier(PipelineCore core, int index) {
        this.core = core;
        this.index = index;
        this.counters = new Counters(core.sets.size());
    }

    void start(String name) {
        thread = new Thread(this, name);
        thread.setDaemon(true);
        thread.start();
    }

    void join(long timeoutMs) throws InterruptedException {
        if (thread != null) {
            thread.join(timeoutMs);
            if (thread.isAlive()) {
                LOG.warn("applier thread={} still running {} ms after stop", thread.getName(), timeoutMs);
            }
        }
    }

    /** @return true while the thread runs */
    public boolean isAlive() {
        return thread != null && thread.isAlive();
    }

    void requestStop() {
        stopRequested = true;
        wake();
    }

    /** Unparks the thread if it is idle (called by consumers after publishing; see {@code IngestLoop}). */
    void wakeIfParked() {
        if (parked) {
            LockSupport.unpark(thread);
        }
    }

    void wake() {
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public void run() {
        try {
            writers = new ShardWriter[core.sets.size()][];
            preparers = (EventPreparer<Object>[]) new EventPreparer<?>[core.sets.size()];
            writeKernels = new RowWriteKernel[core.sets.size()];
            int capacity = 0;
            for (SetRuntime s : core.sets) {
                writers[s.index] = new ShardWriter[s.shards];
                for (int shard = 0; shard < s.shards; shard++) {
                    if (core.applierOf(shard) == index) {
                        writers[s.index][shard] = s.store.writer(shard);
                    }
                }
                preparers[s.index] = (EventPreparer<Object>) Kernels.newPreparer(s.set);
                writeKernels[s.index] = Kernels.newWriteKernel(s.set);
                capacity = Math.max(capacity, Kernels.preparedCapacity(s.set));
            }
            prepared = new PreparedEvent(capacity);
            loop();
        } catch (Throwable t) {
            core.fail(new PipelineException("applier thread=" + Thread.currentThread().getName()
                + " died: " + t + "; the store is consistent up to its last commit, restart the pipeline", t));
        }
    }

    private void loop() {
        final HandOffRing[][] rings = core.rings;
        int idle = 0;
        while (true) {
            if (core.failure() != null) {
                return;
            }
            int work = 0;
            for (int c = 0; c < rings.length; c++) {
                HandOffRing ring = rings[c][index];
                Slot slot = ring.poll();
                if (slot == null) {
                    continue;
                }
                int k = 0;
                boolean ok = true;
                // One stage-recorder batch per drain (not per record): see StageRecorder.
                pollToAppliedUs.beginBatch();
                try {
                    drain:
                    while (true) {
                        // Up to GROUP slots at a time: touch all their rows first, so that their cache misses
                        // overlap, then apply them in order.
                        int n = 0;
                        group[n++] = slot;
                        while (n < GROUP && k + n < BATCH && (slot = ring.poll()) != null) {
                            group[n++] = slot;
                        }
                        touch(n);
                        for (int i = 0; i < n; i++) {
                            Slot s = group[i];
                            ok = s.kind == Slot.RECORD ? apply(s) : mark(s);
                            ring.release(s);
                            k++;
                            if (!ok) {
                                break drain;
                            }
                        }
                        if (k >= BATCH || (slot = ring.poll()) == null) {
                            break;
                        }
                    }
                } finally {
                    pollToAppliedUs.endBatch();
                }
                if (!ok) {
                    return;
                }
                if (k > 0) {
                    work += k;
                    core.loops[c].wakeIfWaiting();
                }
            }
            long nowNs = System.nanoTime();
            if (nowNs - lastEvictNs > EVICT_INTERVAL_NS) {
                lastEvictNs = nowNs;
                evictIdle();
            }
            if (work > 0) {
                idle = 0;
            } else if (stopRequested && core.ringsIdle()) {
                return;
            } else {
                idle = idle(idle);
            }
        }
    }

    private int idle(int idleRounds) {
        if (idleRounds < SPIN_ROUNDS) {
            Thread.onSpinWait();
        } else {
            parked = true;
            // Re-check after announcing: a consumer that published before reading `parked` is seen here.
            if (!anyPending()) {
                LockSupport.parkNanos(this, PARK_NS);
            }
            parked = false;
        }
        return idleRounds + 1;
    }

    private boolean anyPending() {
        for (HandOffRing[] row : core.rings) {
            if (!row[index].idle()) {
                return true;
            }
        }
        return stopRequested || core.failure() != null;
    }

    /** Reads ahead the store memory of the first {@code n} slots of {@link #group} (a hint: see ShardWriter). */
    private void touch(int n) {
        long v = 0;
        for (int i = 0; i < n; i++) {
            Slot s = group[i];
            Binding b = s.binding;
            if (s.kind == Slot.RECORD && b.longKey) {
                v += writers[b.set.index][s.shard].touch(s.longKey);
            }
        }
        touched += v;
    }

    private boolean mark(Slot slot) {
        Binding b = slot.binding;
        writers[b.set.index][slot.shard].advanceOffset(b.topicIndex, slot.partition, slot.offset);
        return true;
    }

    /** @return false when the pipeline must stop */
    private boolean apply(Slot slot) {
        final Binding b = slot.binding;
        final int set = b.set.index;
        final ShardWriter w = writers[set][slot.shard];
        if (slot.offset <= w.appliedOffset(b.topicIndex, slot.partition)) {
            counters.increment(set, Counters.DUPLICATES);
            return true;
        }
        final EventPreparer<Object> preparer = preparers[set];
        final long now = core.clock.nowMs();
        int prepared;
        Throwable cause = null;
        try {
            prepared = preparer.prepare(slot.event, slot.eventTimeMs, now, this.prepared);
        } catch (Throwable t) {
            prepared = Integer.MIN_VALUE;
            cause = t;
        }
        if (prepared < 0) {
            return bad(slot, w, reasonOf(prepared), cause);
        }
        int begin;
        try {
            begin = b.longKey ? w.begin(slot.longKey, b.topicIndex, slot.partition, slot.offset)
                : w.begin(slot.textKey, b.topicIndex, slot.partition, slot.offset);
        } catch (IllegalArgumentException e) {
            return bad(slot, w, BadRecordReason.KEY_INVALID, e);
        }
        if (begin == ShardWriter.BEGIN_DUPLICATE) {
            counters.increment(set, Counters.DUPLICATES);
            return true;
        }
        if (begin == ShardWriter.BEGIN_FULL) {
            return bad(slot, w, BadRecordReason.STORE_FULL, null);
        }
        int applied;
        try {
            applied = writeKernels[set].apply(this.prepared, w.row(), now);
        } catch (RuntimeException e) {
            // No user code runs in RowWriteKernel.apply: a throw is a bug or a damaged store; undo and stop.
            w.abort();
            throw e;
        }
        w.commit();
        counters.increment(set, Counters.APPLIED);
        if (applied == RowWriteKernel.APPLIED_LATE) {
            counters.increment(set, Counters.LATE);
        }
        pollToAppliedUs.record((System.nanoTime() - slot.pollNanos) / 1000);
        return true;
    }

    private static BadRecordReason reasonOf(int prepared) {
        switch (prepared) {
            case EventPreparer.REJECTED_NEGATIVE_TIME:
                return BadRecordReason.NEGATIVE_TIME;
            case EventPreparer.REJECTED_FUTURE:
                return BadRecordReason.FUTURE_TIME;
            case EventPreparer.REJECTED_NON_FINITE:
                return BadRecordReason.NON_FINITE_VALUE;
            default:
                return BadRecordReason.EXTRACTOR_ERROR;
        }
    }

    private boolean bad(Slot slot, ShardWriter w, BadRecordReason reason, Throwable cause) {
        final Binding b = slot.binding;
        final int set = b.set.index;
        counters.bad(set, reason);
        if (b.policy == BadRecordPolicy.FAIL) {
            core.fail(new BadRecordException(b.set.set.name(), b.topic, slot.partition, slot.offset, reason, "",
                cause));
            return false;
        }
        if (b.policy == BadRecordPolicy.DEAD_LETTER) {
            Exception e = core.deadLetters.publish(b.source.deadLetterTopic(), b.set.set.name(), slot.record, reason,
                cause);
            if (e != null) {
                core.fail(new BadRecordException(b.set.set.name(), b.topic, slot.partition, slot.offset, reason,
                    "deadLetterTopic=" + b.source.deadLetterTopic() + " could not be written: " + e, cause));
                return false;
            }
            counters.increment(set, Counters.DEAD_LETTERED);
        } else {
            counters.increment(set, Counters.SKIPPED);
            long nowMs = System.currentTimeMillis();
            if (nowMs - lastSkipLogMs > 10_000) {
                lastSkipLogMs = nowMs;
                LOG.warn("skipping bad record set={} topic={} partition={} offset={} reason={} (logged at most every"
                    + " 10 s per thread; see metrics for counts)", b.set.set.name(), b.topic, slot.partition,
                    slot.offset, reason);
            }
        }
        w.advanceOffset(b.topicIndex, slot.partition, slot.offset);
        return true;
    }

    private void evictIdle() {
        long now = core.clock.nowMs();
        for (SetRuntime s : core.sets) {
            long ttl = s.set.ttlMs();
            if (ttl == Long.MAX_VALUE) {
                continue;
            }
            for (ShardWriter w : writers[s.index]) {
                if (w != null) {
                    w.evictIdle(now, ttl, EVICT_BUDGET);
                }
            }
        }
    }
}
