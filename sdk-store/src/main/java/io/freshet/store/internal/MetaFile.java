package io.freshet.store.internal;

import static io.freshet.core.internal.Memory.MEMORY;
import static io.freshet.store.internal.MetaFileDescriptor.DEFINITION_KEY;
import static io.freshet.store.internal.MetaFileDescriptor.FILE_NAME;
import static io.freshet.store.internal.MetaFileDescriptor.FORMAT_VERSION;
import static io.freshet.store.internal.MetaFileDescriptor.HEADER_BYTES;
import static io.freshet.store.internal.MetaFileDescriptor.H_CAPACITY;
import static io.freshet.store.internal.MetaFileDescriptor.H_CREATED_MS;
import static io.freshet.store.internal.MetaFileDescriptor.H_OPTIONS;
import static io.freshet.store.internal.MetaFileDescriptor.OPTION_ROW_CHECKS;
import static io.freshet.store.internal.MetaFileDescriptor.H_ENGINE;
import static io.freshet.store.internal.MetaFileDescriptor.H_FILE_BYTES;
import static io.freshet.store.internal.MetaFileDescriptor.H_FINGERPRINT;
import static io.freshet.store.internal.MetaFileDescriptor.H_HEADER_BYTES;
import static io.freshet.store.internal.MetaFileDescriptor.H_KEY_TYPE;
import static io.freshet.store.internal.MetaFileDescriptor.H_LIFECYCLE;
import static io.freshet.store.internal.MetaFileDescriptor.H_MAGIC;
import static io.freshet.store.internal.MetaFileDescriptor.H_MAX_KEY_BYTES;
import static io.freshet.store.internal.MetaFileDescriptor.H_MAX_PARTITIONS;
import static io.freshet.store.internal.MetaFileDescriptor.H_MAX_TOPICS;
import static io.freshet.store.internal.MetaFileDescriptor.H_ROW_BYTES;
import static io.freshet.store.internal.MetaFileDescriptor.H_SET_NAME;
import static io.freshet.store.internal.MetaFileDescriptor.H_SHARDS;
import static io.freshet.store.internal.MetaFileDescriptor.H_STATIC_CRC;
import static io.freshet.store.internal.MetaFileDescriptor.H_UNDO_SLOT_BYTES;
import static io.freshet.store.internal.MetaFileDescriptor.H_VERSION;
import static io.freshet.store.internal.MetaFileDescriptor.LIFECYCLE_BYTES;
import static io.freshet.store.internal.MetaFileDescriptor.L_BODY_CRC;
import static io.freshet.store.internal.MetaFileDescriptor.L_BOOT_ID;
import static io.freshet.store.internal.MetaFileDescriptor.L_CRC;
import static io.freshet.store.internal.MetaFileDescriptor.L_LAST_CLOSE_MS;
import static io.freshet.store.internal.MetaFileDescriptor.L_LAST_OPEN_MS;
import static io.freshet.store.internal.MetaFileDescriptor.L_OPEN_GENERATION;
import static io.freshet.store.internal.MetaFileDescriptor.L_SEQUENCE;
import static io.freshet.store.internal.MetaFileDescriptor.L_STATE;
import static io.freshet.store.internal.MetaFileDescriptor.MAGIC;
import static io.freshet.store.internal.MetaFileDescriptor.MAX_DEFINITION_BYTES;
import static io.freshet.store.internal.MetaFileDescriptor.SET_NAME_BYTES;
import static io.freshet.store.internal.MetaFileDescriptor.STATE_CLEAN;
import static io.freshet.store.internal.MetaFileDescriptor.STATE_OPEN;

import io.freshet.core.StoreConfig;
import io.freshet.core.StoreException;
import io.freshet.core.StoreException.Reason;
import io.freshet.core.internal.MappedMemory;
import io.freshet.store.internal.MetaFileDescriptor.Geometry;
import io.freshet.store.internal.table.TableFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The store's meta file as a file: creation (under a temporary name, renamed into place, so that a crash during
 * creation leaves no half-made store), header validation before anything is mapped (length first, so a truncated
 * file never faults), the mapping, and the lifecycle state (CLEAN/OPEN, open generation, boot id, body checksum).
 * Every engine keeps its rows elsewhere and this file beside them, so that the crash protocol (DESIGN.md, "Crash
 * safety without replaying Kafka") is written once. The layout is {@link MetaFileDescriptor}; the sections are
 * {@link #undo()}, {@link #offsets()} and {@link #metadata()}.
 *
 * <p>Internal: not part of the public API. Lifecycle calls come from the opener and from {@code close}; the
 * sections say their own threading. Dynamic header fields are written with ordered stores.
 */
public final class MetaFile implements AutoCloseable {
    private final Path path;
    private final Geometry g;
    private final boolean readOnly;
    private final FileChannel channel;
    private final MappedByteBuffer mapped;
    /** The mapping as the memory access sees it: a segment view of {@link #mapped}, or its absolute address. */
    private final MappedMemory mem;
    private final long base;
    private final long previousState;
    private final long previousBootId;
    /** The current lifecycle copy's values; written only by the lifecycle calls (one thread). */
    private long sequence;
    private long openGeneration;
    private long bootId;
    private long lastOpenMs;
    private long lastCloseMs;
    private final String setName;
    /** A copy of the header as read at open (the written-once fields never change). */
    private final ByteBuffer header;
    private final int lifecycleCopy;
    private final UndoSlots undo;
    private final OffsetTable offsets;
    private final MetadataMap metadata;

    private MetaFile(Path path, Geometry g, boolean readOnly, FileChannel channel, MappedByteBuffer mapped,
        ByteBuffer header, int lifecycle, int engineId) {
        this.path = path;
        this.g = g;
        this.readOnly = readOnly;
        this.channel = channel;
        this.mapped = mapped;
        // Engines other than the table engine (Chronicle Map) read undo images by absolute address with their own
        // Unsafe, so their meta file keeps one; the table engine's goes through whichever memory the JVM selected.
        this.mem = engineId == TableFormat.ENGINE_ID ? MEMORY.wrap(mapped) : MEMORY.wrapAbsolute(mapped);
        this.base = mem.address();
        this.sequence = header.getLong(lifecycle + L_SEQUENCE);
        this.previousState = header.getLong(lifecycle + L_STATE);
        this.openGeneration = header.getLong(lifecycle + L_OPEN_GENERATION);
        this.bootId = header.getLong(lifecycle + L_BOOT_ID);
        this.previousBootId = bootId;
        this.lastOpenMs = header.getLong(lifecycle + L_LAST_OPEN_MS);
        this.lastCloseMs = header.getLong(lifecycle + L_LAST_CLOSE_MS);
        this.header = header.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        this.lifecycleCopy = lifecycle;
        byte[] name = new byte[SET_NAME_BYTES];
        for (int i = 0; i < SET_NAME_BYTES; i++) {
            name[i] = MEMORY.getByte(mem.base(), base + H_SET_NAME + i);
        }
        int len = 0;
        while (len < SET_NAME_BYTES && name[len] != 0) {
            len++;
        }
        this.setName = new String(name, 0, len, StandardCharsets.UTF_8);
        this.undo = new UndoSlots(path, mem.base(), base, g);
        this.offsets = new OffsetTable(path, mem.base(), base, g);
        this.metadata = new MetadataMap(path, mapped, mem.base(), base, readOnly, g);
    }

    /**
     * Creates a new meta file atomically: written whole under a temporary name (header, offsets, the given metadata,
     * and a lifecycle that says OPEN by this process, generation 1), forced, then renamed into place. So a meta file
     * that exists is complete and says a writer has opened it: there is no "created, never opened" state for a kill
     * to leave behind, and an open generation of 0 is never valid.
     *
     * @param dir checked store directory
     * @param config options
     * @param engineId the engine's id
     * @param initialMetadata key/value metadata the new file holds from the start (e.g. the data file's facts)
     * @return the open meta file (writable), OPEN
     */
    public static MetaFile create(StoreDirectory dir, StoreConfig config, int engineId,
        Map<String, String> initialMetadata) {
        Geometry g = Geometry.of(config);
        Path tmp = dir.createFile(FILE_NAME + StoreDirectory.TMP_SUFFIX);
        ByteBuffer h = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        h.putLong(H_MAGIC, MAGIC);
        h.putInt(H_VERSION, FORMAT_VERSION);
        h.putInt(H_HEADER_BYTES, HEADER_BYTES);
        h.putInt(H_ENGINE, engineId);
        h.putInt(H_KEY_TYPE, config.layout().keyType().ordinal());
        h.putLong(H_FINGERPRINT, config.layout().fingerprint());
        h.putInt(H_ROW_BYTES, g.rowSizeBytes);
        h.putInt(H_SHARDS, g.shards);
        h.putLong(H_CAPACITY, config.capacity());
        h.putInt(H_MAX_KEY_BYTES, g.maxKeyBytes);
        h.putInt(H_MAX_TOPICS, g.maxTopics);
        h.putInt(H_MAX_PARTITIONS, g.maxPartitions);
        h.putInt(H_UNDO_SLOT_BYTES, g.undoSlotBytes);
        h.putLong(H_FILE_BYTES, g.fileBytes);
        byte[] name = config.layout().setName().getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < Math.min(SET_NAME_BYTES, name.length); i++) {
            h.put(H_SET_NAME + i, name[i]);
        }
        h.putLong(H_CREATED_MS, System.currentTimeMillis());
        h.putInt(H_OPTIONS, g.rowChecks ? OPTION_ROW_CHECKS : 0);
        h.putLong(H_STATIC_CRC, staticCrc(h));
        int first = H_LIFECYCLE + LIFECYCLE_BYTES;
        h.putLong(first + L_SEQUENCE, 1);
        h.putLong(first + L_STATE, STATE_OPEN);
        h.putLong(first + L_OPEN_GENERATION, 1);
        h.putLong(first + L_BOOT_ID, BootId.current());
        h.putLong(first + L_LAST_OPEN_MS, System.currentTimeMillis());
        h.putLong(first + L_CRC, lifecycleCrc(h, first));
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.READ, StandardOpenOption.WRITE,
            LinkOption.NOFOLLOW_LINKS)) {
            ch.write(h, 0);
            ch.truncate(g.fileBytes);
            if (ch.size() < g.fileBytes) {
                ch.write(ByteBuffer.allocate(1), g.fileBytes - 1);
            }
            MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_WRITE, 0, g.fileBytes);
            MetaFile f = new MetaFile(tmp, g, false, ch, m, h.clear(), first, engineId);
            f.offsets.clear();
            String canonical = config.layout().canonicalForm();
            if (canonical.getBytes(StandardCharsets.UTF_8).length <= MAX_DEFINITION_BYTES) {
                f.metadata.put(DEFINITION_KEY, canonical);
            }
            for (Map.Entry<String, String> e : initialMetadata.entrySet()) {
                f.metadata.put(e.getKey(), e.getValue());
            }
            m.force();
            ch.force(true);
        } catch (IOException e) {
            throw new StoreException(Reason.IO, tmp, "cannot write a new meta file: " + e, e);
        }
        Path target = dir.file(FILE_NAME);
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new StoreException(Reason.IO, target, "cannot move the new meta file into place: " + e, e);
        }
        return open(dir, config, engineId, false);
    }

    /** CRC32C of a lifecycle copy's bytes before its own CRC. */
    private static long lifecycleCrc(ByteBuffer header, int copy) {
        CRC32C crc = new CRC32C();
        ByteBuffer b = header.duplicate();
        b.position(copy).limit(copy + L_CRC);
        crc.update(b);
        return crc.getValue();
    }

    /**
     * @return the offset of the current lifecycle copy: the valid one (its CRC matches) with the higher sequence
     * @throws StoreException CORRUPT when neither copy is valid, or the current one holds an impossible value
     */
    private static int currentLifecycle(Path p, ByteBuffer h) {
        int current = -1;
        for (int copy = H_LIFECYCLE; copy < H_LIFECYCLE + 2 * LIFECYCLE_BYTES; copy += LIFECYCLE_BYTES) {
            if (h.getLong(copy + L_CRC) == lifecycleCrc(h, copy)
                && (current < 0 || h.getLong(copy + L_SEQUENCE) > h.getLong(current + L_SEQUENCE))) {
                current = copy;
            }
        }
        if (current < 0) {
            throw new StoreException(Reason.CORRUPT, p, "lifecycle (state, openGeneration, bootId, bodyCrc) damaged "
                + "in both copies: delete the store directory to rebuild it from Kafka");
        }
        long state = h.getLong(current + L_STATE);
        if (state != STATE_CLEAN && state != STATE_OPEN) {
            throw new StoreException(Reason.CORRUPT, p, "lifecycle state=" + state + " is neither CLEAN nor OPEN");
        }
        if (h.getLong(current + L_OPEN_GENERATION) <= 0) {
            throw new StoreException(Reason.CORRUPT, p, "lifecycle openGeneration="
                + h.getLong(current + L_OPEN_GENERATION) + " < 1");
        }
        return current;
    }

    private static long staticCrc(ByteBuffer header) {
        CRC32C crc = new CRC32C();
        ByteBuffer b = header.duplicate();
        b.position(0).limit(H_STATIC_CRC);
        crc.update(b);
        return crc.getValue();
    }

    /**
     * @param dir store directory
     * @return whether a meta file exists there
     */
    public static boolean exists(StoreDirectory dir) {
        return Files.exists(dir.file(FILE_NAME), LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Validates the header of an existing meta file against the config, then maps it.
     *
     * @param dir store directory
     * @param config options the store must match
     * @param engineId the engine expected
     * @param readOnly map read-only
     * @return the open meta file
     * @throws StoreException TRUNCATED, FOREIGN, CORRUPT, NEWER_FORMAT, FINGERPRINT_MISMATCH, CONFIG_MISMATCH, IO
     */
    public static MetaFile open(StoreDirectory dir, StoreConfig config, int engineId, boolean readOnly) {
        Path p = dir.file(FILE_NAME);
        Geometry g = Geometry.of(config);
        FileChannel ch = null;
        try {
            ch = StoreFiles.open(p, readOnly);
            long size = ch.size();
            ByteBuffer h = StoreFiles.readHeader(ch, p, HEADER_BYTES);
            h.flip();
            validateHeader(p, h, config, g, engineId, size);
            int lifecycle = currentLifecycle(p, h);
            if (h.getLong(lifecycle + L_STATE) == STATE_CLEAN && h.getLong(lifecycle + L_BODY_CRC) != bodyCrc(ch, g)) {
                throw new StoreException(Reason.CORRUPT, p, "bodyCrc mismatch after a clean close: undo slots, "
                    + "offsets, topics or metadata are damaged; delete the store directory to rebuild it from Kafka");
            }
            MappedByteBuffer m = ch.map(readOnly ? FileChannel.MapMode.READ_ONLY : FileChannel.MapMode.READ_WRITE, 0,
                g.fileBytes);
            MetaFile f = new MetaFile(p, g, readOnly, ch, m, h, lifecycle, engineId);
            ch = null;
            return f;
        } catch (IOException e) {
            throw new StoreException(Reason.IO, p, "cannot read the meta file: " + e, e);
        } finally {
            StoreFiles.closeQuietly(ch);
        }
    }

    /**
     * Opens an existing meta file read-only without knowing its set or options, for tools: checks the magic, format
     * version, static checksum and length, derives the geometry from the header's own fields, picks the current
     * lifecycle copy, and maps the file read-only. Writes nothing. Unlike {@link #open} it does not check the body
     * checksum of a clean store: {@link #findDamage()} reports that, with every other section's check.
     *
     * @param dir store directory
     * @return the meta file, read-only
     * @throws StoreException TRUNCATED, FOREIGN, CORRUPT, NEWER_FORMAT, OLDER_FORMAT, IO
     */
    public static MetaFile openForInspection(StoreDirectory dir) {
        Path p = dir.file(FILE_NAME);
        FileChannel ch = null;
        try {
            ch = StoreFiles.open(p, true);
            long size = ch.size();
            ByteBuffer h = StoreFiles.readHeader(ch, p, HEADER_BYTES);
            h.flip();
            validateFormat(p, h);
            int rowBytes = h.getInt(H_ROW_BYTES);
            int shards = h.getInt(H_SHARDS);
            int maxKeyBytes = h.getInt(H_MAX_KEY_BYTES);
            int maxTopics = h.getInt(H_MAX_TOPICS);
            int maxPartitions = h.getInt(H_MAX_PARTITIONS);
            if (rowBytes < 8 || rowBytes > 1 << 20 || shards < 1 || shards > 256 || maxKeyBytes < 0
                || maxKeyBytes > StoreConfig.MAX_KEY_BYTES || maxTopics < 1 || maxTopics > 64 || maxPartitions < 1
                || maxPartitions > 4096) {
                throw new StoreException(Reason.CORRUPT, p, "header fields out of range (rowSizeBytes=" + rowBytes
                    + " shards=" + shards + " maxKeyBytes=" + maxKeyBytes + " maxTopics=" + maxTopics
                    + " maxPartitions=" + maxPartitions + ") under a valid checksum: written by incompatible code");
            }
            Geometry g = new Geometry(rowBytes, shards, maxKeyBytes, maxTopics, maxPartitions,
                (h.getInt(H_OPTIONS) & OPTION_ROW_CHECKS) != 0);
            mismatch(p, "undoSlotBytes", h.getInt(H_UNDO_SLOT_BYTES), g.undoSlotBytes);
            checkLength(p, h, g, size);
            int lifecycle = currentLifecycle(p, h);
            MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_ONLY, 0, g.fileBytes);
            MetaFile f = new MetaFile(p, g, true, ch, m, h, lifecycle, h.getInt(H_ENGINE));
            ch = null;
            return f;
        } catch (java.nio.file.NoSuchFileException e) {
            throw new StoreException(Reason.IO, p, "no meta file: not a Freshet store directory", e);
        } catch (IOException e) {
            throw new StoreException(Reason.IO, p, "cannot read the meta file: " + e, e);
        } finally {
            StoreFiles.closeQuietly(ch);
        }
    }

    /**
     * Checks every checksum of the file without changing a byte (tools): both lifecycle copies, the body checksum
     * of a clean store, each undo slot, each applied offset (an entry torn by a kill, which its shard's undo slot
     * names, is not damage), each topic entry and both metadata copies.
     *
     * @param liveWriter whether a writer has the store open now: then undo slots and offsets change under the check
     *     and are not checked (a clean store's body checksum does not apply either)
     * @return one line per damaged part, naming it; empty when intact
     */
    public List<String> findDamage(boolean liveWriter) {
        List<String> damage = new ArrayList<>();
        for (int copy = 0; copy < 2; copy++) {
            int at = H_LIFECYCLE + copy * LIFECYCLE_BYTES;
            if (header.getLong(at + L_CRC) != lifecycleCrc(header, at) && !allZero(at, LIFECYCLE_BYTES)) {
                damage.add("lifecycle copy " + copy + " (bytes [" + at + ", " + (at + LIFECYCLE_BYTES) + ") of "
                    + FILE_NAME + ") fails its CRC32C (a kill during an open can tear the copy not in use; "
                    + (at == lifecycleCopy ? "this one is in use" : "the other copy is in use") + ")");
            }
        }
        if (!liveWriter && previousState == STATE_CLEAN) {
            ByteBuffer body = mapped.duplicate();
            body.position(HEADER_BYTES).limit((int) g.fileBytes);
            CRC32C crc = new CRC32C();
            crc.update(body);
            if (crc.getValue() != header.getLong(lifecycleCopy + L_BODY_CRC)) {
                damage.add("body of " + FILE_NAME + " (undo slots, offsets, topics, metadata: bytes [" + HEADER_BYTES
                    + ", " + g.fileBytes + ")) fails the bodyCrc written at the last clean close");
            }
        }
        if (!liveWriter) {
            for (int shard = 0; shard < g.shards; shard++) {
                try {
                    undo.verify(shard);
                    offsets.check(shard, undo);
                } catch (StoreException e) {
                    damage.add(detail(e));
                }
            }
        }
        damage.addAll(metadata.findDamage());
        return damage;
    }

    private boolean allZero(int at, int bytes) {
        for (int i = at; i < at + bytes; i++) {
            if (header.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    /** @return a store exception's message without its reason and path prefix */
    private static String detail(StoreException e) {
        String m = e.getMessage();
        int colon = m.indexOf(": ");
        return colon < 0 ? m : m.substring(colon + 2);
    }

    /** @return the format version the header records */
    public int formatVersion() {
        return header.getInt(H_VERSION);
    }

    /** @return the engine id the header records ({@link MetaFileDescriptor#engineName}) */
    public int engineId() {
        return header.getInt(H_ENGINE);
    }

    /** @return the key type's ordinal the header records (0 LONG, 1 TEXT) */
    public int keyTypeOrdinal() {
        return header.getInt(H_KEY_TYPE);
    }

    /** @return the definition fingerprint the header records */
    public long fingerprint() {
        return header.getLong(H_FINGERPRINT);
    }

    /** @return the capacity (rows) the header records */
    public long capacity() {
        return header.getLong(H_CAPACITY);
    }

    /** @return the creation time, epoch ms */
    public long createdMs() {
        return header.getLong(H_CREATED_MS);
    }

    /** @return the boot id digest of the current lifecycle copy (the last writer's boot) */
    public long bootId() {
        return header.getLong(lifecycleCopy + L_BOOT_ID);
    }

    /** @return the last writer's open time, epoch ms (current lifecycle copy) */
    public long lastOpenMs() {
        return header.getLong(lifecycleCopy + L_LAST_OPEN_MS);
    }

    /** @return the last clean close, epoch ms (current lifecycle copy), 0 when none */
    public long lastCloseMs() {
        return header.getLong(lifecycleCopy + L_LAST_CLOSE_MS);
    }

    private static long bodyCrc(FileChannel ch, Geometry g) throws IOException {
        CRC32C crc = new CRC32C();
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        for (long pos = HEADER_BYTES; pos < g.fileBytes;) {
            buf.clear();
            buf.limit((int) Math.min(buf.capacity(), g.fileBytes - pos));
            int n = ch.read(buf, pos);
            if (n <= 0) {
                break;
            }
            buf.flip();
            crc.update(buf);
            pos += n;
        }
        return crc.getValue();
    }

    private static void validateHeader(Path p, ByteBuffer h, StoreConfig c, Geometry g, int engineId, long size) {
        validateFormat(p, h);
        long fp = h.getLong(H_FINGERPRINT);
        if (fp != c.layout().fingerprint()) {
            throw new StoreException(Reason.FINGERPRINT_MISMATCH, p, "store fingerprint=0x" + Long.toHexString(fp)
                + " != set=" + c.layout().setName() + " fingerprint=0x" + Long.toHexString(c.layout().fingerprint())
                + ": the store was built by another definition; use a new directory or delete this one to rebuild");
        }
        mismatch(p, "engine", h.getInt(H_ENGINE), engineId);
        mismatch(p, "keyType", h.getInt(H_KEY_TYPE), c.layout().keyType().ordinal());
        mismatch(p, "rowSizeBytes", h.getInt(H_ROW_BYTES), g.rowSizeBytes);
        mismatch(p, "shards", h.getInt(H_SHARDS), g.shards);
        mismatch(p, "capacity", h.getLong(H_CAPACITY), c.capacity());
        mismatch(p, "maxKeyBytes", h.getInt(H_MAX_KEY_BYTES), g.maxKeyBytes);
        mismatch(p, "maxTopics", h.getInt(H_MAX_TOPICS), g.maxTopics);
        mismatch(p, "maxPartitions", h.getInt(H_MAX_PARTITIONS), g.maxPartitions);
        boolean storedRowChecks = (h.getInt(H_OPTIONS) & OPTION_ROW_CHECKS) != 0;
        if (storedRowChecks != g.rowChecks) {
            throw new StoreException(Reason.CONFIG_MISMATCH, p, "stored rowChecks=" + storedRowChecks
                + " != configured rowChecks=" + g.rowChecks + ": the option is fixed when a store is created; open "
                + "with StoreConfig.Builder.rowChecks(" + storedRowChecks + "), or delete the store directory to "
                + "rebuild it from Kafka with the new setting");
        }
        mismatch(p, "undoSlotBytes", h.getInt(H_UNDO_SLOT_BYTES), g.undoSlotBytes);
        checkLength(p, h, g, size);
    }

    private static void checkLength(Path p, ByteBuffer h, Geometry g, long size) {
        long declared = h.getLong(H_FILE_BYTES);
        mismatch(p, "fileBytes(declared)", declared, g.fileBytes);
        if (size < declared) {
            throw new StoreException(Reason.TRUNCATED, p, "fileBytes=" + size + " < declared=" + declared);
        }
        if (size > declared) {
            throw new StoreException(Reason.CORRUPT, p, "fileBytes=" + size + " > declared=" + declared);
        }
    }

    /** Magic, format version and the static checksum: what every open checks before any field is believed. */
    private static void validateFormat(Path p, ByteBuffer h) {
        long magic = h.getLong(H_MAGIC);
        if (magic != MAGIC) {
            throw new StoreException(Reason.FOREIGN, p, "magic=0x" + Long.toHexString(magic) + " != 0x"
                + Long.toHexString(MAGIC) + ": not a Freshet store file");
        }
        int version = h.getInt(H_VERSION);
        if (version > FORMAT_VERSION) {
            throw new StoreException(Reason.NEWER_FORMAT, p, "formatVersion=" + version + " > supported="
                + FORMAT_VERSION + ": written by a newer Freshet; upgrade, or rebuild the store");
        }
        long crc = h.getLong(H_STATIC_CRC);
        if (crc == staticCrc(h) && version >= 1 && version < FORMAT_VERSION) {
            throw new StoreException(Reason.OLDER_FORMAT, p, "formatVersion=" + version + " < supported="
                + FORMAT_VERSION + ": its lifecycle and offsets carry no checksums; delete the store directory to "
                + "rebuild it from Kafka");
        }
        if (crc != staticCrc(h) || version < 1 || h.getInt(H_HEADER_BYTES) != HEADER_BYTES) {
            throw new StoreException(Reason.CORRUPT, p, "header checksum mismatch: the header is damaged; delete the "
                + "store directory to rebuild it from Kafka");
        }
    }

    private static void mismatch(Path p, String what, long stored, long expected) {
        if (stored != expected) {
            throw new StoreException(Reason.CONFIG_MISMATCH, p, "stored " + what + "=" + stored + " != configured "
                + what + "=" + expected + ": open with the options the store was created with, or use a new directory");
        }
    }

    /** @return the file */
    public Path path() {
        return path;
    }

    /** @return the geometry */
    public Geometry geometry() {
        return g;
    }

    /** @return the set name stored in the header */
    public String setName() {
        return setName;
    }

    /** @return the undo slots */
    public UndoSlots undo() {
        return undo;
    }

    /** @return the applied offsets */
    public OffsetTable offsets() {
        return offsets;
    }

    /** @return the topic table and key/value metadata */
    public MetadataMap metadata() {
        return metadata;
    }

    /** @return whether the last writer closed the store cleanly (state as found at open) */
    public boolean wasClean() {
        return previousState == STATE_CLEAN;
    }

    /** @return whether the last unclean writer ran in this OS boot (so its page-cache writes all survived) */
    public boolean lastWriterInThisBoot() {
        return previousBootId == BootId.current();
    }

    /** @return the open generation (incremented by each writer) */
    public long openGeneration() {
        return openGeneration;
    }

    /** Marks the store OPEN by this writer, in this boot, and forces the header to disk. */
    public void markOpen() {
        checkWritable();
        openGeneration++;
        bootId = BootId.current();
        lastOpenMs = System.currentTimeMillis();
        writeLifecycle(STATE_OPEN, 0);
    }

    /** Forces every section to disk, then marks the store CLEAN (with the body's checksum) and forces the header. */
    public void markClean() {
        checkWritable();
        mapped.force();
        ByteBuffer body = mapped.duplicate();
        body.position(HEADER_BYTES).limit((int) g.fileBytes);
        CRC32C crc = new CRC32C();
        crc.update(body);
        lastCloseMs = System.currentTimeMillis();
        writeLifecycle(STATE_CLEAN, crc.getValue());
    }

    /**
     * Writes the next lifecycle step into the copy that is not current, CRC last, then forces the header: until the
     * CRC is written the copy is invalid and the current one stays current, so a kill anywhere in here leaves the
     * previous step in force.
     */
    private void writeLifecycle(long state, long bodyCrc) {
        sequence++;
        int copy = H_LIFECYCLE + (int) (sequence & 1) * LIFECYCLE_BYTES;
        ByteBuffer h = mapped.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        h.putLong(copy + L_SEQUENCE, sequence);
        h.putLong(copy + L_STATE, state);
        h.putLong(copy + L_OPEN_GENERATION, openGeneration);
        h.putLong(copy + L_BOOT_ID, bootId);
        h.putLong(copy + L_LAST_OPEN_MS, lastOpenMs);
        h.putLong(copy + L_LAST_CLOSE_MS, lastCloseMs);
        h.putLong(copy + L_BODY_CRC, bodyCrc);
        h.putLong(copy + L_CRC, lifecycleCrc(h, copy));
        mapped.force(0, HEADER_BYTES);
    }

    /**
     * Checks what a killed writer left, before anything else of the store is touched: every undo slot (state and
     * check) and every applied offset against its check, writing the one check a kill may have left unwritten
     * ({@link OffsetTable}). Writer opens only.
     *
     * @throws StoreException CORRUPT naming the shard (and topic index and partition) of a damaged slot or offset
     */
    public void checkAfterKill() {
        checkWritable();
        for (int shard = 0; shard < g.shards; shard++) {
            undo.verify(shard);
            offsets.verify(shard, undo);
        }
    }

    /** Forces the whole file to disk (a checkpoint). */
    public void force() {
        if (!readOnly) {
            mapped.force();
        }
    }

    private void checkWritable() {
        if (readOnly) {
            throw new IllegalStateException("meta file " + path + " is open read-only");
        }
    }

    /** Closes the channel; the mapping is released by the GC (unmapping under a reader would crash the JVM). */
    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing to recover: the mapping stays valid until collected.
        }
    }
}
