package io.freshet.kafka.internal;

import io.freshet.core.EpochClock;
import io.freshet.core.internal.kernel.Kernels;
import io.freshet.core.internal.kernel.RowWriteKernel;
import io.freshet.core.spi.ShardWriter;
import io.freshet.kafka.BadRecordReason;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer of a group of shards (shard {@code s} of every set with {@code s % appliers == index}): drains
 * its input rings (one per consumer thread) and applies each prepared record with the store protocol:
 * {@code ShardWriter.begin} (duplicate: skip; key refused: bad record; full: wait) → write kernel → {@code commit}.
 * No user code runs here: extraction and validation happened on the consumer. Progress markers advance a shard's
 * offset for partitions it saw no record of.
 *
 * <p>A full store is not bad input: a record whose new key finds its shard full is held, whatever the source's
 * bad-record policy, and retried with a backoff ({@value #ROOM_RETRY_MIN_MS} ms doubling to
 * {@value #ROOM_RETRY_MAX_MS} ms; each retry first runs the shard's TTL eviction) until the shard has room — rows
 * expired, deleted, or the store grew. Nothing behind the held record is applied meanwhile and no offset moves past
 * it, so its consumer's queue fills and back-pressure pauses the partitions (their offsets stay where the store
 * has them: a kill restarts exactly). The set's {@link StoreFillWatch} says which shards wait; its status is
 * STORE_FULL. While it waits the thread parks between retries: no spinning.
 *
 * <p>Deletes: a tombstone slot ({@code TombstonePolicy.DELETE}) deletes its key's row in order with the records
 * around it, consuming its offset in the same undo step ({@code ShardWriter.delete}). Deletes the application asks
 * for ({@code FeaturePipeline.delete}) arrive on a separate queue and are applied between records, also while a
 * record is held for room: a delete frees the room it waits for.
 *
 * <p>A bad record found here is dead-lettered without waiting: the dead letter goes to the {@link DeadLetterAgent}
 * and the slot is held (nothing more applied, the offset not stored) until the broker acknowledged it; the duty
 * cycle keeps running meanwhile (stop and failure are seen at once).
 *
 * <p>Threading: one thread ({@link AgentRunner}); the only user of its shard writers and write kernels. Idles with
 * {@link IdleStrategy#spinThenPark()}; consumers wake it. Allocation: none per record (the bad-record path
 * allocates).
 */
public final class ShardApplier implements Agent {
    private static final int BATCH = 256;
    /**
     * Slots whose store memory is read ahead together: enough misses in flight to hide most of a miss's latency,
     * few enough that the touched lines are still in L1/L2 when their applies run.
     */
    private static final int GROUP = 8;
    private static final long EVICT_INTERVAL_NS = TimeUnit.SECONDS.toNanos(1);
    private static final int EVICT_BUDGET = 4096;
    /** Highest poll → applied latency tracked, µs (larger values are clamped). */
    static final long MAX_LATENCY_US = TimeUnit.HOURS.toMicros(1);

    private static final int APPLIED = 0;
    private static final int STOP = 1;
    private static final int HOLD = 2;
    /** The record's new key found its shard full: hold it and retry. */
    private static final int FULL = 3;

    static final long ROOM_RETRY_MIN_MS = 1;
    static final long ROOM_RETRY_MAX_MS = 64;
    private static final long ROOM_RETRY_MIN_NS = TimeUnit.MILLISECONDS.toNanos(ROOM_RETRY_MIN_MS);
    private static final long ROOM_RETRY_MAX_NS = TimeUnit.MILLISECONDS.toNanos(ROOM_RETRY_MAX_MS);
    /** At most one "shard is full" / "has room again" line per this interval per applier. */
    private static final long FULL_LOG_INTERVAL_NS = TimeUnit.SECONDS.toNanos(10);
    private static final Logger LOG = LoggerFactory.getLogger(ShardApplier.class);
    /** Rows a writer's upkeep handles per idle turn: tens of microseconds, so the next record waits little. */
    private static final int MAINTAIN_BUDGET = 256;

    final int index;
    final Counters counters;
    /** Poll → applied, one lane per set (the set's apply latency; the lanes add up to the stage). */
    final StageRecorder pollToAppliedUs;
    private final IdleStrategy idle = IdleStrategy.spinThenPark();
    private final List<SetRuntime> sets;
    private final int applierCount;
    /** This applier's input rings, indexed by consumer. */
    private final HandOffRing[] rings;
    private final IdleStrategy[] consumerIdlers;
    private final FailureLatch failures;
    private final EpochClock clock;
    /** Package-private for tests of this package (the dead-letter hand-off). */
    final BadRecordHandler badRecords;
    private ShardWriter[][] writers;
    private RowWriteKernel[] kernels;
    private volatile boolean stopRequested;
    private long lastEvictNs;
    /** The read-ahead group being applied; stale entries are harmless (slots are pooled for the ring's life). */
    private final Slot[] group = new Slot[GROUP];
    /** Sum of what {@link #touch} read: written so that the JIT keeps those reads. */
    private long touched;
    /**
     * While a dead letter is in flight: the held slot ({@code group[heldAt]}), the slots polled after it in the same
     * read-ahead group ({@code group[heldAt + 1 .. groupSize)}, applied in order once it is released) and the
     * consumer whose ring they came from. {@code held} is null when nothing is held.
     */
    private Slot held;
    private int heldAt;
    private int groupSize;
    private int heldConsumer;
    /** The held slot waits for room in a full shard (not for a dead letter). */
    private boolean heldForRoom;
    /** While {@link #heldForRoom}: when to retry ({@code System.nanoTime()}) and the backoff that led there. */
    private long roomRetryAtNs;
    private long roomBackoffNs;
    private long roomWaitStartNs;
    private long lastFullLogNs;
    private boolean fullLogged;
    /** Deletes asked for by the application, for shards of this applier. */
    private final DeleteLane deletes;
    /** Published for the consumers: a forced wait for this applier's queue space gives up while it waits for room. */
    private volatile boolean waitingForRoom;
    /** Where this applier acknowledges stops of a set's feeding, or null (tests without a pipeline). */
    private FeedStops feedStops;
    private int feedSlot;
    /** When installed (a freshness probe), every applied record's commit is stamped here; null by default. */
    private volatile CommitStamps commitStamps;

    /**
     * @param index this applier's index
     * @param applierCount number of appliers (shard ownership)
     * @param sets the sets
     * @param rings this applier's input rings, indexed by consumer
     * @param consumerIdlers the consumers' idle strategies (woken after slots are released)
     * @param failures the pipeline's failure
     * @param clock the applying clock
     * @param deadLetters the dead-letter agent, or null when no source dead-letters
     */
    ShardApplier(int index, int applierCount, List<SetRuntime> sets, HandOffRing[] rings,
        IdleStrategy[] consumerIdlers, FailureLatch failures, EpochClock clock, DeadLetterAgent deadLetters) {
        this.index = index;
        this.applierCount = applierCount;
        this.sets = sets;
        this.rings = rings;
        this.consumerIdlers = consumerIdlers;
        this.failures = failures;
        this.clock = clock;
        this.counters = new Counters(sets.size());
        this.pollToAppliedUs = StageRecorder.withLanes(MAX_LATENCY_US, sets.size());
        this.badRecords = BadRecordHandler.handingOff(counters, failures, deadLetters, idle);
        this.deletes = new DeleteLane(failures);
    }

    /** @return this thread's poll → applied recorder (µs), one lane per set index */
    public StageRecorder pollToAppliedUs() {
        return pollToAppliedUs;
    }

    /**
     * Installs (or, with null, removes) the ring this applier stamps every applied record's commit into. Any thread;
     * the applier sees it from its next record on.
     *
     * @param stamps a ring no other applier writes, or null
     */
    public void stampCommits(CommitStamps stamps) {
        this.commitStamps = stamps;
    }

    /** @return this applier's idle strategy (consumers wake it) */
    IdleStrategy idleStrategy() {
        return idle;
    }

    /**
     * @return true while this applier holds a record that waits for room in a full shard: its queues drain only once
     *     there is room, so a consumer must not wait for their space (shutdown, rebalance)
     */
    boolean waitingForRoom() {
        return waitingForRoom;
    }

    /**
     * Queues an application delete for one of this applier's shards and wakes the applier. Any thread.
     *
     * @param request the delete
     */
    void requestDelete(DeleteRequest request) {
        deletes.request(request);
        idle.wake();
    }

    @Override
    public void onClose() {
        deletes.close();
    }

    /**
     * @param stops where this applier acknowledges stops of a set's feeding
     * @param slot its slot there
     */
    void feedStops(FeedStops stops, int slot) {
        this.feedStops = stops;
        this.feedSlot = slot;
    }

    /**
     * A delete freed a row of a shard (applier thread): a record held for room there is retried at once.
     *
     * @param set the set
     * @param shard the shard
     */
    void roomFreed(SetRuntime set, int shard) {
        if (heldForRoom && held != null && held.binding.set == set && held.shard == shard) {
            roomRetryAtNs = System.nanoTime();
            roomBackoffNs = ROOM_RETRY_MIN_NS;
        }
    }

    @Override
    public void requestStop() {
        stopRequested = true;
        idle.wake();
    }

    @Override
    public void onStart() {
        writers = new ShardWriter[sets.size()][];
        kernels = new RowWriteKernel[sets.size()];
        for (SetRuntime s : sets) {
            writers[s.index] = new ShardWriter[s.shards];
            for (int shard = 0; shard < s.shards; shard++) {
                if (shard % applierCount == index) {
                    writers[s.index][shard] = s.store.writer(shard);
                }
            }
            kernels[s.index] = Kernels.newWriteKernel(s.set);
        }
    }

    @Override
    public int doWork() {
        if (failures.failed()) {
            return DONE;
        }
        if (feedStops != null) {
            // From here on this cycle's plain reads of Binding.detached see every stop requested so far.
            feedStops.acknowledge(feedSlot);
        }
        int work = deletes.pending() ? deletes.apply(writers, counters, this) : 0;
        if (held != null) {
            int outcome = releaseHeld();
            if (outcome == STOP) {
                return DONE;
            }
            if (outcome == HOLD) {
                if (heldForRoom && stopRequested) {
                    // Nothing more can be applied: the held record and those behind it stay unapplied, their
                    // offsets unstored, and a restart reads them again.
                    return DONE;
                }
                periodic(System.nanoTime());
                return work;
            }
            work++;
        }
        for (int c = 0; c < rings.length; c++) {
            int k = drain(c);
            if (k < 0) {
                return DONE;
            }
            if (held != null) {
                return work + k;
            }
            if (k > 0) {
                work += k;
                consumerIdlers[c].wakeIfParked();
            }
        }
        periodic(System.nanoTime());
        if (work == 0 && stopRequested && ringsIdle()) {
            return DONE;
        }
        if (work == 0) {
            work = maintain();
        }
        return work;
    }

    /** Idle: lets each writer do its engine's upkeep (a table store's growth copies rows of an idle shard here). */
    private int maintain() {
        int work = 0;
        for (int i = 0, n = sets.size(); i < n; i++) {
            if (sets.get(i).detached) {
                continue;
            }
            for (ShardWriter w : writers[sets.get(i).index]) {
                if (w != null) {
                    work += w.maintain(MAINTAIN_BUDGET);
                }
            }
        }
        return work;
    }

    /** Once a second: TTL eviction of this applier's shards; the first applier also checks every store's fill. */
    private void periodic(long nowNs) {
        if (nowNs - lastEvictNs > EVICT_INTERVAL_NS) {
            lastEvictNs = nowNs;
            evictIdle();
            if (index == 0) {
                checkFill();
            }
        }
    }

    private void checkFill() {
        for (int i = 0, n = sets.size(); i < n; i++) {
            SetRuntime s = sets.get(i);
            if (!s.detached) {
                s.fill.checkNow(s.store.size(), s.store.capacity());
            }
        }
    }

    /** @return slots applied from consumer {@code c}'s ring, or -1 when the pipeline must stop */
    private int drain(int c) {
        final HandOffRing ring = rings[c];
        Slot slot = ring.poll();
        if (slot == null) {
            return 0;
        }
        int k = 0;
        // One stage-recorder batch per drain (not per record): see StageRecorder.
        pollToAppliedUs.beginBatch();
        final Object slowApply = PipelineEvents.beginApply();
        try {
            while (true) {
                // Up to GROUP slots at a time: touch all their rows first, so that their cache misses overlap, then
                // apply them in order.
                int n = 0;
                group[n++] = slot;
                while (n < GROUP && k + n < BATCH && (slot = ring.poll()) != null) {
                    group[n++] = slot;
                }
                touch(n);
                int done = applyGroup(c, 0, n);
                if (done < 0) {
                    return -1;
                }
                k += done;
                if (held != null) {
                    return k;
                }
                if (k >= BATCH || (slot = ring.poll()) == null) {
                    return k;
                }
            }
        } finally {
            pollToAppliedUs.endBatch();
            if (slowApply != null) {
                PipelineEvents.endApply(slowApply, index, k);
            }
        }
    }

    private void hold(int consumer, int at, int size) {
        held = group[at];
        heldAt = at;
        groupSize = size;
        heldConsumer = consumer;
        heldForRoom = false;
    }

    /** The held slot's new key found its shard full: wait for room (rare path). */
    private void holdForRoom() {
        final Slot h = held;
        final SetRuntime set = h.binding.set;
        final long nowNs = System.nanoTime();
        heldForRoom = true;
        roomBackoffNs = ROOM_RETRY_MIN_NS;
        roomRetryAtNs = nowNs + ROOM_RETRY_MIN_NS;
        roomWaitStartNs = nowNs;
        counters.increment(set.index, Counters.FULL_WAITS);
        set.fill.waiting(h.shard, clock.nowMs());
        waitingForRoom = true;
        final long rows = set.store.size();
        final long capacity = set.store.capacity();
        set.fill.checkNow(rows, capacity);
        fullLogged = nowNs - lastFullLogNs > FULL_LOG_INTERVAL_NS || lastFullLogNs == 0;
        if (fullLogged) {
            lastFullLogNs = nowNs;
            LOG.warn("set={} shard={} is full ({} of {} rows in the store): its records wait, none is skipped or"
                + " dead-lettered; the partitions feeding it pause and the set resumes by itself when rows expire"
                + " (TTL), are deleted or the store grows (logged at most every 10 s)", set.set.name(), h.shard,
                rows, capacity);
        }
    }

    /**
     * Retries the record held for room once its backoff has passed, evicting the shard's expired rows first.
     *
     * @return {@link #APPLIED} when applied (or handled otherwise), {@link #HOLD} while still full or not yet due,
     *     {@link #STOP} when the pipeline must stop
     */
    private int retryHeldForRoom() {
        final long nowNs = System.nanoTime();
        if (nowNs - roomRetryAtNs < 0) {
            return HOLD;
        }
        final Slot h = held;
        final SetRuntime set = h.binding.set;
        final ShardWriter w = writers[set.index][h.shard];
        final long ttl = set.set.ttlMs();
        if (ttl != Long.MAX_VALUE && !h.binding.detached) {
            w.evictIdle(clock.nowMs(), ttl, EVICT_BUDGET);
        }
        pollToAppliedUs.beginBatch();
        int r;
        try {
            r = apply(h);
        } finally {
            pollToAppliedUs.endBatch();
        }
        if (r == FULL) {
            roomBackoffNs = Math.min(ROOM_RETRY_MAX_NS, roomBackoffNs * 2);
            roomRetryAtNs = System.nanoTime() + roomBackoffNs;
            return HOLD;
        }
        heldForRoom = false;
        waitingForRoom = false;
        set.fill.roomFound(h.shard);
        if (fullLogged) {
            LOG.info("set={} shard={} has room again after {} ms", set.set.name(), h.shard,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - roomWaitStartNs));
        }
        // HOLD here: the retried record turned out bad (a dead letter now in flight); it stays held for that.
        return r;
    }

    /**
     * Finishes the held slot once its dead letter's outcome is known (or, held for room, once it could be applied),
     * then applies the rest of its group.
     *
     * @return {@link #APPLIED} when the held slot and its group are done, {@link #HOLD} while a dead letter is still
     *     in flight or the shard still full, {@link #STOP} when the pipeline must stop
     */
    private int releaseHeld() {
        if (heldForRoom) {
            final int outcome = retryHeldForRoom();
            if (outcome != APPLIED) {
                return outcome;
            }
        } else {
            final int outcome = badRecords.pendingOutcome();
            if (outcome == BadRecordHandler.PENDING) {
                return HOLD;
            }
            if (outcome == BadRecordHandler.FAILED) {
                return STOP;
            }
            final Slot h = held;
            // Acknowledged: only now may the shard's offset move past the record (of a set still fed).
            if (!h.binding.detached) {
                writers[h.binding.set.index][h.shard].advanceOffset(h.binding.topicIndex, h.partition, h.offset);
            }
        }
        final int c = heldConsumer;
        final int from = heldAt + 1;
        final int size = groupSize;
        final Slot h = held;
        held = null;
        rings[c].release(h);
        int done;
        pollToAppliedUs.beginBatch();
        try {
            done = applyGroup(c, from, size);
        } finally {
            pollToAppliedUs.endBatch();
        }
        if (done < 0) {
            return STOP;
        }
        if (held != null) {
            return HOLD;
        }
        consumerIdlers[c].wakeIfParked();
        return APPLIED;
    }

    /**
     * Applies {@code group[from .. size)} in order, releasing each slot. A slot whose dead letter is in flight, or
     * whose new key found its shard full, is held ({@link #held} set) with the slots after it, and the group stops
     * there.
     *
     * @return slots done, or -1 when the pipeline must stop
     */
    private int applyGroup(int consumer, int from, int size) {
        final HandOffRing ring = rings[consumer];
        int done = 0;
        for (int i = from; i < size; i++) {
            Slot s = group[i];
            int r = s.kind == Slot.RECORD ? apply(s) : s.kind == Slot.DELETE ? delete(s) : mark(s);
            if (r == HOLD || r == FULL) {
                // The slots polled after it wait in the group, applied in order once it is released.
                hold(consumer, i, size);
                if (r == FULL) {
                    holdForRoom();
                }
                return done;
            }
            ring.release(s);
            done++;
            if (r == STOP) {
                return -1;
            }
        }
        return done;
    }

    @Override
    public boolean hasPendingWork() {
        if (stopRequested || failures.failed()) {
            return true;
        }
        if (feedStops != null && feedStops.pending(feedSlot)) {
            return true;
        }
        if (deletes.pending()) {
            return true;
        }
        if (held != null) {
            return heldForRoom ? System.nanoTime() - roomRetryAtNs >= 0 : badRecords.pendingDone();
        }
        for (HandOffRing r : rings) {
            if (!r.idle()) {
                return true;
            }
        }
        return false;
    }

    private boolean ringsIdle() {
        for (HandOffRing r : rings) {
            if (!r.idle()) {
                return false;
            }
        }
        return true;
    }

    /** Reads ahead the store memory of the first {@code n} slots of {@link #group} (a hint: see ShardWriter). */
    private void touch(int n) {
        long v = 0;
        for (int i = 0; i < n; i++) {
            Slot s = group[i];
            Binding b = s.binding;
            if (s.kind == Slot.RECORD && b.longKey && !b.detached) {
                v += writers[b.set.index][s.shard].touch(s.longKey);
            }
        }
        touched += v;
    }

    private int mark(Slot slot) {
        Binding b = slot.binding;
        if (b.detached) {
            return APPLIED;
        }
        writers[b.set.index][slot.shard].advanceOffset(b.topicIndex, slot.partition, slot.offset);
        return APPLIED;
    }

    /**
     * @return {@link #APPLIED} (also for a duplicate or a handled bad record), {@link #HOLD}, {@link #FULL} (nothing
     *     changed: the caller holds the record for room) or {@link #STOP}
     */
    private int apply(Slot slot) {
        final Binding b = slot.binding;
        if (b.detached) {
            return APPLIED; // the set's feeding stopped (a retired migration source): its store is not touched
        }
        final int set = b.set.index;
        final ShardWriter w = writers[set][slot.shard];
        if (alreadyApplied(slot, w, set)) {
            return APPLIED;
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
            return APPLIED;
        }
        if (begin == ShardWriter.BEGIN_FULL) {
            // Not bad input: the record waits for room, whatever the source's bad-record policy.
            return FULL;
        }
        int applied;
        try {
            applied = kernels[set].apply(slot.prepared, w.row(), clock.nowMs());
        } catch (RuntimeException e) {
            // No user code runs in the write kernel: a throw is a bug or a damaged store; undo and stop.
            w.abort();
            throw e;
        }
        w.commit();
        final CommitStamps stamps = commitStamps;
        if (stamps != null) {
            // Right after the seqlock's release: the moment a reader can see the record (a probe, off by default).
            stamps.record(slot.record != null ? slot.record.timestamp() : -1, slot.partition, slot.offset,
                slot.pollNanos, System.nanoTime());
        }
        counters.increment(set, Counters.APPLIED);
        if (applied == RowWriteKernel.APPLIED_LATE) {
            counters.increment(set, Counters.LATE);
        }
        // Every record is counted; only the sampled ones pay the clock read (see StageRecorder), in the set's lane.
        if (pollToAppliedUs.due(set)) {
            pollToAppliedUs.record(set, (System.nanoTime() - slot.pollNanos) / 1000);
        }
        return APPLIED;
    }

    /** A tombstone: deletes its key's row and consumes its offset in one undo step. */
    private int delete(Slot slot) {
        final Binding b = slot.binding;
        if (b.detached) {
            return APPLIED;
        }
        final int set = b.set.index;
        final ShardWriter w = writers[set][slot.shard];
        if (alreadyApplied(slot, w, set)) {
            return APPLIED;
        }
        int r;
        try {
            r = b.longKey ? w.delete(slot.longKey, b.topicIndex, slot.partition, slot.offset)
                : w.delete(slot.textKey, b.topicIndex, slot.partition, slot.offset);
        } catch (IllegalArgumentException e) {
            return bad(slot, w, BadRecordReason.KEY_INVALID, e);
        }
        if (r == ShardWriter.BEGIN_DUPLICATE) {
            counters.increment(set, Counters.DUPLICATES);
        } else if (r == ShardWriter.DELETED) {
            counters.increment(set, Counters.DELETED);
        }
        return APPLIED;
    }

    /** A record at or below the store's applied offset (a replay): counted as a duplicate, nothing else done. */
    private boolean alreadyApplied(Slot slot, ShardWriter w, int set) {
        if (slot.offset <= w.appliedOffset(slot.binding.topicIndex, slot.partition)) {
            counters.increment(set, Counters.DUPLICATES);
            return true;
        }
        return false;
    }

    private int bad(Slot slot, ShardWriter w, BadRecordReason reason, Throwable cause) {
        final Binding b = slot.binding;
        switch (badRecords.handle(b, slot.record, reason, cause)) {
            case BadRecordHandler.FAILED:
                return STOP;
            case BadRecordHandler.PENDING:
                return HOLD;
            default:
                w.advanceOffset(b.topicIndex, slot.partition, slot.offset);
                return APPLIED;
        }
    }

    private void evictIdle() {
        long now = clock.nowMs();
        // Indexed, not for-each: this runs once a second, too rarely for the JIT to remove an iterator.
        for (int i = 0, n = sets.size(); i < n; i++) {
            SetRuntime s = sets.get(i);
            long ttl = s.set.ttlMs();
            if (ttl == Long.MAX_VALUE || s.detached) {
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
