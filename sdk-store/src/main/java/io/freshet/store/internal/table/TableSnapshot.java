package io.freshet.store.internal.table;

import io.freshet.core.StoreException;
import io.freshet.core.StoreException.Reason;
import io.freshet.core.spi.ShardWriter;
import io.freshet.store.internal.MetaFileDescriptor;
import io.freshet.store.internal.OffsetTable;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * A consistent snapshot of a live table store, taken into a new store directory: every row as it stood at its
 * shard's snapshot point, plus exactly the applied offsets of that point, so that a store opened on the copy resumes
 * each partition from there without replaying what the rows already reflect.
 *
 * <p>How: {@link #take} creates the target store (same definition and geometry, the source's current capacity) and
 * publishes the job on the source store; each shard's writer takes its point at its next apply boundary (begin,
 * {@code maintain} or eviction), then copies a row before it first changes or deletes it and the other rows a bounded
 * number per apply and per idle {@code maintain} call ({@link ShardSnapshot}). So the writer never stops for more
 * than one apply (plus the copies a growth forces: a shard whose rows are about to move to a grown file finishes its
 * copy first). When every shard is done the taking thread writes the offsets, topics and metadata into the target and
 * closes it (sealed). The target holds the file {@value #INCOMPLETE_FILE} until then: a kill leaves a directory that
 * every open refuses ({@link Reason#INCOMPLETE}); a failure that is not a kill deletes it.
 *
 * <p>Threading: {@link #take} from any thread but the source's writer threads (live mode), one snapshot of a store at
 * a time; or, offline, from the thread that owns every writer, which then does the copying itself.
 * Allocation: the job allocates its bitmaps and offset arrays up front; the writers allocate nothing.
 */
final class TableSnapshot {
    /** Metadata key of a completed snapshot's facts in the target (when taken, rows). */
    static final String SNAPSHOT_KEY = "freshet.table.snapshot";
    /** A file in the target from its creation until the snapshot is complete and sealed: every open refuses it. */
    static final String INCOMPLETE_FILE = "freshet.snapshot-incomplete";
    /** System property: how long a snapshot may go without progress before it fails, in ms. */
    static final String STALL_PROP_NAME = "freshet.table.snapshotStallMs";
    static final long DEFAULT_STALL_MS = 60_000;
    /** System property: rows each apply copies while its shard's snapshot runs. */
    static final String ROWS_PER_APPLY_PROP_NAME = "freshet.table.snapshotRowsPerApply";
    static final int DEFAULT_ROWS_PER_APPLY = 16;

    private static final int NOT_STARTED = 0;
    private static final int COPYING = 1;
    private static final int DONE = 2;
    private static final int RELEASED = 3;

    private final TableStore target;
    private final ShardSnapshot[] shards;
    private final AtomicIntegerArray states;
    private volatile long progress;
    private volatile String failure;

    private TableSnapshot(TableStore source, TableStore target) {
        this.target = target;
        int n = source.shardCount();
        this.shards = new ShardSnapshot[n];
        this.states = new AtomicIntegerArray(n);
        for (int s = 0; s < n; s++) {
            shards[s] = new ShardSnapshot(this, s, target.shard(s), source.storeConfig().maxTopics(),
                source.storeConfig().maxPartitions());
        }
    }

    /**
     * Takes a snapshot of {@code source} into {@code targetDir}.
     *
     * @param source the live store (open for writing)
     * @param targetDir an absent or empty directory
     * @param driveWriters whether the calling thread owns every writer of the source (offline: it copies itself)
     * @return rows copied
     * @throws StoreException IO when the target holds files, CLOSED when the source closes meanwhile, DAMAGED when the
     *     copy stalls (the writers stopped)
     */
    static long take(TableStore source, Path targetDir, boolean driveWriters) {
        checkTarget(targetDir);
        boolean created = !Files.exists(targetDir, LinkOption.NOFOLLOW_LINKS);
        TableStore target = source.createSnapshotTarget(targetDir);
        TableSnapshot job = new TableSnapshot(source, target);
        boolean published = false;
        try {
            source.publishSnapshot(job);
            published = true;
            job.await(source, driveWriters);
            source.clearSnapshot(job);
            published = false;
            long rows = job.complete(source);
            target.close();
            try {
                Files.delete(targetDir.resolve(INCOMPLETE_FILE));
            } catch (IOException e) {
                throw new StoreException(Reason.IO, targetDir, "the snapshot is complete but its "
                    + INCOMPLETE_FILE + " marker cannot be deleted: " + e, e);
            }
            return rows;
        } catch (RuntimeException | Error e) {
            boolean quiet = true;
            if (published) {
                source.clearSnapshot(job);
                quiet = job.cancel(source, driveWriters);
            }
            if (quiet) {
                target.close();
                deleteTarget(targetDir, created);
            }
            // Else a writer may still be copying into the target: it stays mapped, and marked incomplete.
            throw e;
        }
    }

    private static void checkTarget(Path dir) {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            if (files.iterator().hasNext()) {
                throw new StoreException(Reason.IO, dir, "the snapshot target directory is not empty: take a "
                    + "snapshot into a new or empty directory");
            }
        } catch (IOException e) {
            throw new StoreException(Reason.IO, dir, "cannot list the snapshot target directory: " + e, e);
        }
    }

    private static void deleteTarget(Path dir, boolean created) {
        try {
            List<Path> files = new ArrayList<>();
            try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
                s.forEach(files::add);
            }
            Path marker = dir.resolve(INCOMPLETE_FILE);
            for (Path f : files) {
                if (!f.equals(marker)) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(marker);
            if (created) {
                Files.deleteIfExists(dir);
            }
        } catch (IOException | RuntimeException ignored) {
            // What is left still holds the incomplete marker (deleted last), and every open refuses it.
        }
    }

    // ---- writer side -------------------------------------------------------------------------------------------

    /**
     * A shard's writer takes its snapshot point (between applies).
     *
     * @return the shard's copy, or null (the job was cancelled or failed)
     */
    ShardSnapshot startShard(int shard, Shard current, boolean growing, OffsetTable offsets) {
        if (!states.compareAndSet(shard, NOT_STARTED, COPYING)) {
            return null;
        }
        ShardSnapshot s = shards[shard];
        if (growing || !s.start(current, offsets)) {
            failure = "shard=" + shard + " began to grow into a larger file before it took its snapshot point";
            states.set(shard, RELEASED);
            return null;
        }
        progress++;
        return s;
    }

    void progress(int rows) {
        progress += rows;
    }

    void shardDone(int shard, long rows) {
        progress++;
        states.set(shard, DONE);
    }

    void shardReleased(int shard) {
        states.compareAndSet(shard, COPYING, RELEASED);
    }

    // ---- taking thread ----------------------------------------------------------------------------------------

    private boolean allDone() {
        for (int s = 0; s < states.length(); s++) {
            if (states.get(s) != DONE) {
                return false;
            }
        }
        return true;
    }

    private void await(TableStore source, boolean driveWriters) {
        long stallNs = Long.getLong(STALL_PROP_NAME, DEFAULT_STALL_MS) * 1_000_000L;
        long seen = -1;
        long seenAtNs = System.nanoTime();
        while (!allDone()) {
            if (failure != null) {
                throw new StoreException(Reason.IO, target.directoryPath(), "snapshot failed: " + failure + "; take it "
                    + "again");
            }
            if (source.isClosed()) {
                throw new StoreException(Reason.CLOSED, source.directoryPath(), "the store closed while its snapshot "
                    + "was taken; take it again on an open store");
            }
            if (driveWriters) {
                source.maintainAllWriters(1 << 12);
            } else {
                sleepMs(2);
            }
            long now = System.nanoTime();
            if (progress != seen) {
                seen = progress;
                seenAtNs = now;
            } else if (now - seenAtNs > stallNs) {
                throw new StoreException(Reason.IO, source.directoryPath(), "snapshot made no progress for "
                    + stallNs / 1_000_000 + " ms (" + STALL_PROP_NAME + "): a shard's writer is not being called; "
                    + "the rows are copied by each shard's writer as it applies and in maintain(), so take the "
                    + "snapshot of a running pipeline, or of a closed store with the store tool's snapshot command");
            }
        }
    }

    /**
     * Withdraws the job: shards that never started cannot start any more; shards copying release at their writer's
     * next call (offline, the calling thread makes that call).
     *
     * @return whether no writer can touch the target any more
     */
    private boolean cancel(TableStore source, boolean driveWriters) {
        for (int s = 0; s < states.length(); s++) {
            states.compareAndSet(s, NOT_STARTED, RELEASED);
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() - deadline < 0) {
            boolean copying = false;
            for (int s = 0; s < states.length(); s++) {
                copying |= states.get(s) == COPYING;
            }
            if (!copying) {
                return true;
            }
            if (driveWriters) {
                source.maintainAllWriters(0);
            } else {
                sleepMs(2);
            }
        }
        return false;
    }

    /** Writes the offsets, topics and metadata of the point into the target (every shard done). */
    private long complete(TableStore source) {
        long rows = 0;
        Map<Integer, String> topics = new TreeMap<>(source.topics());
        for (Map.Entry<Integer, String> t : topics.entrySet()) {
            int idx = target.topicIndex(t.getValue());
            if (idx != t.getKey()) {
                throw new StoreException(Reason.CORRUPT, source.directoryPath(), "topic=" + t.getValue() + " has index="
                    + t.getKey() + " in the store but " + idx + " in its snapshot: the topic table has gaps");
            }
        }
        int maxTopics = source.storeConfig().maxTopics();
        int maxPartitions = source.storeConfig().maxPartitions();
        for (int s = 0; s < shards.length; s++) {
            ShardSnapshot sh = shards[s];
            rows += sh.copied();
            ShardWriter w = target.writer(s);
            for (int t = 0; t < maxTopics; t++) {
                for (int p = 0; p < maxPartitions; p++) {
                    long off = sh.offsetAt(t, p);
                    if (off != ShardWriter.NO_OFFSET) {
                        w.advanceOffset(t, p, off);
                    }
                }
            }
        }
        Map<String, String> meta = new TreeMap<>();
        for (Map.Entry<String, String> m : source.allMetadata().entrySet()) {
            String k = m.getKey();
            if (!TableStore.STORE_ID_KEY.equals(k) && !TableStore.LAYOUT_KEY.equals(k)
                && !TableStore.GROWTH_HISTORY_KEY.equals(k) && !SNAPSHOT_KEY.equals(k)
                && !MetaFileDescriptor.DEFINITION_KEY.equals(k)) {
                meta.put(k, m.getValue());
            }
        }
        // One publication: the copied metadata and the snapshot's facts land together.
        meta.put(SNAPSHOT_KEY, "complete;takenAtMs=" + System.currentTimeMillis() + ";rows=" + rows);
        target.meta().metadata().putAll(meta);
        return rows;
    }

    private void sleepMs(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException(Reason.IO, target.directoryPath(), "interrupted while a snapshot was taken", e);
        }
    }
}
