package io.freshet.store.internal;

import static io.freshet.core.internal.Memory.MEMORY;
import static io.freshet.store.internal.MetaFileDescriptor.MAX_TOPIC_NAME_BYTES;
import static io.freshet.store.internal.MetaFileDescriptor.METADATA_COPY_BYTES;
import static io.freshet.store.internal.MetaFileDescriptor.METADATA_TEXT_OFFSET;
import static io.freshet.store.internal.MetaFileDescriptor.TOPIC_ENTRY_BYTES;

import io.freshet.core.StoreException;
import io.freshet.core.StoreException.Reason;
import java.nio.MappedByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The meta file's topic table and key/value metadata ({@link MetaFileDescriptor}, "TOPICS" and "METADATA"): stable
 * topic indexes for the offset table, and small facts kept beside the offsets (the Kafka cluster id and topic ids the
 * pipeline records, the engines' bindings to their data files). A topic is published by its length, written last; the
 * metadata map is rewritten whole into the older of two copies and published by that copy's generation, so a kill
 * at any instruction leaves the previous map or the new one.
 *
 * <p>Threading: synchronized (rare, never on a hot path). Allocation: per call.
 */
public final class MetadataMap {
    private final Path path;
    private final MappedByteBuffer mapped;
    private final boolean readOnly;
    /** The meta file's memory base (null for absolute addresses). */
    private final Object mem;
    private final long topicsBase;
    private final int topicsOffset;
    private final int maxTopics;
    private final long metadataBase;
    private final int metadataOffset;

    MetadataMap(Path path, MappedByteBuffer mapped, Object mem, long fileAddress, boolean readOnly,
        MetaFileDescriptor.Geometry g) {
        this.mem = mem;
        this.path = path;
        this.mapped = mapped;
        this.readOnly = readOnly;
        this.topicsBase = fileAddress + g.topicsOffset;
        this.topicsOffset = (int) g.topicsOffset;
        this.maxTopics = g.maxTopics;
        this.metadataBase = fileAddress + g.metadataOffset;
        this.metadataOffset = (int) g.metadataOffset;
    }

    private void checkWritable() {
        if (readOnly) {
            throw new IllegalStateException("meta file " + path + " is open read-only");
        }
    }

    private static int crc(byte[] b) {
        CRC32C crc = new CRC32C();
        crc.update(b);
        return (int) crc.getValue();
    }

    // ---- topics ----------------------------------------------------------------------------------------------

    private long topicAddress(int index) {
        return topicsBase + (long) index * TOPIC_ENTRY_BYTES;
    }

    private String topicAt(int index) {
        long a = topicAddress(index);
        int len = MEMORY.getIntVolatile(mem, a);
        if (len <= 0 || len > MAX_TOPIC_NAME_BYTES) {
            return null;
        }
        byte[] b = new byte[len];
        MEMORY.copyToBytes(mem, a + 8, b, 0, len);
        if (crc(b) != MEMORY.getInt(mem, a + 4)) {
            return null;
        }
        return new String(b, StandardCharsets.UTF_8);
    }

    /**
     * @param topic topic name
     * @return its stable index, registered on first use (crash-safe: the length is published last)
     */
    public synchronized int topicIndex(String topic) {
        for (int i = 0; i < maxTopics; i++) {
            String t = topicAt(i);
            if (t == null) {
                checkWritable();
                byte[] b = topic.getBytes(StandardCharsets.UTF_8);
                if (b.length == 0 || b.length > MAX_TOPIC_NAME_BYTES) {
                    throw new IllegalArgumentException("topic name of " + b.length + " bytes is outside 1.."
                        + MAX_TOPIC_NAME_BYTES);
                }
                long a = topicAddress(i);
                MEMORY.copyFromBytes(b, 0, mem, a + 8, b.length);
                MEMORY.putInt(mem, a + 4, crc(b));
                MEMORY.putIntRelease(mem, a, b.length);
                mapped.force(topicsOffset, maxTopics * TOPIC_ENTRY_BYTES);
                return i;
            }
            if (t.equals(topic)) {
                return i;
            }
        }
        throw new StoreException(Reason.CONFIG_MISMATCH, path, "the offset table holds maxTopics=" + maxTopics
            + " topics and is full; cannot add topic=" + topic + ": create the store with a larger maxTopics");
    }

    /** @return registered topics by index */
    public synchronized Map<Integer, String> topics() {
        Map<Integer, String> m = new LinkedHashMap<>();
        for (int i = 0; i < maxTopics; i++) {
            String t = topicAt(i);
            if (t != null) {
                m.put(i, t);
            }
        }
        return m;
    }

    // ---- key/value metadata ----------------------------------------------------------------------------------

    private long copyAddress(int copy) {
        return metadataBase + (long) copy * METADATA_COPY_BYTES;
    }

    private String text(int copy) {
        long a = copyAddress(copy);
        int len = MEMORY.getInt(mem, a + 8);
        if (len < 0 || len > METADATA_COPY_BYTES - METADATA_TEXT_OFFSET) {
            return null;
        }
        byte[] b = new byte[len];
        MEMORY.copyToBytes(mem, a + METADATA_TEXT_OFFSET, b, 0, len);
        return crc(b) == MEMORY.getInt(mem, a + 12) ? new String(b, StandardCharsets.UTF_8) : null;
    }

    private int currentCopy() {
        String a = text(0);
        String b = text(1);
        long ga = MEMORY.getLongVolatile(mem, copyAddress(0));
        long gb = MEMORY.getLongVolatile(mem, copyAddress(1));
        if (a == null && b == null) {
            return -1;
        }
        if (b == null) {
            return 0;
        }
        if (a == null) {
            return 1;
        }
        return ga >= gb ? 0 : 1;
    }

    /**
     * Checks each topic entry and both metadata copies against their CRC32C, without writing (tools). An entry or
     * copy never written (length or generation 0) is not damage; a metadata copy torn by a kill keeps generation 0
     * until its CRC is written.
     *
     * @return one line per damaged entry or copy
     */
    public synchronized List<String> findDamage() {
        List<String> damage = new ArrayList<>();
        for (int i = 0; i < maxTopics; i++) {
            long a = topicAddress(i);
            int len = MEMORY.getIntVolatile(mem, a);
            if (len != 0 && topicAt(i) == null) {
                damage.add("topic entry " + i + " (bytes [" + (topicsOffset + (long) i * TOPIC_ENTRY_BYTES) + ", "
                    + (topicsOffset + (long) (i + 1) * TOPIC_ENTRY_BYTES) + ") of the meta file) fails its CRC32C "
                    + "or has length=" + len);
            }
        }
        for (int c = 0; c < 2; c++) {
            if (MEMORY.getLongVolatile(mem, copyAddress(c)) != 0 && text(c) == null) {
                long from = metadataOffset + (long) c * METADATA_COPY_BYTES;
                damage.add("metadata copy " + c + " (bytes [" + from + ", " + (from + METADATA_COPY_BYTES) + ") of "
                    + "the meta file) fails its CRC32C");
            }
        }
        return damage;
    }

    /** @return every metadata entry */
    public synchronized Map<String, String> all() {
        Map<String, String> m = new LinkedHashMap<>();
        int c = currentCopy();
        if (c < 0) {
            return m;
        }
        for (String line : text(c).split("\n", -1)) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                m.put(unescape(line.substring(0, eq)), unescape(line.substring(eq + 1)));
            }
        }
        return m;
    }

    /**
     * @param key key
     * @return its value, or null
     */
    public String get(String key) {
        return all().get(key);
    }

    /**
     * Sets one metadata entry: the whole map is written into the older copy, published by its generation.
     *
     * @param key key
     * @param value value, or null to remove
     */
    public synchronized void put(String key, String value) {
        Map<String, String> one = new LinkedHashMap<>();
        one.put(key, value);
        putAll(one);
    }

    /**
     * Sets several metadata entries at once: one publication, so a kill leaves all of them or none.
     *
     * @param entries keys and values (a null value removes its key)
     */
    public synchronized void putAll(Map<String, String> entries) {
        checkWritable();
        Map<String, String> m = all();
        for (Map.Entry<String, String> e : entries.entrySet()) {
            if (e.getValue() == null) {
                m.remove(e.getKey());
            } else {
                m.put(e.getKey(), e.getValue());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : m.entrySet()) {
            sb.append(escape(e.getKey())).append('=').append(escape(e.getValue())).append('\n');
        }
        byte[] b = sb.toString().getBytes(StandardCharsets.UTF_8);
        if (b.length > METADATA_COPY_BYTES - METADATA_TEXT_OFFSET) {
            throw new IllegalArgumentException("metadata of " + b.length + " bytes exceeds "
                + (METADATA_COPY_BYTES - METADATA_TEXT_OFFSET));
        }
        int cur = currentCopy();
        int target = cur == 0 ? 1 : 0;
        long gen = cur < 0 ? 1 : MEMORY.getLong(mem, copyAddress(cur)) + 1;
        long a = copyAddress(target);
        MEMORY.putLong(mem, a, 0);
        MEMORY.putInt(mem, a + 8, b.length);
        MEMORY.copyFromBytes(b, 0, mem, a + METADATA_TEXT_OFFSET, b.length);
        MEMORY.putInt(mem, a + 12, crc(b));
        MEMORY.putLongRelease(mem, a, gen);
        mapped.force(metadataOffset, 2 * METADATA_COPY_BYTES);
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\n", "\\n").replace("=", "\\e");
    }

    private static String unescape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                sb.append(n == 'n' ? '\n' : n == 'e' ? '=' : n);
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
