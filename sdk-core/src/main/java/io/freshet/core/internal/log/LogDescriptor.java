package io.freshet.core.internal.log;

/**
 * The served-feature log's file format, version 2: offsets and the checksum, described once here.
 *
 * <p>A log directory holds segment files named {@code <sequence>-lane<id>.flog} (the sequence is 16 zero-padded
 * digits, unique in the directory and increasing in creation order). Each segment is written by one thread (its lane)
 * and is a 64-byte header followed by fixed-size entries: the vector's layout is fixed per feature set, so every entry
 * of a segment has the same size and entry {@code i} starts at {@code HEADER_BYTES + i * entryBytes}.
 *
 * <pre>
 * Segment header (64 bytes, little-endian)
 *  0 +---------------------------+ SEGMENT_MAGIC, written last (release): a header without it is torn
 *  8 | version (int) | entryBytes (int)
 * 16 | set fingerprint (long)
 * 24 | featureCount (int) | vectorWidth (int)
 * 32 | keyType (int: 0 LONG, 1 TEXT) | maxKeyChars (int)
 * 40 | segment sequence (long)
 * 48 | lane id (int) | textWords (int: longs of UTF-8 category text per entry; 0, "reserved", in version 1)
 * 56 | created, epoch ms (long)
 * 64 +---------------------------+
 *
 * Entry (entryBytes, a multiple of 8)
 *  0 | commit word: COMMIT_TAG &lt;&lt; 32 | checksum32 of bytes 8..entryBytes, written LAST (release)
 *  8 | request id
 * 16 | read time ms
 * 24 | row updated ms (applying clock at the row's last update)
 * 32 | row event time ms
 * 40 | status ordinal (low int) | text key length in chars (high int; 0 for a LONG key)
 * 48 | key: one long (LONG key), or ceil(maxKeyChars / 4) longs holding 4 UTF-16 chars each (TEXT key)
 *    | value bits: vectorWidth longs      (as the vector holds them: long values, double bits, last-N ids)
 *    | value event times: vectorWidth longs
 *    | value sizes: ceil(featureCount / 2) longs, two ints each (low int first)
 *    | category text: textWords longs     (version 2; the vector's UTF-8 text, below)
 * </pre>
 *
 * <p>Category text: every categorical feature stored as UTF-8 ({@code Categories.utf8(maxBytes)}) takes
 * {@code words = ceil(maxBytes / 8)} longs per value, one value for LATEST_CATEGORY and n for LAST_N_CATEGORIES
 * (newest first), in feature order: the bytes as served, byte j of a value in bits {@code 8 * (j % 8)} of its word
 * {@code j / 8}, zero-padded; a position the vector does not hold (past its size, or a missing value) is all zeros.
 * The value's long in the value bits is its byte length, as in the vector.
 *
 * <p>Versions: version 1 had no category text (and its header's textWords was a reserved 0); for a set with no UTF-8
 * categorical feature its entries are byte for byte those of version 2, so a version-1 segment of such a set is read
 * as it is. A version-1 segment of a set that has one lacks the text its rows need and is refused, naming the
 * version ({@link #checkVersionHasText}); a newer or unknown version is refused ({@link #checkKnownVersion}).
 *
 * A new segment file is all zeros, so an entry whose commit word is 0 was never committed: past the last committed
 * entry it is the end of the data, and an entry torn by a crash (body partly written, commit word not yet) is never
 * read. A committed entry whose checksum does not match its bytes (a flipped byte) is skipped and counted.
 *
 * <p>Internal: not part of the public API. Stateless.
 */
public final class LogDescriptor {
    /** Format version written in the header. */
    public static final int VERSION = 2;
    /** The version before category text: still read for sets without UTF-8 categorical features. */
    public static final int VERSION_WITHOUT_TEXT = 1;
    /** "FRSHTLOG" as a little-endian long. */
    public static final long SEGMENT_MAGIC = 0x474F4C5448535246L;
    /** High half of every commit word: a committed entry's first long is never 0. */
    public static final int COMMIT_TAG = 0x464C4F47;
    /** Segment file name suffix. */
    public static final String SUFFIX = ".flog";
    /** Header size; entries start here. */
    public static final int HEADER_BYTES = 64;

    public static final int H_MAGIC = 0;
    public static final int H_VERSION = 8;
    public static final int H_ENTRY_BYTES = 12;
    public static final int H_FINGERPRINT = 16;
    public static final int H_FEATURE_COUNT = 24;
    public static final int H_VECTOR_WIDTH = 28;
    public static final int H_KEY_TYPE = 32;
    public static final int H_MAX_KEY_CHARS = 36;
    public static final int H_SEQUENCE = 40;
    public static final int H_LANE = 48;
    public static final int H_TEXT_WORDS = 52;
    public static final int H_CREATED_MS = 56;

    public static final int E_COMMIT = 0;
    public static final int E_REQUEST_ID = 8;
    public static final int E_READ_TIME_MS = 16;
    public static final int E_ROW_UPDATED_MS = 24;
    public static final int E_ROW_EVENT_TIME_MS = 32;
    public static final int E_STATUS_AND_KEY_LENGTH = 40;
    public static final int E_KEY = 48;

    /** Header key type of a LONG key. */
    public static final int KEY_LONG = 0;
    /** Header key type of a TEXT key. */
    public static final int KEY_TEXT = 1;

    private LogDescriptor() {
    }

    /**
     * @param keyIsText whether the set has a TEXT key
     * @param maxKeyChars longest text key logged
     * @return longs the key takes
     */
    public static int keyLongs(boolean keyIsText, int maxKeyChars) {
        return keyIsText ? (maxKeyChars + 3) / 4 : 1;
    }

    /**
     * @param keyIsText whether the set has a TEXT key
     * @param maxKeyChars longest text key logged
     * @param vectorWidth the vector's width in values
     * @param featureCount its features
     * @param textWords longs of UTF-8 category text per entry (the vector's; 0 when the set has none)
     * @return one entry's size in bytes
     */
    public static int entryBytes(boolean keyIsText, int maxKeyChars, int vectorWidth, int featureCount,
        int textWords) {
        long bytes = textOffset(keyIsText, maxKeyChars, vectorWidth, featureCount) + 8L * textWords;
        if (bytes > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException("entryBytes=" + bytes + " is too large: lower maxKeyChars");
        }
        return (int) bytes;
    }

    /** @return the byte offset of the value bits in an entry */
    public static int bitsOffset(int keyLongs) {
        return E_KEY + 8 * keyLongs;
    }

    /** @return the byte offset of the category text in an entry: after the sizes */
    static long textOffset(boolean keyIsText, int maxKeyChars, int vectorWidth, int featureCount) {
        return E_KEY + 8L * keyLongs(keyIsText, maxKeyChars) + 16L * vectorWidth + 8L * ((featureCount + 1) / 2);
    }

    /**
     * Refuses a segment of a version this build does not know (newer, or a damaged header), before any other header
     * field is believed: another version may place them elsewhere.
     *
     * @param segment the segment's path (for the message)
     * @param version the version in its header
     * @throws IllegalArgumentException when the version is not 1 or 2
     */
    public static void checkKnownVersion(Object segment, int version) {
        if (version != VERSION && version != VERSION_WITHOUT_TEXT) {
            throw new IllegalArgumentException("segment=" + segment + " has format version=" + version + ", this "
                + "reader reads versions " + VERSION_WITHOUT_TEXT + " and " + VERSION + ": "
                + (version > VERSION ? "read it with the newer Freshet that wrote it" : "its header is damaged"));
        }
    }

    /**
     * Refuses, after {@link #checkKnownVersion} and the set's own checks, a version-1 segment of a set with UTF-8
     * categorical features: version 1 did not record their text, so its rows cannot be rebuilt.
     *
     * @param segment the segment's path (for the message)
     * @param version the version in its header
     * @param textWords longs of UTF-8 category text per entry of the set it is read with
     * @throws IllegalArgumentException when it cannot be read for this set
     */
    public static void checkVersionHasText(Object segment, int version, int textWords) {
        if (version == VERSION_WITHOUT_TEXT && textWords > 0) {
            throw new IllegalArgumentException("segment=" + segment + " has format version=" + version
                + ", which does not record UTF-8 category text, and this set's entries need textWords=" + textWords
                + ": its text cannot be read back; log this set anew, in a directory of its own, to build rows from the"
                + " log");
        }
    }

    /**
     * The checksum is Fletcher-style over the entry's 64-bit words after the commit word: {@code s1 += word;
     * s2 += s1} for each, two additions per word, so that any single changed word changes {@code s1} and a moved
     * word {@code s2}; cheap enough for the read path, whose cost is the point.
     *
     * @param s1 the first sum after all words
     * @param s2 the second sum (sum of the first sums)
     * @return the commit word for those sums: never 0
     */
    public static long commitWord(long s1, long s2) {
        long h = s1 * 0x9E3779B97F4A7C15L ^ s2;
        h ^= h >>> 29;
        h *= 0xBF58476D1CE4E5B9L;
        h ^= h >>> 32;
        return ((long) COMMIT_TAG << 32) | (h & 0xFFFF_FFFFL);
    }

    /**
     * @param sequence the segment's sequence
     * @param lane its lane
     * @return the segment's file name
     */
    public static String fileName(long sequence, int lane) {
        return String.format("%016d-lane%d%s", sequence, lane, SUFFIX);
    }

    /**
     * @param fileName a file name in a log directory
     * @return its sequence, or -1 when it is not a segment's name
     */
    public static long sequenceOf(String fileName) {
        if (!fileName.endsWith(SUFFIX) || fileName.length() < 17 || fileName.charAt(16) != '-') {
            return -1;
        }
        long seq = 0;
        for (int i = 0; i < 16; i++) {
            char c = fileName.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            seq = seq * 10 + (c - '0');
        }
        return seq;
    }
}
