package io.freshet.store.internal.table;

import io.freshet.core.spi.ShardWriter;
import io.freshet.store.internal.OffsetTable;

/**
 * One shard's part of a {@link TableSnapshot}: the rows its writer still has to copy into the snapshot's shard, and
 * the offsets they reflect. Taken at an apply boundary of the shard's writer ({@link #start}): the offsets are read
 * and the writer's used-slot bitmap becomes the set of rows to copy. From then on the writer copies a row before it
 * first changes or deletes it ({@link #beforeChange}), and copies the rest a few at a time ({@link #copySome}); a row
 * inserted after the point lands in a slot that was free at it (or freed by a deletion, which copied and cleared
 * it first), so it is never copied. A slot's row is copied at most once, as it stood at the point.
 *
 * <p>Threading: the shard's writer thread only (start, copy, release); the job reads its results after the
 * {@link TableSnapshot} state change that ends it. Allocation: none (the job allocates both arrays up front).
 */
final class ShardSnapshot {
    private final TableSnapshot job;
    private final int shardId;
    private final Shard to;
    /** Slots whose row is still to copy: set at the point, cleared as each is copied. */
    private final long[] pending;
    /** Applied offsets at the point, by {@code topicIndex * maxPartitions + partition}. */
    private final long[] offsets;
    private final int maxTopics;
    private final int maxPartitions;
    private Shard from;
    private int words;
    private int cursorWord;
    private long copied;
    private boolean finished;

    ShardSnapshot(TableSnapshot job, int shardId, Shard to, int maxTopics, int maxPartitions) {
        this.job = job;
        this.shardId = shardId;
        this.to = to;
        this.pending = new long[TableFormat.bitmapWords(to.slots)];
        this.offsets = new long[maxTopics * maxPartitions];
        this.maxTopics = maxTopics;
        this.maxPartitions = maxPartitions;
    }

    /**
     * The snapshot point of the shard (its writer, between applies): records the offsets and the rows to copy, and
     * has deletions copy first.
     *
     * @return whether it started (false: the shard's geometry changed since the job began; the job failed)
     */
    boolean start(Shard shard, OffsetTable table) {
        if (shard.slots != to.slots) {
            return false;
        }
        from = shard;
        words = shard.usedWords();
        shard.copyUsedSlots(pending);
        for (int t = 0; t < maxTopics; t++) {
            for (int p = 0; p < maxPartitions; p++) {
                offsets[t * maxPartitions + p] = table.get(shardId, t, p);
            }
        }
        shard.snapshot(this);
        return true;
    }

    /** The writer is about to change or delete the row in {@code slot}: copies it first if it is still to copy. */
    void beforeChange(long slot) {
        int w = (int) (slot >>> 6);
        long bit = 1L << (slot & 63);
        if ((pending[w] & bit) != 0) {
            copy(slot);
            pending[w] &= ~bit;
        }
    }

    private void copy(long slot) {
        long hash = from.hashOfSlot(slot);
        long q = to.findKeyOf(from, slot, hash);
        if (q < 0) {
            to.copyIn(from, slot, hash, q);
        }
        copied++;
    }

    /**
     * Copies up to {@code rows} rows still to copy, in slot order (and scans at most {@code 8 * rows} bitmap words
     * without one, so a sparse shard costs each call a bounded time); finishes the shard at the end.
     *
     * @return rows copied
     */
    int copySome(int rows) {
        int n = 0;
        int w = cursorWord;
        for (long scanned = 0; n < rows && w < words && scanned < 8L * rows; scanned++) {
            long bits = pending[w];
            while (bits != 0 && n < rows) {
                int b = Long.numberOfTrailingZeros(bits);
                copy(((long) w << 6) + b);
                bits &= bits - 1;
                pending[w] = bits;
                n++;
            }
            if (bits == 0) {
                w++;
            }
        }
        cursorWord = w;
        if (w >= words) {
            finish();
        } else if (n > 0) {
            job.progress(n);
        }
        return n;
    }

    /** Copies every row still to copy (a growth is about to move the shard's rows: the copy cannot wait for it). */
    void copyAll() {
        while (!finished) {
            copySome(1 << 16);
        }
    }

    private void finish() {
        from.snapshot(null);
        finished = true;
        job.shardDone(shardId, copied);
    }

    /** Gives up (the job was cancelled, or the store closes): the writer never touches the snapshot again. */
    void release() {
        if (from != null) {
            from.snapshot(null);
        }
        finished = true;
        job.shardReleased(shardId);
    }

    /** @return whether the shard's copy is complete (or released) */
    boolean finished() {
        return finished;
    }

    /** @return the applied offset at the point, or {@link ShardWriter#NO_OFFSET} (after the shard finished) */
    long offsetAt(int topicIndex, int partition) {
        return offsets[topicIndex * maxPartitions + partition];
    }

    /** @return rows copied (after the shard finished) */
    long copied() {
        return copied;
    }
}
