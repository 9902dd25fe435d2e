package io.freshet.core.internal.log;

import io.freshet.core.internal.MappedMemory;
import io.freshet.core.internal.Memory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * One served-feature log's directory: creates its segments (with their headers), knows which are being written, and
 * deletes closed ones beyond the retention. It writes and deletes only {@code *.flog} files directly in its own
 * directory (and its {@code .lock} and {@code .next-segment-N}), never anywhere else.
 *
 * <p>A segment is a sparse file, so the first write to each of its 4 KiB pages faults: the kernel allocates and zeroes
 * the page (and the file system its block), a few microseconds on the reading thread once per ~9 entries. So a
 * preparer thread makes the next segment ahead ({@code .next-segment-N}: created, mapped, every page written once),
 * and the next lane to rotate takes it: renamed to its segment name, its pages already in place. When none is ready
 * (the first segment, or rotations faster than the preparer) the lane makes its own as before.
 * The same thread also retires the segments lanes leave ({@link #retire}: stamped, unmapped) and runs the retention
 * (listing the directory, deleting whole files): measured, that work cost a rotating lane 14-100 ms per 64 MiB
 * segment on a loaded machine, ~200-330 ns per entry amortised, the largest part of a logged read's cost (issue 15
 * point 8). So a rotation on the reading thread is only a rename of the spare and a 64-byte header.
 * {@code -Dfreshet.log.prepareSegments=false} turns the preparer off: lanes then make, retire and delete segments
 * themselves. Cost: one segment's size more on disk and in the page cache, the preparer's page writes off the reading
 * threads, and segments deleted a little later (the preparer's next pass; at the latest when the log closes).
 *
 * <p>Threading: thread-safe. Every method is a slow path (once per segment): lanes call {@link #newSegment} and
 * {@link #retire} when they rotate, on their own thread (a mapping is used by one thread at a time: handed over
 * through {@link #spare} and {@link #retired}); the retention pass is serialised on this object, and the set of open
 * segments on its own monitor (held for one add, remove or copy), neither of which a per-entry write ever touches.
 *
 * <p>Internal: not part of the public API.
 */
public final class LogDirectory implements AutoCloseable {
    private static final Memory M = Memory.MEMORY;
    private static final String LOCK_FILE = ".lock";
    /** System property: {@code false} turns the segment preparer off. */
    public static final String PREPARE_PROP = "freshet.log.prepareSegments";
    private static final String SPARE_PREFIX = ".next-segment-";
    private static final int PAGE = 4096;

    private final Path dir;
    private final long fingerprint;
    private final int featureCount;
    private final int vectorWidth;
    private final boolean keyIsText;
    private final int maxKeyChars;
    private final int textWords;
    private final int entryBytes;
    private final long segmentBytes;
    private final long retainBytes;
    private final long retainAgeMs;
    private final AtomicLong nextSequence;
    /**
     * Segments lanes still write (or are being made), guarded by its own monitor: a retention pass needs one view of
     * it as it stood at one instant, which a concurrent set's iteration does not give (it may see an older segment
     * as still open and a newer one, closed after it, as already closed). Changed only when a lane rotates.
     */
    private final Set<Path> active = new HashSet<>();
    private final AtomicLong segmentsDeleted = new AtomicLong();
    private final FileChannel lockChannel;
    private final FileLock lock;
    /** The next segment, made ahead by {@link #preparer}; taken (set to null) by the next lane to rotate. */
    private final AtomicReference<Spare> spare = new AtomicReference<>();
    /** Segments lanes have left, to be stamped, unmapped and (by retention) deleted by {@link #preparer}. */
    private final Queue<Segment> retired = new ConcurrentLinkedQueue<>();
    /** A segment was created since the last retention pass: the preparer runs one. */
    private volatile boolean retentionDue;
    /** Segments the preparer retired (tests: the lanes' threads left that work). */
    private final AtomicLong retiredByPreparer = new AtomicLong();
    /** Segments retired by {@link #close} (left when the preparer stopped). */
    private final AtomicLong retiredAtClose = new AtomicLong();
    /** Makes {@link #spare} whenever it is empty; null when preparing is off. */
    private final Thread preparer;
    private volatile boolean closing;
    private long sparesMade;

    /**
     * Opens (creating it when absent) a log directory for one layout, refusing one that holds another set's segments
     * or that another open log holds.
     *
     * @param dir the directory
     * @param fingerprint the set's fingerprint
     * @param featureCount its features
     * @param vectorWidth its vector width
     * @param keyIsText whether its key is TEXT
     * @param maxKeyChars longest text key logged
     * @param textWords longs of UTF-8 category text per entry (0 when the set has none)
     * @param segmentBytes a segment's size
     * @param retainBytes closed segments are deleted, oldest first, while all segments take more
     * @param retainAgeMs closed segments last written longer ago are deleted ({@code Long.MAX_VALUE}: never)
     * @throws IOException when the directory cannot be created or read
     */
    public LogDirectory(Path dir, long fingerprint, int featureCount, int vectorWidth, boolean keyIsText,
        int maxKeyChars, int textWords, long segmentBytes, long retainBytes, long retainAgeMs) throws IOException {
        this.dir = dir;
        this.fingerprint = fingerprint;
        this.featureCount = featureCount;
        this.vectorWidth = vectorWidth;
        this.keyIsText = keyIsText;
        this.maxKeyChars = maxKeyChars;
        this.textWords = textWords;
        this.entryBytes = LogDescriptor.entryBytes(keyIsText, maxKeyChars, vectorWidth, featureCount, textWords);
        if (segmentBytes < LogDescriptor.HEADER_BYTES + entryBytes) {
            throw new IllegalArgumentException("segmentBytes=" + segmentBytes + " < header + one entry="
                + (LogDescriptor.HEADER_BYTES + entryBytes) + ": raise segmentBytes");
        }
        this.segmentBytes = segmentBytes;
        this.retainBytes = retainBytes;
        this.retainAgeMs = retainAgeMs;
        Files.createDirectories(dir);
        this.lockChannel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE,
            StandardOpenOption.WRITE);
        FileLock l;
        try {
            l = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            l = null;
        }
        if (l == null) {
            lockChannel.close();
            throw new IllegalStateException("log dir=" + dir + " is open in another FeatureLog: close it first, or"
                + " give each log its own directory");
        }
        this.lock = l;
        long maxSeq = -1;
        try {
            for (Path p : segments(dir)) {
                maxSeq = Math.max(maxSeq, LogDescriptor.sequenceOf(p.getFileName().toString()));
                checkOwnSet(p);
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        this.nextSequence = new AtomicLong(maxSeq + 1);
        deleteSpares(); // a killed process's: never a segment, nothing in them to keep
        if (Boolean.parseBoolean(System.getProperty(PREPARE_PROP, "true"))) {
            preparer = new Thread(this::prepareSegments, "freshet-log-prepare-" + dir.getFileName());
            preparer.setDaemon(true);
            preparer.start();
        } else {
            preparer = null;
        }
    }

    /**
     * The preparer thread: keeps one spare segment ready, its every page written once (first: the next rotation
     * waits for it), then retires the segments lanes left and applies the retention.
     */
    private void prepareSegments() {
        boolean preparing = true;
        while (!closing) {
            if (preparing && spare.get() == null) {
                Spare s = null;
                try {
                    s = makeSpare();
                } catch (IOException | RuntimeException e) {
                    // A full disk, say: lanes make their own segments (and report what fails); tried again after
                    // the next rotation, once the retention may have made room.
                    preparing = false;
                }
                if (s != null && (closing || !spare.compareAndSet(null, s))) {
                    discard(s);
                }
            }
            boolean housekept = retireLeftSegments(retiredByPreparer);
            if (retentionDue || housekept) {
                preparing |= retentionDue;
                retentionDue = false;
                try {
                    enforceRetention();
                } catch (UncheckedIOException e) {
                    // A directory that cannot be listed now: the next rotation's pass (or close) tries again.
                }
            }
            if (retired.isEmpty() && !retentionDue && (!preparing || spare.get() != null)) {
                LockSupport.park(this);
            }
        }
    }

    /** @return whether any segment was retired: stamped as closed (eligible for retention) and unmapped */
    private boolean retireLeftSegments(AtomicLong count) {
        boolean any = false;
        for (Segment s = retired.poll(); s != null; s = retired.poll()) {
            closeSegment(s);
            M.unmapOwned(s.memory);
            count.incrementAndGet();
            any = true;
        }
        return any;
    }

    private Spare makeSpare() throws IOException {
        Path p = dir.resolve(SPARE_PREFIX + sparesMade++);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
            StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(1), segmentBytes - 1);
            MappedMemory m = M.mapOwned(ch, segmentBytes);
            Object base = m.base();
            long a = m.address();
            // One write per page: the fault (page allocation, zeroing, the block's reservation) happens here, on
            // this thread, and the page is mapped writable in the process when a lane takes the segment.
            for (long off = 0; off + Long.BYTES <= segmentBytes && !closing; off += PAGE) {
                M.putLong(base, a + off, 0L);
            }
            return new Spare(p, m);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(p);
            throw e;
        }
    }

    private void discard(Spare s) {
        M.unmapOwned(s.memory);
        try {
            Files.deleteIfExists(s.path);
        } catch (IOException e) {
            // Deleted at the next open of this directory.
        }
    }

    private void deleteSpares() throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, SPARE_PREFIX + "*")) {
            for (Path p : ds) {
                Files.deleteIfExists(p);
            }
        }
    }

    private void checkOwnSet(Path segment) throws IOException {
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.READ)) {
            if (ch.size() < LogDescriptor.HEADER_BYTES) {
                return;
            }
            MappedMemory m = M.map(ch, FileChannel.MapMode.READ_ONLY, 0, LogDescriptor.HEADER_BYTES);
            if (M.getLongVolatile(m.base(), m.address() + LogDescriptor.H_MAGIC) != LogDescriptor.SEGMENT_MAGIC) {
                return; // a torn header: that segment holds nothing, the scan skips it
            }
            int version = M.getInt(m.base(), m.address() + LogDescriptor.H_VERSION);
            long fp = M.getLong(m.base(), m.address() + LogDescriptor.H_FINGERPRINT);
            if (fp != fingerprint) {
                throw new IllegalArgumentException("log dir=" + dir + " holds segments of fingerprint="
                    + Long.toHexString(fp) + ", not this set's " + Long.toHexString(fingerprint)
                    + ": give each set (and each definition) its own log directory");
            }
            // Appending beside a segment that could not be read back with the new ones would leave a directory
            // whose scan fails: refused now, with the version, rather than then.
            LogDescriptor.checkVersionHasText(segment, version, textWords);
        }
    }

    /**
     * @param dir a log directory
     * @return its segment files, in sequence order
     * @throws IOException when it cannot be listed
     */
    public static List<Path> segments(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*" + LogDescriptor.SUFFIX)) {
            for (Path p : ds) {
                if (LogDescriptor.sequenceOf(p.getFileName().toString()) >= 0) {
                    out.add(p);
                }
            }
        }
        out.sort((a, b) -> Long.compare(LogDescriptor.sequenceOf(a.getFileName().toString()),
            LogDescriptor.sequenceOf(b.getFileName().toString())));
        return out;
    }

    /** @return one entry's size */
    public int entryBytes() {
        return entryBytes;
    }

    /** @return entries per segment */
    public int entriesPerSegment() {
        return (int) Math.min(Integer.MAX_VALUE, (segmentBytes - LogDescriptor.HEADER_BYTES) / entryBytes);
    }

    /** @return whether a prepared segment waits for the next lane that rotates (tests) */
    boolean spareReady() {
        return spare.get() != null;
    }

    /** @return segments retired on the preparer thread (tests) */
    long retiredByPreparer() {
        return retiredByPreparer.get();
    }

    /** @return segments retired by {@link #close} (tests) */
    long retiredAtClose() {
        return retiredAtClose.get();
    }

    /** @return closed segments deleted by retention so far */
    public long segmentsDeleted() {
        return segmentsDeleted.get();
    }

    /**
     * Creates, sizes and maps a new segment with its header committed (taking the prepared one when it is ready); the
     * retention then runs on the preparer thread, or here when there is none.
     *
     * @param lane the lane that will write it
     * @return the new segment
     */
    public Segment newSegment(int lane) {
        long seq = nextSequence.getAndIncrement();
        Path path = dir.resolve(LogDescriptor.fileName(seq, lane));
        // Active before it exists under its name: a retention pass on the preparer never takes it for a closed one.
        markOpen(path);
        Spare ready = spare.getAndSet(null);
        try {
            MappedMemory m = null;
            if (ready != null) {
                try {
                    Files.move(ready.path, path, StandardCopyOption.ATOMIC_MOVE);
                    m = ready.memory;
                } catch (IOException e) {
                    discard(ready); // then make one here, as without a preparer
                }
            }
            if (m == null) {
                try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                    StandardOpenOption.WRITE)) {
                    // A sparse file of zeros: every commit word reads 0 until its entry is written.
                    ch.write(ByteBuffer.allocate(1), segmentBytes - 1);
                    // Unmapped by the lane when it rotates: retention then frees the pages at once.
                    m = M.mapOwned(ch, segmentBytes);
                }
            }
            writeHeader(m, seq, lane);
            if (preparer != null) {
                retentionDue = true;
                LockSupport.unpark(preparer);
            } else {
                enforceRetention();
            }
            return new Segment(path, m, entriesPerSegment());
        } catch (IOException e) {
            markClosed(path);
            throw new UncheckedIOException("cannot create log segment " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * A lane leaves a full segment and never touches it again: the preparer stamps it closed (eligible for retention)
     * and unmaps it, off the lane's thread; with no preparer, the lane does it here.
     *
     * @param segment the segment the calling lane wrote last
     */
    public void retire(Segment segment) {
        if (preparer == null) {
            closeSegment(segment);
            // Only this thread ever wrote through it: unmapping now frees its pages (the file's, once retention
            // deletes it) without waiting for a GC that an allocation-free reader may never cause.
            M.unmapOwned(segment.memory);
            return;
        }
        // Closed for the retention from now on, not only once the preparer has stamped it: else a retention pass
        // between this call and the stamp skips it as active and deletes a newer closed segment in its place (the
        // newest data lost, the oldest kept). Deleting it before the preparer unmaps it is safe: the lane has left
        // it, the mapping stays valid until unmapped, and the stamp of a deleted file is skipped.
        markClosed(segment.path);
        retired.add(segment);
        LockSupport.unpark(preparer);
    }

    private void writeHeader(MappedMemory m, long seq, int lane) {
        Object base = m.base();
        long a = m.address();
        M.putInt(base, a + LogDescriptor.H_VERSION, LogDescriptor.VERSION);
        M.putInt(base, a + LogDescriptor.H_ENTRY_BYTES, entryBytes);
        M.putLong(base, a + LogDescriptor.H_FINGERPRINT, fingerprint);
        M.putInt(base, a + LogDescriptor.H_FEATURE_COUNT, featureCount);
        M.putInt(base, a + LogDescriptor.H_VECTOR_WIDTH, vectorWidth);
        M.putInt(base, a + LogDescriptor.H_KEY_TYPE, keyIsText ? LogDescriptor.KEY_TEXT : LogDescriptor.KEY_LONG);
        M.putInt(base, a + LogDescriptor.H_MAX_KEY_CHARS, maxKeyChars);
        M.putLong(base, a + LogDescriptor.H_SEQUENCE, seq);
        M.putInt(base, a + LogDescriptor.H_LANE, lane);
        M.putInt(base, a + LogDescriptor.H_TEXT_WORDS, textWords);
        M.putLong(base, a + LogDescriptor.H_CREATED_MS, System.currentTimeMillis());
        M.putLongRelease(base, a + LogDescriptor.H_MAGIC, LogDescriptor.SEGMENT_MAGIC);
    }

    /**
     * A lane finished a segment: it becomes closed (eligible for retention), stamped with its last write time.
     *
     * @param segment the full segment
     */
    public void closeSegment(Segment segment) {
        markClosed(segment.path);
        try {
            Files.setLastModifiedTime(segment.path, FileTime.fromMillis(System.currentTimeMillis()));
        } catch (IOException e) {
            // The file's own time then stands: retention by age may keep it a little longer, nothing worse.
        }
    }

    private void markOpen(Path segment) {
        synchronized (active) {
            active.add(segment);
        }
    }

    private void markClosed(Path segment) {
        synchronized (active) {
            active.remove(segment);
        }
    }

    /** @return a copy of the open segments as they stood at one instant */
    private Set<Path> openSegments() {
        synchronized (active) {
            return new HashSet<>(active);
        }
    }

    /** Deletes closed segments beyond the retention: older than the age limit, then oldest first past the bytes. */
    public synchronized void enforceRetention() {
        try {
            List<Path> all = segments(dir);
            // One view of which segments are open, taken after the listing (a segment is active before its file
            // exists, so every listed one that is open is in it): checked one by one instead, a lane could close a
            // newer segment and leave an older one between two checks, and the pass would delete the newer one
            // while keeping the older; copied from a concurrent set, the copy could do the same (its iteration may
            // pass the older one before it leaves and the newer one after), hence the monitor.
            Set<Path> open = openSegments();
            long total = 0;
            for (Path p : all) {
                total += Files.size(p);
            }
            long oldestKeptMs = retainAgeMs == Long.MAX_VALUE ? Long.MIN_VALUE
                : System.currentTimeMillis() - retainAgeMs;
            for (Path p : all) {
                if (open.contains(p)) {
                    continue;
                }
                boolean tooOld = Files.getLastModifiedTime(p).toMillis() < oldestKeptMs;
                if (tooOld || total > retainBytes) {
                    long size = Files.size(p);
                    if (Files.deleteIfExists(p)) {
                        total -= size;
                        segmentsDeleted.incrementAndGet();
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot apply retention in log dir=" + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Stops the preparer (deleting an unused spare), retires the segments left to it and applies the retention, then
     * releases the lock; segments stay mapped while lanes hold them.
     */
    @Override
    public void close() throws IOException {
        closing = true;
        boolean preparerStopped = true;
        if (preparer != null) {
            LockSupport.unpark(preparer);
            try {
                preparer.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            preparerStopped = !preparer.isAlive();
        }
        Spare unused = spare.getAndSet(null);
        if (unused != null) {
            discard(unused);
        }
        try {
            // Unmapped by this thread only when the preparer is gone: a mapping is used by one thread at a time.
            if (preparerStopped && preparer != null) {
                retireLeftSegments(retiredAtClose);
                enforceRetention();
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } finally {
            releaseLock();
        }
    }

    private void releaseLock() throws IOException {
        try {
            if (lock != null && lock.isValid()) {
                lock.release();
            }
        } finally {
            lockChannel.close();
        }
    }

    /** A segment made ahead, not yet a lane's: its file (named {@code .next-segment-N}) and mapping. */
    private static final class Spare {
        final Path path;
        final MappedMemory memory;

        Spare(Path path, MappedMemory memory) {
            this.path = path;
            this.memory = memory;
        }
    }

    /** One mapped segment and how many entries fit. */
    public static final class Segment {
        final Path path;
        final MappedMemory memory;
        final int capacity;

        Segment(Path path, MappedMemory memory, int capacity) {
            this.path = path;
            this.memory = memory;
            this.capacity = capacity;
        }
    }
}
