package io.freshet.core.internal.log;

import io.freshet.core.internal.MappedMemory;
import io.freshet.core.internal.Memory;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads one segment's committed entries, verifying each: a flyweight whose fields hold the current entry after
 * {@link #next()} returns true. An entry whose commit word is 0 was never committed (the end of the data, or an entry
 * torn by a crash: skipped, and counted when its body holds any byte); a committed entry whose checksum does not match
 * (a flipped byte) is skipped and counted. Nothing unverified is ever returned.
 *
 * <p>Threading: one thread. Internal: not part of the public API.
 */
public final class LogSegmentReader {
    private static final Memory M = Memory.MEMORY;

    private final long fingerprint;
    private final int vectorWidth;
    private final int featureCount;
    private final boolean keyIsText;
    private final int textWords;
    private MappedMemory memory;
    private Object base;
    private long first;
    private int capacity;
    private int slot;
    private int entryBytes;
    private int keyLongs;
    private int bitsOffset;
    private long corrupt;
    private long torn;
    private long pendingUncommitted;

    /** The current entry's request id. */
    public long requestId;
    /** The current entry's read time. */
    public long readTimeMs;
    /** The current entry's row update time. */
    public long rowUpdatedMs;
    /** The current entry's row event time. */
    public long rowEventTimeMs;
    /** The current entry's status ordinal. */
    public int status;
    /** The current entry's key (LONG sets). */
    public long longKey;
    /** The current entry's key (TEXT sets), reused. */
    public final StringBuilder textKey = new StringBuilder();
    /** The current entry's value bits. */
    public final long[] bits;
    /** The current entry's value event times. */
    public final long[] timesMs;
    /** The current entry's feature sizes. */
    public final int[] sizes;
    /** The current entry's UTF-8 category text, as the vector holds it. */
    public final long[] text;

    /**
     * @param fingerprint the set's fingerprint: a segment of another is refused
     * @param vectorWidth the set's vector width
     * @param featureCount its features
     * @param keyIsText whether its key is TEXT
     * @param textWords longs of UTF-8 category text in its vector (0 when it has none)
     */
    public LogSegmentReader(long fingerprint, int vectorWidth, int featureCount, boolean keyIsText,
        int textWords) {
        this.fingerprint = fingerprint;
        this.vectorWidth = vectorWidth;
        this.featureCount = featureCount;
        this.keyIsText = keyIsText;
        this.bits = new long[vectorWidth];
        this.timesMs = new long[vectorWidth];
        this.sizes = new int[featureCount];
        this.textWords = textWords;
        this.text = new long[textWords];
    }

    /**
     * Starts reading a segment.
     *
     * @param path the segment
     * @return false when its header was never committed (a crash while it was created): it holds nothing
     * @throws IOException when it cannot be read
     * @throws IllegalArgumentException when it belongs to another set or layout, or is of a format version this
     *     reader does not read for this set (see {@link LogDescriptor#checkVersionHasText})
     */
    public boolean open(Path path) throws IOException {
        memory = null;
        capacity = 0;
        slot = 0;
        pendingUncommitted = 0;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < LogDescriptor.HEADER_BYTES) {
                return false;
            }
            MappedMemory m = M.map(ch, FileChannel.MapMode.READ_ONLY, 0, size);
            Object b = m.base();
            long a = m.address();
            if (M.getLongVolatile(b, a + LogDescriptor.H_MAGIC) != LogDescriptor.SEGMENT_MAGIC) {
                return false;
            }
            int version = M.getInt(b, a + LogDescriptor.H_VERSION);
            // First: another version's header may place its other fields elsewhere.
            LogDescriptor.checkKnownVersion(path, version);
            long fp = M.getLong(b, a + LogDescriptor.H_FINGERPRINT);
            int width = M.getInt(b, a + LogDescriptor.H_VECTOR_WIDTH);
            int features = M.getInt(b, a + LogDescriptor.H_FEATURE_COUNT);
            boolean text = M.getInt(b, a + LogDescriptor.H_KEY_TYPE) == LogDescriptor.KEY_TEXT;
            int maxKeyChars = M.getInt(b, a + LogDescriptor.H_MAX_KEY_CHARS);
            if (fp != fingerprint || width != vectorWidth || features != featureCount || text != keyIsText) {
                throw new IllegalArgumentException("segment=" + path + " was written for set fingerprint="
                    + Long.toHexString(fp) + ", not " + Long.toHexString(fingerprint)
                    + ": scan it with the definition that served it");
            }
            LogDescriptor.checkVersionHasText(path, version, textWords);
            // Version 1 kept this int reserved (0); a version-2 header of this set states the set's own text.
            int headerText = M.getInt(b, a + LogDescriptor.H_TEXT_WORDS);
            if (headerText != (version == LogDescriptor.VERSION ? textWords : 0)) {
                throw new IllegalArgumentException("segment=" + path + " has textWords=" + headerText + ", this set's "
                    + "layout textWords=" + textWords + " (version=" + version + "): the header is damaged");
            }
            entryBytes = M.getInt(b, a + LogDescriptor.H_ENTRY_BYTES);
            keyLongs = LogDescriptor.keyLongs(text, maxKeyChars);
            if (entryBytes != LogDescriptor.entryBytes(text, maxKeyChars, width, features, headerText)) {
                throw new IllegalArgumentException("segment=" + path + " has entryBytes=" + entryBytes
                    + " that does not match its layout: the header is damaged");
            }
            bitsOffset = LogDescriptor.bitsOffset(keyLongs);
            memory = m;
            base = b;
            first = a + LogDescriptor.HEADER_BYTES;
            capacity = (int) Math.min(Integer.MAX_VALUE, (size - LogDescriptor.HEADER_BYTES) / entryBytes);
            return true;
        }
    }

    /**
     * Moves to the next verified entry.
     *
     * @return false at the segment's end
     */
    public boolean next() {
        while (slot < capacity) {
            long a = first + (long) slot * entryBytes;
            slot++;
            long commit = M.getLongVolatile(base, a + LogDescriptor.E_COMMIT);
            if (commit == 0) {
                if (anyByte(a)) {
                    pendingUncommitted++;
                }
                continue;
            }
            if (verifyAndDecode(a, commit)) {
                // An uncommitted entry followed by committed ones: a writer never leaves a hole, so it was damaged.
                torn += pendingUncommitted;
                pendingUncommitted = 0;
                return true;
            }
            corrupt++;
        }
        // Uncommitted entries with bytes at the end: the entry a crash tore.
        torn += pendingUncommitted;
        pendingUncommitted = 0;
        return false;
    }

    private boolean anyByte(long a) {
        for (int off = 8; off < entryBytes; off += 8) {
            if (M.getLong(base, a + off) != 0) {
                return true;
            }
        }
        return false;
    }

    private boolean verifyAndDecode(long a, long commit) {
        long s1 = 0;
        long s2 = 0;
        for (int off = 8; off < entryBytes; off += 8) {
            s1 += M.getLong(base, a + off);
            s2 += s1;
        }
        if (LogDescriptor.commitWord(s1, s2) != commit) {
            return false;
        }
        requestId = M.getLong(base, a + LogDescriptor.E_REQUEST_ID);
        readTimeMs = M.getLong(base, a + LogDescriptor.E_READ_TIME_MS);
        rowUpdatedMs = M.getLong(base, a + LogDescriptor.E_ROW_UPDATED_MS);
        rowEventTimeMs = M.getLong(base, a + LogDescriptor.E_ROW_EVENT_TIME_MS);
        long statusWord = M.getLong(base, a + LogDescriptor.E_STATUS_AND_KEY_LENGTH);
        status = (int) statusWord;
        int keyChars = (int) (statusWord >>> 32);
        if (keyIsText) {
            textKey.setLength(0);
            for (int i = 0; i < keyChars; i++) {
                long word = M.getLong(base, a + LogDescriptor.E_KEY + 8L * (i / 4));
                textKey.append((char) (word >>> (16 * (i % 4))));
            }
        } else {
            longKey = M.getLong(base, a + LogDescriptor.E_KEY);
        }
        long p = a + bitsOffset;
        for (int i = 0; i < vectorWidth; i++, p += 8) {
            bits[i] = M.getLong(base, p);
        }
        for (int i = 0; i < vectorWidth; i++, p += 8) {
            timesMs[i] = M.getLong(base, p);
        }
        for (int i = 0; i < featureCount; i += 2, p += 8) {
            long v = M.getLong(base, p);
            sizes[i] = (int) v;
            if (i + 1 < featureCount) {
                sizes[i + 1] = (int) (v >>> 32);
            }
        }
        // A version-1 segment is read only for a set with no text (checkVersionHasText): there is none to read.
        for (int i = 0; i < textWords; i++, p += 8) {
            text[i] = M.getLong(base, p);
        }
        return true;
    }

    /** @return committed entries whose checksum did not match, so far */
    public long corruptSkipped() {
        return corrupt;
    }

    /** @return uncommitted entries holding bytes (torn by a crash), so far */
    public long tornSkipped() {
        return torn;
    }
}
