package io.freshet.kafka.internal;

import io.freshet.kafka.BadRecordReason;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Monotonic counters of one pipeline thread, per feature set: the thread is the only writer (release stores, no
 * read-modify-write atomics), {@code metrics()} sums all threads' counters from any thread.
 *
 * <p>Threading: single writer, many readers. Allocation: none after construction.
 */
public final class Counters {
    static final int APPLIED = 0;
    static final int LATE = 1;
    static final int DUPLICATES = 2;
    static final int SKIPPED = 3;
    static final int DEAD_LETTERED = 4;
    /** Records whose new key found their shard full and waited for room (each counted once). */
    static final int FULL_WAITS = 5;
    /** Rows deleted: by tombstones ({@code TombstonePolicy.DELETE}) and by {@code FeaturePipeline.delete}. */
    static final int DELETED = 6;
    static final int BAD_BASE = 7;
    static final int STRIDE = BAD_BASE + BadRecordReason.values().length;

    private final AtomicLongArray values;

    Counters(int sets) {
        values = new AtomicLongArray(sets * STRIDE);
    }

    void increment(int set, int counter) {
        int i = set * STRIDE + counter;
        values.lazySet(i, values.get(i) + 1);
    }

    void bad(int set, BadRecordReason reason) {
        increment(set, BAD_BASE + reason.ordinal());
    }

    long get(int set, int counter) {
        return values.get(set * STRIDE + counter);
    }
}
