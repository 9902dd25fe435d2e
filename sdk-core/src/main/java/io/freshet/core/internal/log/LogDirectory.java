package io.freshet.core.internal.log;

import io.freshet.core.internal.MappedMemory;
import io.freshet.core.internal.Memory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One served-feature log's directory: creates its segments (with their headers), knows which are being written, and
 * deletes closed ones beyond the retention. It writes and deletes only {@code *.flog} files directly in its own
 * directory (and its {@code .lock}), never anywhere else.
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
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
            StandardOpenOption.WRITE)) {
            // A sparse file of zeros: every commit word reads 0 until its entry is written.
            ch.write(java.nio.ByteBuffer.allocate(1), segmentBytes - 1);
            // Owned by the lane's thread, which unmaps it when it rotates: retention then frees the pages at once.
            MappedMemory m = M.mapOwned(ch, segmentBytes);
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
            active.add(path);
            enforceRetention();
            return new Segment(path, m, entriesPerSegment());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create log segment " + path + ": " + e.getMessage(), e);
        }
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

    /** Releases the directory's lock; segments stay mapped while their lanes hold them. */
    @Override
    public void close() throws IOException {
        try {
            if (lock != null && lock.isValid()) {
                lock.release();
            }
        } finally {
            lockChannel.close();
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
