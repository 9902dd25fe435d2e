package io.freshet.kafka.internal;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How full one set's store is, for its status, its metrics and the fill warning: which of its shards wait for room
 * (a new key found the shard full: the applier holds the record and retries, nothing is skipped), and whether the
 * store's fill (rows / capacity) passed the warning threshold. The warning is logged once per upward crossing and
 * re-armed only when the fill falls {@value #REARM_MARGIN_PERCENT} points below the threshold, so a fill hovering at
 * the threshold does not log at every check; no line names a key or a payload.
 *
 * <p>Threading: {@link #waiting}/{@link #roomFound} by the applier that owns the shard (one per shard);
 * {@link #check} from any thread (the crossing is a compare-and-set, so two checkers log it once); the rest from
 * any thread. Allocation: none after {@link #bind}, except the log lines. Called on state changes and once a
 * second, never per record.
 */
public final class StoreFillWatch {
    private static final Logger LOG = LoggerFactory.getLogger(StoreFillWatch.class);
    /** Default fill at which the warning is raised: 80 % of the store's capacity. */
    public static final double DEFAULT_WARNING_FILL = 0.8;
    static final int REARM_MARGIN_PERCENT = 5;

    private final String setName;
    private volatile double warningFill = DEFAULT_WARNING_FILL;
    /** Per shard: since when ({@code EpochClock} ms, at least 1) it waits for room; 0 while it does not. */
    private volatile AtomicLongArray waitingSinceMs = new AtomicLongArray(0);
    private final AtomicInteger waitingShards = new AtomicInteger();
    private final AtomicBoolean warned = new AtomicBoolean();
    private volatile long lastRows = -1;
    private volatile long lastCapacity = -1;

    /** @param setName the set's name (log lines) */
    StoreFillWatch(String setName) {
        this.setName = setName;
    }

    /** @param fill the fill (0, 1] at which the warning is raised; set before the threads start */
    public void warningFill(double fill) {
        this.warningFill = fill;
    }

    /** @return the fill at which the warning is raised */
    public double warningFill() {
        return warningFill;
    }

    /** @param shards the store's shard count (at bind, before the threads start) */
    void bind(int shards) {
        if (waitingSinceMs.length() != shards) {
            waitingSinceMs = new AtomicLongArray(shards);
            waitingShards.set(0);
        }
    }

    /**
     * The shard's applier holds a record whose new key found the shard full.
     *
     * @param shard the shard
     * @param nowMs the applying clock
     */
    void waiting(int shard, long nowMs) {
        if (waitingSinceMs.compareAndSet(shard, 0, Math.max(1, nowMs))) {
            waitingShards.incrementAndGet();
        }
    }

    /** @param shard the shard whose held record was applied: it has room again */
    void roomFound(int shard) {
        if (waitingSinceMs.getAndSet(shard, 0) != 0) {
            waitingShards.decrementAndGet();
        }
    }

    /** @return true while a shard of the set waits for room */
    public boolean anyWaiting() {
        return waitingShards.get() > 0;
    }

    /** @return the lowest shard waiting for room, or -1 */
    public int firstWaitingShard() {
        AtomicLongArray a = waitingSinceMs;
        for (int s = 0; s < a.length(); s++) {
            if (a.get(s) != 0) {
                return s;
            }
        }
        return -1;
    }

    /** @return how many shards wait for room now */
    public int waitingShards() {
        return waitingShards.get();
    }

    /**
     * @param shard a shard
     * @return since when it waits for room (applying clock, ms), or 0
     */
    public long waitingSinceMs(int shard) {
        return waitingSinceMs.get(shard);
    }

    /** @return true while the fill is at or above the warning threshold (as of the last check) */
    public boolean warning() {
        return warned.get();
    }

    /** @return rows at the last check, or -1 */
    public long lastRows() {
        return lastRows;
    }

    /** @return capacity at the last check, or -1 */
    public long lastCapacity() {
        return lastCapacity;
    }

    /**
     * Compares the store's fill with the threshold and logs a crossing (once). Called by the first applier once a
     * second, when a shard becomes full, and by metrics snapshots.
     *
     * @param rows the store's rows now
     * @param capacity its capacity
     * @return true when the fill is at or above the threshold
     */
    public boolean checkNow(long rows, long capacity) {
        lastRows = rows;
        lastCapacity = capacity;
        if (capacity <= 0) {
            return false;
        }
        final double fill = (double) rows / capacity;
        final double threshold = warningFill;
        if (fill >= threshold) {
            if (warned.compareAndSet(false, true)) {
                LOG.warn("set={} store fill {} ({} of {} rows) passed the warning at {}: when a shard is full the set"
                    + " waits (its partitions pause, nothing is skipped) until rows expire (TTL), are deleted or the"
                    + " store grows; raise the store's capacity or set a TTL", setName, percent(fill), rows, capacity,
                    percent(threshold));
            }
            return true;
        }
        if (fill < threshold - REARM_MARGIN_PERCENT / 100.0 && warned.compareAndSet(true, false)) {
            LOG.info("set={} store fill {} ({} of {} rows) is back below the warning at {}", setName, percent(fill),
                rows, capacity, percent(threshold));
        }
        return warned.get();
    }

    /**
     * @param fill a fill ratio
     * @return it as a percentage with one decimal, e.g. {@code 81.3%}
     */
    public static String percent(double fill) {
        return String.format(Locale.ROOT, "%.1f%%", 100 * fill);
    }
}
