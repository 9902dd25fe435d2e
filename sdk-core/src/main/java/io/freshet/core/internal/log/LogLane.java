package io.freshet.core.internal.log;

import io.freshet.core.internal.Memory;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One thread's appender of a served-feature log: it alone writes its current segment, entry after entry, so an append
 * is plain stores into mapped memory and one release store of the commit word; no lock, no CAS, no allocation. When
 * the segment is full it rotates to a new one ({@link LogDirectory#newSegment}, once per segment: the prepared spare
 * renamed and its header written, or, when none is ready, a file created and mapped) and hands the full one to
 * {@link LogDirectory#retire}.
 *
 * <p>Threading: single writer (the thread that made it, {@link #owner()}); {@link #entriesWritten()} and
 * {@link #entriesDropped()} may be read from any thread and are then approximately current.
 *
 * <p>Internal: not part of the public API.
 */
public final class LogLane {
    private static final Memory M = Memory.MEMORY;
    private static final VarHandle WRITTEN;
    private static final VarHandle DROPPED;
    /** Ints per feature in {@link #textSpans}. */
    public static final int SPAN = 4;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            WRITTEN = l.findVarHandle(LogLane.class, "written", long.class);
            DROPPED = l.findVarHandle(LogLane.class, "dropped", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final LogDirectory directory;
    private final Thread owner = Thread.currentThread();
    private final int lane;
    private final int entryBytes;
    private final int keyLongs;
    private final int bitsOffset;
    private final int vectorWidth;
    private final int featureCount;
    private final int maxKeyChars;
    /**
     * The UTF-8 categorical features' text in the vector, {@link #SPAN} ints each: the feature's index (its size is
     * the values it holds), its first word in the vector's text, its words per value, its values (1 or n).
     */
    private final int[] textSpans;
    private LogDirectory.Segment segment;
    private Object base;
    private long nextEntryAddress;
    private int slot;
    private int capacity;
    /** Counters: written by the lane's thread alone (opaque stores: no fence), read by others (opaque loads). */
    private long written;
    private long dropped;

    /**
     * @param directory the log's directory
     * @param lane this lane's id (unique in the log)
     * @param keyIsText whether keys are text
     * @param maxKeyChars longest text key logged
     * @param vectorWidth the vector's width
     * @param featureCount its features
     * @param textSpans per UTF-8 categorical feature, {@link #SPAN} ints: feature index, first text word, words per
     *     value, values; empty when the set has none (read, never written)
     */
    public LogLane(LogDirectory directory, int lane, boolean keyIsText, int maxKeyChars, int vectorWidth,
        int featureCount, int[] textSpans) {
        this.directory = directory;
        this.lane = lane;
        this.entryBytes = directory.entryBytes();
        this.keyLongs = LogDescriptor.keyLongs(keyIsText, maxKeyChars);
        this.bitsOffset = LogDescriptor.bitsOffset(keyLongs);
        this.vectorWidth = vectorWidth;
        this.featureCount = featureCount;
        this.maxKeyChars = maxKeyChars;
        this.textSpans = textSpans;
    }

    /**
     * Appends one served vector.
     *
     * @param requestId the caller's request id
     * @param longKey the key (LONG sets)
     * @param textKey the key (TEXT sets), or null for a LONG key
     * @param status the vector status's ordinal
     * @param readTimeMs read time
     * @param rowUpdatedMs the row's last update (applying clock)
     * @param rowEventTimeMs the row's newest event time
     * @param bits the vector's value bits, {@code vectorWidth} long
     * @param timesMs the values' event times
     * @param sizes the features' sizes, {@code featureCount} long
     * @param text the vector's UTF-8 category text (the layout's textWords long)
     */
    public void append(long requestId, long longKey, CharSequence textKey, int status, long readTimeMs,
        long rowUpdatedMs, long rowEventTimeMs, long[] bits, long[] timesMs, int[] sizes, long[] text) {
        int keyChars = textKey == null ? 0 : textKey.length();
        if (keyChars > maxKeyChars) {
            drop();
            return;
        }
        if (slot == capacity) {
            rotate();
        }
        Object b = base;
        long a = nextEntryAddress;
        long s1 = requestId;
        long s2 = s1;
        M.putLong(b, a + LogDescriptor.E_REQUEST_ID, requestId);
        M.putLong(b, a + LogDescriptor.E_READ_TIME_MS, readTimeMs);
        s1 += readTimeMs;
        s2 += s1;
        M.putLong(b, a + LogDescriptor.E_ROW_UPDATED_MS, rowUpdatedMs);
        s1 += rowUpdatedMs;
        s2 += s1;
        M.putLong(b, a + LogDescriptor.E_ROW_EVENT_TIME_MS, rowEventTimeMs);
        s1 += rowEventTimeMs;
        s2 += s1;
        long statusWord = (status & 0xFFFF_FFFFL) | ((long) keyChars << 32);
        M.putLong(b, a + LogDescriptor.E_STATUS_AND_KEY_LENGTH, statusWord);
        s1 += statusWord;
        s2 += s1;
        long p = a + LogDescriptor.E_KEY;
        if (textKey == null) {
            M.putLong(b, p, longKey);
            s1 += longKey;
            s2 += s1;
        } else {
            for (int w = 0; w < keyLongs; w++) {
                long word = 0;
                for (int c = 0; c < 4; c++) {
                    int i = w * 4 + c;
                    if (i < keyChars) {
                        word |= (long) textKey.charAt(i) << (16 * c);
                    }
                }
                M.putLong(b, p + 8L * w, word);
                s1 += word;
                s2 += s1;
            }
        }
        p = a + bitsOffset;
        for (int i = 0; i < vectorWidth; i++) {
            long v = bits[i];
            M.putLong(b, p, v);
            s1 += v;
            s2 += s1;
            p += 8;
        }
        for (int i = 0; i < vectorWidth; i++) {
            long v = timesMs[i];
            M.putLong(b, p, v);
            s1 += v;
            s2 += s1;
            p += 8;
        }
        for (int i = 0; i < featureCount; i += 2) {
            long v = sizes[i] & 0xFFFF_FFFFL;
            if (i + 1 < featureCount) {
                v |= (long) sizes[i + 1] << 32;
            }
            M.putLong(b, p, v);
            s1 += v;
            s2 += s1;
            p += 8;
        }
        for (int f = 0; f < textSpans.length; f += SPAN) {
            // Only the values the vector holds: its text array keeps an earlier read's bytes past the size, which
            // were not served (and belong to another key).
            int held = sizes[textSpans[f]];
            int w = textSpans[f + 1];
            int words = textSpans[f + 2] * textSpans[f + 3];
            int heldWords = textSpans[f + 2] * held;
            for (int j = 0; j < words; j++) {
                long v = j < heldWords ? text[w + j] : 0L;
                M.putLong(b, p, v);
                s1 += v;
                s2 += s1;
                p += 8;
            }
        }
        // Last, and ordered after every store above: a reader that sees the commit word sees the whole entry.
        M.putLongRelease(b, a + LogDescriptor.E_COMMIT, LogDescriptor.commitWord(s1, s2));
        nextEntryAddress = a + entryBytes;
        slot++;
        WRITTEN.setOpaque(this, written + 1);
    }

    /** Counts an entry not logged (a vector of another definition, a closed log). */
    public void drop() {
        DROPPED.setOpaque(this, dropped + 1);
    }

    private void rotate() {
        if (segment != null) {
            // Stamped and unmapped off this thread (the directory's preparer): a 64 MiB unmap and the retention's
            // file deletions are milliseconds, which the reading thread must not pay.
            directory.retire(segment);
            segment = null;
        }
        segment = directory.newSegment(lane);
        base = segment.memory.base();
        nextEntryAddress = segment.memory.address() + LogDescriptor.HEADER_BYTES;
        slot = 0;
        capacity = segment.capacity;
    }

    /** @return the thread that made this lane, its only writer */
    public Thread owner() {
        return owner;
    }

    /** @return entries appended */
    public long entriesWritten() {
        return (long) WRITTEN.getOpaque(this);
    }

    /** @return entries not logged */
    public long entriesDropped() {
        return (long) DROPPED.getOpaque(this);
    }

    /** The log closes: the current segment becomes eligible for retention. */
    public void finish() {
        if (segment != null) {
            directory.closeSegment(segment);
        }
    }
}
