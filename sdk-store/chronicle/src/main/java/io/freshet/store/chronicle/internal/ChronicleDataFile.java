package io.freshet.store.chronicle.internal;

import io.freshet.core.StoreException;
import io.freshet.core.StoreException.Reason;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.IntStream;
import java.util.zip.CRC32C;

/**
 * Checks a Chronicle Map data file with plain file I/O before Chronicle is allowed to map it, because Chronicle
 * trusts its file: a truncated file faults (SIGBUS) inside Chronicle and a damaged header or body yields wrong
 * values or an endless loop. The facts checked are recorded in the meta file's metadata (keys below) when the store
 * is created and each time it is closed cleanly.
 *
 * <pre>
 * Chronicle data file (Chronicle's own format, spec/3-memory-layout.md of Chronicle Map):
 *   0  u64  hash of the self-bootstrapping header
 *   8  u32  header length in the low 30 bits; the top two bits are flags (0 in a complete header)
 *  12  header text (Binary Wire): key/value classes and sizes, segments, tier sizes ... written once
 *      then the global mutable state, segment headers, segment tiers, extra tier bulks (the file only grows)
 * Checked here:
 *   length &gt;= 12 + header length, and &gt;= the length recorded at the last clean close (TRUNCATED);
 *   CRC32C of bytes [0, 12 + header length) == the one recorded at creation (CORRUPT: damaged or foreign);
 *   after a clean close only: length == recorded length and CRC32C of the whole file == recorded (CORRUPT).
 * </pre>
 *
 * <p>The whole-file CRC costs one read of the file at each clean open and close, split over the cores (the price
 * of refusing a flipped byte instead of serving it); after a kill the file is recovered by Chronicle instead, whose
 * per-entry checksums find torn entries.
 *
 * <p><b>Every byte of a Chronicle store, and what guards it</b> (issue 21):
 * <ul>
 * <li>{@code meta.fst}: as for every engine, see {@code MetaFileDescriptor} (static header CRC, two checksummed
 * lifecycle copies, bodyCrc at rest, checked undo records and applied offsets after a kill, CRC'd topics and
 * metadata). The facts above (headerCrc, headerBytes, fileBytes, fileCrc) live in its metadata, so they are
 * guarded by the metadata copies' CRCs, and written into the meta file before it appears (a store never exists
 * without them).
 * <li>Data file [0, 12 + header length): the recorded header CRC, at every open (CORRUPT), and the length checks
 * (TRUNCATED) before Chronicle maps anything.
 * <li>Data file [12 + header length, end), cleanly closed: the recorded whole-file CRC and length (CORRUPT).
 * <li>Data file beyond its header after a kill: the header CRC and lengths as above, then only Chronicle's own
 * checks: {@code recoverPersistedTo} verifies each entry's checksum ({@code checksumEntries(true)}; nothing else
 * reads the checksums) and rebuilds segment headers and counters. An entry whose checksum fails is removed, reported
 * only to a {@code ChronicleHashCorruption.Listener} (segment index and a text message that quotes the key, or
 * {@code [B@...} for a text key's bytes) and logged at ERROR by Chronicle: the in-flight row of a kill fails it
 * legitimately and the undo rollback puts it back, but a row damaged while the store was down is dropped, and its
 * key then reads as absent although the offsets say its records were applied ({@code ChronicleRowChecksTest}).
 * That is not the guarantee of {@code StoreConfig.rowChecks} (refuse, never a wrong value), and a listener cannot
 * tell a damaged text-key entry from the in-flight one, so this engine refuses the option: this is the one range
 * with no guard of Freshet's own.
 * <li>{@value ChronicleRowStore#PRE_RECOVERY_FILE}: exists only after a kill during recovery, complete (written
 * under a temporary name, renamed), and put back as the data file before anything else: then guarded as the data
 * file after a kill. {@code *.tmp} files are never read.
 * <li>{@code writer.lock}: its content is never read; only the lock on it counts.
 * </ul>
 *
 * <p>Internal. Stateless; thread-safe.
 */
public final class ChronicleDataFile {
    /** Metadata key: CRC32C of the self-bootstrapping header (hex). */
    public static final String META_HEADER_CRC = "freshet.chronicle.headerCrc";
    /** Metadata key: length of the self-bootstrapping header including its 12-byte prefix. */
    public static final String META_HEADER_BYTES = "freshet.chronicle.headerBytes";
    /** Metadata key: file length at creation or the last clean close. */
    public static final String META_FILE_BYTES = "freshet.chronicle.fileBytes";
    /** Metadata key: CRC32C of the whole file at the last clean close (hex); absent while never closed. */
    public static final String META_FILE_CRC = "freshet.chronicle.fileCrc";
    /** Longest header accepted (Chronicle's are ~1.6 KB). */
    static final int MAX_HEADER_BYTES = 1 << 16;
    private static final int PREFIX_BYTES = 12;
    private static final int LENGTH_MASK = 0x3FFF_FFFF;
    private static final long CRC_CHUNK_BYTES = 64L << 20;
    /** Smallest part worth a thread of its own in {@link #crc(Path, long)}. */
    private static final long MIN_PART_BYTES = 64L << 20;
    /** CRC32C's (Castagnoli) polynomial, bit-reversed. */
    private static final int CRC32C_REVERSED_POLY = 0x82F6_3B78;

    private ChronicleDataFile() {
    }

    /**
     * Reads the header length a Chronicle file declares.
     *
     * @param file the data file
     * @return 12 + the declared header length
     * @throws StoreException TRUNCATED, CORRUPT or IO
     */
    public static int headerBytes(Path file) {
        return headerBytes(file, false);
    }

    /**
     * Reads the header length, optionally accepting the flag bits Chronicle sets while its own recovery rewrites the
     * header (a writer killed during {@code recoverPersistedTo} leaves them set; running recovery again clears them).
     *
     * @param file the data file
     * @param recovering accept the in-progress flag bits
     * @return 12 + the declared header length
     */
    static int headerBytes(Path file, boolean recovering) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            long size = ch.size();
            if (size < PREFIX_BYTES) {
                throw new StoreException(Reason.TRUNCATED, file, "fileBytes=" + size + " < " + PREFIX_BYTES
                    + ": shorter than a Chronicle Map header prefix");
            }
            ByteBuffer b = ByteBuffer.allocate(PREFIX_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, b, 0);
            int word = b.getInt(8);
            if (recovering) {
                word &= LENGTH_MASK;
            }
            int len = word & LENGTH_MASK;
            if ((word & ~LENGTH_MASK) != 0 || len == 0 || len > MAX_HEADER_BYTES) {
                throw new StoreException(Reason.CORRUPT, file, "Chronicle header word=0x" + Integer.toHexString(word)
                    + " is not a complete header of 1.." + MAX_HEADER_BYTES + " bytes: damaged or not a Chronicle "
                    + "Map file");
            }
            if (size < PREFIX_BYTES + (long) len) {
                throw new StoreException(Reason.TRUNCATED, file, "fileBytes=" + size + " < headerBytes="
                    + (PREFIX_BYTES + len));
            }
            return PREFIX_BYTES + len;
        } catch (IOException e) {
            throw new StoreException(Reason.IO, file, "cannot read the Chronicle data file: " + e, e);
        }
    }

    /**
     * Clears the in-progress flag bits a kill during Chronicle's recovery left on the header (stores written before
     * recovery kept a pre-recovery copy). Chronicle reads them as another process still creating the file and
     * waits 60 s for it; the caller holds the writer lock and has checked the header against its CRC, so nobody is.
     *
     * @param file the data file
     * @return whether the flags were set
     */
    static boolean markHeaderReady(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE,
            LinkOption.NOFOLLOW_LINKS)) {
            ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, b, 8);
            int word = b.getInt(0);
            if ((word & ~LENGTH_MASK) == 0) {
                return false;
            }
            b.putInt(0, word & LENGTH_MASK);
            b.rewind();
            while (b.hasRemaining()) {
                ch.write(b, 8 + b.position());
            }
            return true;
        } catch (IOException e) {
            throw new StoreException(Reason.IO, file, "cannot write the Chronicle data file: " + e, e);
        }
    }

    /**
     * CRC32C of a file's first {@code length} bytes. A long file is split into one part per core, each part's CRC
     * computed on its own thread (the common fork-join pool plus the caller) and the parts' CRCs combined
     * ({@link #combine}), so a clean open or close of a large store scans it at the speed of every core instead of
     * one; the value is the same as a sequential CRC32C's.
     *
     * @param file the data file
     * @param length bytes from the start
     * @return CRC32C of the first {@code length} bytes
     */
    public static long crc(Path file, long length) {
        int parts = (int) Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(),
            length / MIN_PART_BYTES));
        return crc(file, length, parts);
    }

    /** {@link #crc(Path, long)} in {@code parts} parts (package-private for tests). */
    static long crc(Path file, long length, int parts) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            if (ch.size() < length) {
                throw new StoreException(Reason.TRUNCATED, file, "fileBytes=" + ch.size() + " < " + length);
            }
            if (parts <= 1) {
                return crcOf(ch, 0, length);
            }
            long part = length / parts;
            long[] crcs = IntStream.range(0, parts).parallel().mapToLong(i -> {
                long from = i * part;
                long to = i == parts - 1 ? length : from + part;
                try {
                    return crcOf(ch, from, to);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).toArray();
            long crc = crcs[0];
            for (int i = 1; i < parts; i++) {
                crc = combine(crc, crcs[i], i == parts - 1 ? length - i * part : part);
            }
            return crc;
        } catch (IOException e) {
            throw new StoreException(Reason.IO, file, "cannot read the Chronicle data file: " + e, e);
        } catch (UncheckedIOException e) {
            throw new StoreException(Reason.IO, file, "cannot read the Chronicle data file: " + e.getCause(), e);
        } catch (InternalError e) {
            // A mapped read faulted: the file shrank while we read it.
            throw new StoreException(Reason.TRUNCATED, file, "the file was truncated while being checked: " + e, e);
        }
    }

    /** CRC32C of bytes [from, to) of an open channel, mapped in chunks. */
    private static long crcOf(FileChannel ch, long from, long to) throws IOException {
        CRC32C crc = new CRC32C();
        for (long pos = from; pos < to; pos += CRC_CHUNK_BYTES) {
            // Mapped, not read: the pages are usually in the page cache already, so this is a memory scan.
            MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_ONLY, pos, Math.min(CRC_CHUNK_BYTES, to - pos));
            crc.update(m);
        }
        return crc.getValue();
    }

    /**
     * The CRC32C of the concatenation {@code A || B} from the CRC32C of {@code A}, that of {@code B} and the length
     * of {@code B}: {@code crcA} is advanced through {@code lengthB} zero bytes by repeated squaring of the CRC's
     * shift operator as a 32x32 matrix over GF(2), then xor-ed with {@code crcB} (the pre- and post-inversion of
     * CRC32C cancel out). O(log lengthB) matrix products, no pass over data.
     *
     * @param crcA CRC32C of the first part
     * @param crcB CRC32C of the second part
     * @param lengthB bytes in the second part
     * @return CRC32C of both parts in sequence
     */
    static long combine(long crcA, long crcB, long lengthB) {
        if (lengthB <= 0) {
            return crcA;
        }
        int[] even = new int[32];
        int[] odd = new int[32];
        odd[0] = CRC32C_REVERSED_POLY; // the operator for one zero bit
        int row = 1;
        for (int n = 1; n < 32; n++) {
            odd[n] = row;
            row <<= 1;
        }
        square(even, odd); // two zero bits
        square(odd, even); // four zero bits
        int crc = (int) crcA;
        long len = lengthB;
        do {
            // First squaring gives the operator for one zero byte, then two, four...
            square(even, odd);
            if ((len & 1) != 0) {
                crc = times(even, crc);
            }
            len >>>= 1;
            if (len == 0) {
                break;
            }
            square(odd, even);
            if ((len & 1) != 0) {
                crc = times(odd, crc);
            }
            len >>>= 1;
        } while (len != 0);
        return (crc ^ (int) crcB) & 0xFFFF_FFFFL;
    }

    private static int times(int[] matrix, int vector) {
        int sum = 0;
        for (int i = 0; vector != 0; i++, vector >>>= 1) {
            if ((vector & 1) != 0) {
                sum ^= matrix[i];
            }
        }
        return sum;
    }

    private static void square(int[] square, int[] matrix) {
        for (int n = 0; n < 32; n++) {
            square[n] = times(matrix, matrix[n]);
        }
    }

    /**
     * Validates a data file against the facts recorded in the meta file, so that Chronicle is never handed a file
     * it would crash on or misread.
     *
     * @param file the data file
     * @param headerCrc recorded header CRC (hex), or null when the store's creation did not finish
     * @param headerBytesText recorded header length
     * @param fileBytesText recorded file length
     * @param fileCrc recorded whole-file CRC (hex), or null when it is not to be checked
     * @throws StoreException TRUNCATED, CORRUPT or IO
     */
    public static void validate(Path file, String headerCrc, String headerBytesText, String fileBytesText,
        String fileCrc) {
        validate(file, headerCrc, headerBytesText, fileBytesText, fileCrc, false);
    }

    /**
     * Like {@link #validate(Path, String, String, String, String)}; with {@code recovering} (a writer about to run
     * Chronicle's recovery on a store killed in this boot) the header's in-progress flag bits are ignored, in the
     * check and in the header CRC, because a kill during an earlier recovery leaves them set.
     *
     * @param file the data file
     * @param headerCrc recorded header CRC (hex)
     * @param headerBytesText recorded header length
     * @param fileBytesText recorded file length
     * @param fileCrc recorded whole-file CRC, or null
     * @param recovering whether Chronicle's recovery runs next
     */
    public static void validate(Path file, String headerCrc, String headerBytesText, String fileBytesText,
        String fileCrc, boolean recovering) {
        if (headerCrc == null || headerBytesText == null || fileBytesText == null) {
            throw new StoreException(Reason.CORRUPT, file, "the meta file does not describe the Chronicle data file "
                + "(creation was interrupted?): delete the store directory to rebuild it from Kafka");
        }
        long size;
        try {
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                throw new StoreException(Reason.TRUNCATED, file, "the Chronicle data file is missing");
            }
            size = Files.size(file);
        } catch (IOException e) {
            throw new StoreException(Reason.IO, file, "cannot stat the Chronicle data file: " + e, e);
        }
        long recordedBytes = Long.parseLong(fileBytesText);
        if (size < recordedBytes) {
            throw new StoreException(Reason.TRUNCATED, file, "fileBytes=" + size + " < recorded=" + recordedBytes);
        }
        int header = headerBytes(file, recovering);
        if (header != Integer.parseInt(headerBytesText)
            || headerCrc(file, header, recovering) != Long.parseUnsignedLong(headerCrc, 16)) {
            throw new StoreException(Reason.CORRUPT, file, "Chronicle header (" + header + " bytes) does not match "
                + "the one recorded at creation (headerBytes=" + headerBytesText + "): damaged, or another store's "
                + "file; delete the store directory to rebuild it from Kafka");
        }
        if (fileCrc != null) {
            if (size != recordedBytes) {
                throw new StoreException(Reason.CORRUPT, file, "fileBytes=" + size + " != recorded=" + recordedBytes
                    + " at the last clean close");
            }
            long actual = crc(file, size);
            if (actual != Long.parseUnsignedLong(fileCrc, 16)) {
                throw new StoreException(Reason.CORRUPT, file, "CRC32C=" + Long.toHexString(actual) + " != recorded="
                    + fileCrc + " at the last clean close: the file changed while the store was closed; delete the "
                    + "store directory to rebuild it from Kafka");
            }
        }
    }

    /** CRC32C of the header; with {@code maskFlags}, as if the in-progress flag bits were clear. */
    private static long headerCrc(Path file, int header, boolean maskFlags) {
        if (!maskFlags) {
            return crc(file, header);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            ByteBuffer b = ByteBuffer.allocate(header).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, b, 0);
            b.putInt(8, b.getInt(8) & LENGTH_MASK);
            b.flip();
            CRC32C crc = new CRC32C();
            crc.update(b);
            return crc.getValue();
        } catch (IOException e) {
            throw new StoreException(Reason.IO, file, "cannot read the Chronicle data file: " + e, e);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b, pos + b.position()) < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }
}
