package io.freshet.core;

import io.freshet.core.internal.kernel.CompiledLayout;
import io.freshet.core.internal.log.LogDirectory;
import io.freshet.core.internal.log.LogLane;
import io.freshet.core.internal.log.LogSegmentReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The served-feature log ("log and wait"): every vector a reader serves through it is appended, with the caller's
 * request id, to a memory-mapped, segment-rotated log directory, so that labels that arrive later can be joined to
 * exactly what the model saw ({@code ServedRows} in {@code freshet-kafka} writes them as training rows).
 *
 * <pre>{@code
 * FeatureLog log = FeatureLog.forReader(reader).directory(Path.of("/var/lib/app/served-log"))
 *     .retainBytes(8L << 30).open();
 * boolean found = log.read(requestId, userId, vector);   // reader.read(userId, vector), then the entry
 * }</pre>
 *
 * <p>Each entry holds the key, the read time, the status, the row's update and event times, every value with its event
 * time, the text of categorical values stored as UTF-8 (the bytes as served, at the width the feature declares), and
 * the request id; its size is fixed by the set's layout. Each reading thread appends to its own segments (a
 * lane), so an append is plain stores into mapped memory and a release store of the entry's commit word: no lock, no
 * CAS, no allocation (a lane's first append creates and maps a file; a rotation, once per segment, takes the segment a
 * preparer thread made ahead, and leaves the full one to that thread to unmap). The commit word holds a checksum and
 * is written last: after a crash (a killed process) every entry up to the last committed one reads back; a torn
 * entry is skipped, never misread, and a damaged byte makes its entry skipped and counted ({@link LogScan}). Entries
 * survive the process, not the machine: the log does not force pages to the device.
 *
 * <p>Segments rotate at {@link Builder#segmentBytes}; after each rotation (on the preparer thread) and when the log
 * closes, closed segments are deleted beyond {@link Builder#retainBytes} (oldest first) or older than
 * {@link Builder#retainAge}. The log writes and deletes only {@code *.flog} files and its {@code .lock} (and the
 * preparer's {@code .next-segment-N}) in its own directory.
 *
 * <p>One log serves one definition: after a migration's promote, a vector of the new definition is not logged (counted
 * in {@link #entriesDropped()}); open a new log, in its own directory, for it. A text key longer than
 * {@link Builder#maxKeyChars} is not logged either (counted).
 *
 * <p>Threading: thread-safe; any number of threads may read through it at once, each with its own vector.
 */
public final class FeatureLog implements AutoCloseable {
    /** Default segment size: 64 MiB. */
    public static final long DEFAULT_SEGMENT_BYTES = 64L << 20;
    /** Default bound on all segments: 1 GiB. */
    public static final long DEFAULT_RETAIN_BYTES = 1L << 30;
    /** Default longest text key logged. */
    public static final int DEFAULT_MAX_KEY_CHARS = 64;
    /** Largest segment: mapped in one piece on every JDK. */
    public static final long MAX_SEGMENT_BYTES = 1L << 30;

    private final FeatureReader reader;
    private final FeatureSet<?> set;
    private final boolean keyIsText;
    private final int maxKeyChars;
    private final int vectorWidth;
    private final int featureCount;
    /** Where the UTF-8 categorical features' text is in a vector ({@link LogLane#SPAN} ints each). */
    private final int[] textSpans;
    private final LogDirectory directory;
    private final Path dir;
    private final AtomicInteger laneIds = new AtomicInteger();
    private final Queue<LogLane> lanes = new ConcurrentLinkedQueue<>();
    private final ThreadLocal<LogLane> lane;
    /**
     * The first lane made: its thread (often the only one serving) finds it here, without the ThreadLocal's lookup
     * (measured at 7-15 ns of a logged read). A plain field: another thread may see null or a stale value, and then
     * takes the ThreadLocal path; {@link LogLane#owner()} is final, so a lane seen here is seen whole.
     */
    private LogLane firstLane;
    private volatile boolean closed;

    private FeatureLog(Builder b) throws IOException {
        this.reader = b.reader;
        this.set = b.reader.featureSet();
        this.keyIsText = set.keyType() == KeyType.TEXT;
        this.maxKeyChars = b.maxKeyChars;
        CompiledLayout l = set.compiledLayout();
        this.vectorWidth = l.vectorWidth;
        this.featureCount = l.featureCount;
        this.textSpans = textSpans(l);
        this.dir = b.directory;
        this.directory = new LogDirectory(dir, set.fingerprint(), featureCount, vectorWidth, keyIsText, maxKeyChars,
            l.categories.textWords, b.segmentBytes, b.retainBytes, b.retainAgeMs);
        this.lane = ThreadLocal.withInitial(this::newLane);
    }

    private LogLane newLane() {
        LogLane l = new LogLane(directory, laneIds.getAndIncrement(), keyIsText, maxKeyChars, vectorWidth,
            featureCount, textSpans);
        lanes.add(l);
        if (firstLane == null) {
            firstLane = l;
        }
        return l;
    }

    /** Per UTF-8 categorical feature: its index, first text word, words per value and values (1, or n for last-N). */
    private static int[] textSpans(CompiledLayout l) {
        int n = 0;
        for (int i = 0; i < l.featureCount; i++) {
            n += l.categories.words[i] > 0 ? LogLane.SPAN : 0;
        }
        int[] spans = new int[n];
        int at = 0;
        for (int i = 0; i < l.featureCount; i++) {
            if (l.categories.words[i] > 0) {
                spans[at] = i;
                spans[at + 1] = l.categories.textWord[i];
                spans[at + 2] = l.categories.words[i];
                spans[at + 3] = l.kind[i] == CompiledLayout.K_LAST_N_CATEGORIES ? l.width[i] : 1;
                at += LogLane.SPAN;
            }
        }
        return spans;
    }

    /**
     * @param reader the reader whose reads this log records
     * @return a builder; {@link Builder#directory} is required
     */
    public static Builder forReader(FeatureReader reader) {
        return new Builder(Objects.requireNonNull(reader, "reader can't be null"));
    }

    /**
     * Reads like {@link FeatureReader#read(long, FeatureVector)} and appends the served vector.
     *
     * @param requestId the caller's request id: labels are joined to reads by it
     * @param key numeric entity key
     * @param into the caller's vector of this set
     * @return true when the key has a row
     */
    public boolean read(long requestId, long key, FeatureVector into) {
        boolean found = reader.read(key, into);
        append(requestId, key, null, into);
        return found;
    }

    /**
     * Reads like {@link FeatureReader#read(CharSequence, FeatureVector)} and appends the served vector.
     *
     * @param requestId the caller's request id
     * @param key text entity key
     * @param into the caller's vector of this set
     * @return true when the key has a row
     */
    public boolean read(long requestId, CharSequence key, FeatureVector into) {
        boolean found = reader.read(key, into);
        append(requestId, 0, key, into);
        return found;
    }

    /**
     * Appends a vector the caller read from this log's reader otherwise (a batch read, say).
     *
     * @param requestId the caller's request id
     * @param key the numeric key it was read with
     * @param served the vector as read
     */
    public void append(long requestId, long key, FeatureVector served) {
        append(requestId, key, null, served);
    }

    /**
     * Appends a vector the caller read from this log's reader otherwise.
     *
     * @param requestId the caller's request id
     * @param key the text key it was read with
     * @param served the vector as read
     */
    public void append(long requestId, CharSequence key, FeatureVector served) {
        append(requestId, 0, Objects.requireNonNull(key, "key can't be null"), served);
    }

    private void append(long requestId, long longKey, CharSequence textKey, FeatureVector v) {
        LogLane l = firstLane;
        if (l == null || l.owner() != Thread.currentThread()) {
            l = lane.get(); // a lane is written by its own thread only: the one it was made for
        }
        if (closed || v.featureSet() != set) {
            l.drop();
            return;
        }
        l.append(requestId, longKey, textKey, v.status().ordinal(), v.readTimeMs(), v.rowUpdatedMs(),
            v.rowEventTimeMs(), v.loggedBits(), v.loggedTimesMs(), v.loggedSizes(), v.loggedText());
    }

    /** @return entries appended so far, by every thread (approximate while threads append) */
    public long entriesLogged() {
        long n = 0;
        for (LogLane l : lanes) {
            n += l.entriesWritten();
        }
        return n;
    }

    /** @return reads not logged: a vector of another definition, a text key too long, or a read after close */
    public long entriesDropped() {
        long n = 0;
        for (LogLane l : lanes) {
            n += l.entriesDropped();
        }
        return n;
    }

    /** @return closed segments deleted by the retention so far */
    public long segmentsDeleted() {
        return directory.segmentsDeleted();
    }

    /** @return the log's directory */
    public Path directory() {
        return dir;
    }

    /**
     * Stops logging (later reads through it are served and counted as dropped), makes every segment eligible for
     * retention and releases the directory. Entries already appended stay readable.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (LogLane l : lanes) {
            l.finish();
        }
        try {
            directory.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot release log dir=" + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a log directory, segment after segment (creation order; within a segment, append order), delivering each
     * verified entry as the vector that was served. Entries that cannot be trusted are skipped and counted, never
     * delivered. It may run while the log is written: it sees the entries committed so far.
     *
     * @param dir the log directory
     * @param set the definition that served the entries
     * @param visitor receives each entry
     * @return what was read and skipped
     * @throws UncheckedIOException when a segment cannot be read
     * @throws IllegalArgumentException when a segment was written for another definition, or in a format version this
     *     build does not read for it (a newer one; version 1, which did not record UTF-8 text, for a set that has a
     *     UTF-8 categorical feature)
     */
    public static LogScan scan(Path dir, FeatureSet<?> set, ServedReadVisitor visitor) {
        Objects.requireNonNull(dir, "dir can't be null");
        Objects.requireNonNull(set, "set can't be null");
        Objects.requireNonNull(visitor, "visitor can't be null");
        CompiledLayout l = set.compiledLayout();
        boolean text = set.keyType() == KeyType.TEXT;
        LogSegmentReader r = new LogSegmentReader(set.fingerprint(), l.vectorWidth, l.featureCount, text,
            l.categories.textWords);
        FeatureVector v = set.newVector();
        VectorStatus[] statuses = VectorStatus.values();
        int segments = 0;
        int tornSegments = 0;
        long entries = 0;
        long badStatus = 0;
        try {
            for (Path p : LogDirectory.segments(dir)) {
                if (!r.open(p)) {
                    tornSegments++;
                    continue;
                }
                segments++;
                while (r.next()) {
                    if (r.status < 0 || r.status >= statuses.length) {
                        badStatus++; // checksum right but a status no writer writes: damaged, skipped
                        continue;
                    }
                    v.restoreLogged(statuses[r.status], r.readTimeMs, r.rowUpdatedMs, r.rowEventTimeMs, r.bits,
                        r.timesMs, r.sizes, r.text);
                    entries++;
                    visitor.visit(r.requestId, text ? 0 : r.longKey, text ? r.textKey : null, v);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read log dir=" + dir + ": " + e.getMessage(), e);
        }
        return new LogScan(segments, entries, r.corruptSkipped() + badStatus, r.tornSkipped(), tornSegments);
    }

    /**
     * Configures a {@link FeatureLog}; each option is checked when set. Reusable: each {@link #open()} opens a log.
     */
    public static final class Builder {
        private final FeatureReader reader;
        private Path directory;
        private long segmentBytes = DEFAULT_SEGMENT_BYTES;
        private long retainBytes = DEFAULT_RETAIN_BYTES;
        private long retainAgeMs = Long.MAX_VALUE;
        private int maxKeyChars = DEFAULT_MAX_KEY_CHARS;

        private Builder(FeatureReader reader) {
            this.reader = reader;
        }

        /**
         * @param dir the log's own directory (created when absent); one log, one set, per directory
         * @return this builder
         */
        public Builder directory(Path dir) {
            this.directory = Objects.requireNonNull(dir, "dir can't be null");
            return this;
        }

        /**
         * @param bytes a segment's size (default {@value #DEFAULT_SEGMENT_BYTES}); at most {@value #MAX_SEGMENT_BYTES}
         * @return this builder
         */
        public Builder segmentBytes(long bytes) {
            if (bytes <= 0 || bytes > MAX_SEGMENT_BYTES) {
                throw new IllegalArgumentException("segmentBytes=" + bytes + " must be in 1.." + MAX_SEGMENT_BYTES);
            }
            this.segmentBytes = bytes;
            return this;
        }

        /**
         * @param bytes closed segments are deleted, oldest first, while all segments take more (default 1 GiB)
         * @return this builder
         */
        public Builder retainBytes(long bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("retainBytes=" + bytes + " must be > 0");
            }
            this.retainBytes = bytes;
            return this;
        }

        /**
         * @param age closed segments last written longer ago are deleted (default: kept whatever their age)
         * @return this builder
         */
        public Builder retainAge(Duration age) {
            Objects.requireNonNull(age, "age can't be null");
            if (age.isNegative() || age.isZero()) {
                throw new IllegalArgumentException("retainAge=" + age + " must be > 0");
            }
            this.retainAgeMs = age.toMillis();
            return this;
        }

        /**
         * @param chars longest text key logged (default {@value #DEFAULT_MAX_KEY_CHARS}); every entry reserves room
         *     for it, and a longer key's read is served but not logged (counted in {@link #entriesDropped()})
         * @return this builder
         */
        public Builder maxKeyChars(int chars) {
            if (chars <= 0 || chars > 4096) {
                throw new IllegalArgumentException("maxKeyChars=" + chars + " must be in 1..4096");
            }
            this.maxKeyChars = chars;
            return this;
        }

        /**
         * Opens the log: creates its directory when absent and locks it.
         *
         * @return the log
         * @throws IllegalStateException when no directory was set, or another open log holds it
         * @throws IllegalArgumentException when the directory holds another set's segments, or a segment cannot hold
         *     one entry, or (for a set with a UTF-8 categorical feature) segments of format version 1, which did not
         *     record that text
         * @throws UncheckedIOException when the directory cannot be created or read
         */
        public FeatureLog open() {
            if (directory == null) {
                throw new IllegalStateException("no directory: call directory(Path) before open()");
            }
            try {
                return new FeatureLog(this);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open log dir=" + directory + ": " + e.getMessage(), e);
            }
        }
    }
}
