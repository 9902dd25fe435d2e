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
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
 * {@code -Dfreshet.log.prepareSegments=false} turns the preparer off. Cost: one segment's size more on disk and in
 * the page cache, and the preparer's page writes off the reading threads.
 *
 * <p>Threading: thread-safe. Every method is a slow path (once per segment): lanes call {@link #newSegment} when they
 * rotate, on their own thread (the mapping is that thread's alone); the retention pass is serialised on this object,
 * which no per-entry write ever touches.
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
    private final int entryBytes;
    private final long segmentBytes;
    private final long retainBytes;
    private final long retainAgeMs;
    private final AtomicLong nextSequence;
    private final Set<Path> active = ConcurrentHashMap.newKeySet();
    private final AtomicLong segmentsDeleted = new AtomicLong();
    private final FileChannel lockChannel;
    private final FileLock lock;
    /** The next segment, made ahead by {@link #preparer}; taken (set to null) by the next lane to rotate. */
    private final AtomicReference<Spare> spare = new AtomicReference<>();
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
     * @param segmentBytes a segment's size
     * @param retainBytes closed segments are deleted, oldest first, while all segments take more
     * @param retainAgeMs closed segments last written longer ago are deleted ({@code Long.MAX_VALUE}: never)
     * @throws IOException when the directory cannot be created or read
     */
    public LogDirectory(Path dir, long fingerprint, int featureCount, int vectorWidth, boolean keyIsText,
        int maxKeyChars, long segmentBytes, long retainBytes, long retainAgeMs) throws IOException {
        this.dir = dir;
        this.fingerprint = fingerprint;
        this.featureCount = featureCount;
        this.vectorWidth = vectorWidth;
        this.keyIsText = keyIsText;
        this.maxKeyChars = maxKeyChars;
        this.entryBytes = LogDescriptor.entryBytes(keyIsText, maxKeyChars, vectorWidth, featureCount);
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

    /** The preparer thread: keeps one spare segment ready, its every page written once. */
    private void prepareSegments() {
        while (!closing) {
            if (spare.get() == null) {
                Spare s;
                try {
                    s = makeSpare();
                } catch (IOException | RuntimeException e) {
                    // A full disk or a closed directory: lanes make their own segments (and report what fails).
                    return;
                }
                if (closing || !spare.compareAndSet(null, s)) {
                    discard(s);
                }
                continue;
            }
            LockSupport.park(this);
        }
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
            long fp = M.getLong(m.base(), m.address() + LogDescriptor.H_FINGERPRINT);
            if (fp != fingerprint) {
                throw new IllegalArgumentException("log dir=" + dir + " holds segments of fingerprint="
                    + Long.toHexString(fp) + ", not this set's " + Long.toHexString(fingerprint)
                    + ": give each set (and each definition) its own log directory");
            }
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

    /** @return closed segments deleted by retention so far */
    public long segmentsDeleted() {
        return segmentsDeleted.get();
    }

    /**
     * Creates, sizes and maps a new segment with its header committed, then applies the retention to the closed ones.
     *
     * @param lane the lane that will write it
     * @return the new segment
     */
    public Segment newSegment(int lane) {
        long seq = nextSequence.getAndIncrement();
        Path path = dir.resolve(LogDescriptor.fileName(seq, lane));
        Spare ready = spare.getAndSet(null);
        if (preparer != null) {
            LockSupport.unpark(preparer);
        }
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
            active.add(path);
            enforceRetention();
            return new Segment(path, m, entriesPerSegment());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create log segment " + path + ": " + e.getMessage(), e);
        }
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
        M.putLong(base, a + LogDescriptor.H_CREATED_MS, System.currentTimeMillis());
        M.putLongRelease(base, a + LogDescriptor.H_MAGIC, LogDescriptor.SEGMENT_MAGIC);
    }

    /**
     * A lane finished a segment: it becomes closed (eligible for retention), stamped with its last write time.
     *
     * @param segment the full segment
     */
    public void closeSegment(Segment segment) {
        active.remove(segment.path);
        try {
            Files.setLastModifiedTime(segment.path, FileTime.fromMillis(System.currentTimeMillis()));
        } catch (IOException e) {
            // The file's own time then stands: retention by age may keep it a little longer, nothing worse.
        }
    }

    /** Deletes closed segments beyond the retention: older than the age limit, then oldest first past the bytes. */
    public synchronized void enforceRetention() {
        try {
            List<Path> all = segments(dir);
            long total = 0;
            for (Path p : all) {
                total += Files.size(p);
            }
            long oldestKeptMs = retainAgeMs == Long.MAX_VALUE ? Long.MIN_VALUE
                : System.currentTimeMillis() - retainAgeMs;
            for (Path p : all) {
                if (active.contains(p)) {
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

    /** Stops the preparer (deleting an unused spare), releases the lock; segments stay mapped while lanes hold them. */
    @Override
    public void close() throws IOException {
        closing = true;
        if (preparer != null) {
            LockSupport.unpark(preparer);
            try {
                preparer.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Spare unused = spare.getAndSet(null);
        if (unused != null) {
            discard(unused);
        }
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
