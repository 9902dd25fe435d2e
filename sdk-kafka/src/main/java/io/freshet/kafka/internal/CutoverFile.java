package io.freshet.kafka.internal;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * A migration's durable state: which definition is live, whether the old one is retired, and the backfill's start
 * and target offsets. Written whole to a temporary file, fsynced, renamed over the old one atomically and the
 * directory fsynced: a crash at any point leaves either the previous state or the new one, never neither.
 *
 * <p>File {@value #FILE_NAME}, Java properties (ISO-8859-1 escapes): {@code version=1}, {@code from.name},
 * {@code from.fingerprint}, {@code to.name}, {@code to.fingerprint} (hex), {@code live=old|new},
 * {@code retired=true|false}, {@code start.<partition>.<topic>} and {@code target.<partition>.<topic>} (offsets).
 *
 * <p>Threading: the migration's owner; not thread-safe.
 */
public final class CutoverFile {
    /** The state file's name in the migration's state directory. */
    public static final String FILE_NAME = "freshet-migration.properties";
    private static final String TEMP_NAME = FILE_NAME + ".tmp";

    /** The steps of a write, for a test that crashes between them. */
    public enum Step {
        /** The new state is in the temporary file, not yet forced. */
        TEMP_WRITTEN,
        /** The temporary file is on disk. */
        TEMP_SYNCED,
        /** The rename made it the state. */
        RENAMED,
        /** The directory entry is on disk. */
        DIR_SYNCED
    }

    private final Path dir;
    /** Every field of the state. */
    public String fromName;
    /** Old definition's fingerprint. */
    public long fromFingerprint;
    /** New definition's name. */
    public String toName;
    /** New definition's fingerprint. */
    public long toFingerprint;
    /** True when the new definition serves reads. */
    public boolean liveNew;
    /** True once the old definition was retired (no rollback). */
    public boolean retired;
    /** Backfill start per partition. */
    public final Map<TopicPartition, Long> start = new HashMap<>();
    /** Backfill target (live position at the first start) per partition. */
    public final Map<TopicPartition, Long> target = new HashMap<>();

    /** @param dir the state directory */
    public CutoverFile(Path dir) {
        this.dir = dir;
    }

    /** @return the state file's path */
    public Path path() {
        return dir.resolve(FILE_NAME);
    }

    /**
     * Reads the state, when there is one.
     *
     * @return true when a state file was found and read
     */
    public boolean load() {
        Path p = path();
        if (!Files.exists(p)) {
            return false;
        }
        Properties props = new Properties();
        try {
            props.load(new StringReader(Files.readString(p, StandardCharsets.ISO_8859_1)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read migration state " + p + ": " + e.getMessage(), e);
        }
        if (!"1".equals(props.getProperty("version"))) {
            throw new IllegalStateException("migration state " + p + " has version=" + props.getProperty("version")
                + ", this library reads version=1");
        }
        fromName = props.getProperty("from.name");
        fromFingerprint = Long.parseUnsignedLong(props.getProperty("from.fingerprint"), 16);
        toName = props.getProperty("to.name");
        toFingerprint = Long.parseUnsignedLong(props.getProperty("to.fingerprint"), 16);
        liveNew = "new".equals(props.getProperty("live"));
        retired = Boolean.parseBoolean(props.getProperty("retired"));
        for (String k : props.stringPropertyNames()) {
            if (k.startsWith("start.") || k.startsWith("target.")) {
                String rest = k.substring(k.indexOf('.') + 1);
                int dot = rest.indexOf('.');
                TopicPartition tp = new TopicPartition(rest.substring(dot + 1),
                    Integer.parseInt(rest.substring(0, dot)));
                (k.startsWith("start.") ? start : target).put(tp, Long.parseLong(props.getProperty(k)));
            }
        }
        return true;
    }

    /**
     * Writes the state durably.
     *
     * @param afterStep called after each step (a test hook; a no-op otherwise)
     */
    public void store(Consumer<Step> afterStep) {
        Map<String, String> m = new TreeMap<>();
        m.put("version", "1");
        m.put("from.name", fromName);
        m.put("from.fingerprint", Long.toHexString(fromFingerprint));
        m.put("to.name", toName);
        m.put("to.fingerprint", Long.toHexString(toFingerprint));
        m.put("live", liveNew ? "new" : "old");
        m.put("retired", Boolean.toString(retired));
        start.forEach((tp, o) -> m.put("start." + tp.partition() + "." + tp.topic(), Long.toString(o)));
        target.forEach((tp, o) -> m.put("target." + tp.partition() + "." + tp.topic(), Long.toString(o)));
        Properties props = new Properties();
        props.putAll(m);
        StringWriter text = new StringWriter();
        try {
            props.store(text, "Freshet migration state: which definition is live. Written atomically; do not edit.");
            Files.createDirectories(dir);
            Path temp = dir.resolve(TEMP_NAME);
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer b = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.ISO_8859_1));
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                afterStep.accept(Step.TEMP_WRITTEN);
                ch.force(true);
            }
            afterStep.accept(Step.TEMP_SYNCED);
            Files.move(temp, path(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            afterStep.accept(Step.RENAMED);
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            }
            afterStep.accept(Step.DIR_SYNCED);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write migration state " + path() + ": " + e.getMessage(), e);
        }
    }
}
