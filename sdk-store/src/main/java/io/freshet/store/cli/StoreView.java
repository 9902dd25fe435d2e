package io.freshet.store.cli;

import io.freshet.core.FeatureSet;
import io.freshet.core.KeyType;
import io.freshet.core.StoreConfig;
import io.freshet.core.StoreException;
import io.freshet.core.internal.CanonicalForms;
import io.freshet.core.internal.CoreInternals;
import io.freshet.core.spi.RowLayout;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.StoreEngine;
import io.freshet.store.StoreEngines;
import io.freshet.store.internal.MetaFile;
import io.freshet.store.internal.MetaFileDescriptor;
import io.freshet.store.internal.StoreDirectory;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A store directory opened for the tool, read-only: its checked directory, its meta file (opened without knowing the
 * set, {@link MetaFile#openForInspection}), whether a writer holds it now, and the ways to its rows: the definition
 * (recorded in the store, or a {@code --set} checked against it), the engine (by the header's engine id, through
 * {@link StoreEngines}), and a read-only open of the store through that engine. Writes nothing and creates nothing.
 */
final class StoreView implements AutoCloseable {
    final Path path;
    final StoreDirectory dir;
    final MetaFile meta;
    final boolean liveWriter;

    private StoreView(Path path, StoreDirectory dir, MetaFile meta, boolean liveWriter) {
        this.path = path;
        this.dir = dir;
        this.meta = meta;
        this.liveWriter = liveWriter;
    }

    /**
     * @param path a store directory
     * @return the view
     * @throws CliException for a missing or foreign directory; StoreException for a refused meta file
     */
    static StoreView open(Path path) {
        Path abs = path.toAbsolutePath();
        if (!Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
            throw new CliException(Main.EXIT_ERROR, abs + ": no such directory: give the directory of a store");
        }
        if (!Files.isDirectory(abs, LinkOption.NOFOLLOW_LINKS)) {
            throw new CliException(Main.EXIT_ERROR, abs + ": not a directory: give the directory of a store (the one "
                + "that holds " + MetaFileDescriptor.FILE_NAME + ")");
        }
        StoreDirectory dir = StoreDirectory.open(abs, false);
        try {
            if (!MetaFile.exists(dir)) {
                throw new CliException(Main.EXIT_ERROR, abs + ": not a Freshet store: no "
                    + MetaFileDescriptor.FILE_NAME + " here" + listing(abs));
            }
            MetaFile meta = MetaFile.openForInspection(dir);
            try {
                return new StoreView(abs, dir, meta, dir.writerAlive());
            } catch (RuntimeException e) {
                meta.close();
                throw e;
            }
        } catch (RuntimeException e) {
            dir.close();
            throw e;
        }
    }

    private static String listing(Path dir) {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                names.add(f.getFileName().toString());
                if (names.size() == 5) {
                    names.add("...");
                    break;
                }
            }
        } catch (IOException e) {
            return "";
        }
        return names.isEmpty() ? " (the directory is empty)" : " (it holds " + String.join(", ", names) + ")";
    }

    /** @return the engine's name from the header ({@code table}, {@code chronicle}) */
    String engineName() {
        String n = MetaFileDescriptor.engineName(meta.engineId());
        return n == null ? "unknown(id=" + meta.engineId() + ")" : n;
    }

    /** @return the recorded canonical form, or null when the store predates recording it */
    String recordedDefinition() {
        return meta.metadata().get(MetaFileDescriptor.DEFINITION_KEY);
    }

    /**
     * @param set a set the user named, checked against the store
     * @throws CliException when the set's fingerprint is not the store's
     */
    void checkSet(FeatureSet<?> set, String spec) {
        if (set.fingerprint() != meta.fingerprint()) {
            throw new CliException(Main.EXIT_ERROR, "--set " + spec + " (set=" + set.name() + " fingerprint=0x"
                + Long.toHexString(set.fingerprint()) + ") does not match the store (set=" + meta.setName()
                + " fingerprint=0x" + Long.toHexString(meta.fingerprint()) + "): pass the definition the store was "
                + "built with");
        }
    }

    /**
     * @param set the set named with {@code --set} (checked), or null to use the definition recorded in the store
     * @return the row layout to open the store with
     * @throws CliException when neither is available or the recorded one does not match the header
     */
    RowLayout layout(FeatureSet<?> set) {
        if (set != null) {
            return CoreInternals.layoutOf(set);
        }
        String canonical = recordedDefinition();
        if (canonical == null) {
            throw new CliException(Main.EXIT_ERROR, "the store does not record its definition (created before it "
                + "was recorded, or too large): pass --set CLASS");
        }
        RowLayout layout;
        try {
            layout = CanonicalForms.rowLayout(canonical);
        } catch (IllegalArgumentException e) {
            throw new CliException(Main.EXIT_DAMAGED, "the definition recorded in " + MetaFileDescriptor.FILE_NAME
                + " is unreadable (" + e.getMessage() + "): pass --set CLASS");
        }
        if (layout.fingerprint() != meta.fingerprint() || layout.rowSizeBytes() != meta.geometry().rowSizeBytes) {
            throw new CliException(Main.EXIT_DAMAGED, "the definition recorded in " + MetaFileDescriptor.FILE_NAME
                + " has fingerprint=0x" + Long.toHexString(layout.fingerprint()) + " != header fingerprint=0x"
                + Long.toHexString(meta.fingerprint()) + ": pass --set CLASS");
        }
        return layout;
    }

    /**
     * @param layout the store's row layout
     * @return read-only options matching the header
     */
    StoreConfig config(RowLayout layout) {
        MetaFileDescriptor.Geometry g = meta.geometry();
        StoreConfig.Builder b = CoreInternals.storeConfigBuilder(layout).directory(path).capacity(meta.capacity())
            .shards(g.shards).maxTopics(g.maxTopics).maxPartitions(g.maxPartitions).rowChecks(g.rowChecks)
            .readOnly(true);
        if (layout.keyType() == KeyType.TEXT) {
            b.maxKeyBytes(g.maxKeyBytes);
        }
        return b.build();
    }

    /**
     * @param layout the store's row layout
     * @return options matching the header, for a writer's open (the snapshot command)
     */
    StoreConfig writableConfig(RowLayout layout) {
        MetaFileDescriptor.Geometry g = meta.geometry();
        StoreConfig.Builder b = CoreInternals.storeConfigBuilder(layout).directory(path).capacity(meta.capacity())
            .shards(g.shards).maxTopics(g.maxTopics).maxPartitions(g.maxPartitions).rowChecks(g.rowChecks);
        if (layout.keyType() == KeyType.TEXT) {
            b.maxKeyBytes(g.maxKeyBytes);
        }
        return b.build();
    }

    /**
     * @return the store's engine
     * @throws CliException when the engine is unknown or its artifact is not on the class path
     */
    StoreEngine engine() {
        String name = MetaFileDescriptor.engineName(meta.engineId());
        if (name == null) {
            throw new CliException(Main.EXIT_ERROR, "engine id=" + meta.engineId() + " is unknown to this version: "
                + "use the Freshet version that wrote the store");
        }
        try {
            return StoreEngines.byName(name);
        } catch (RuntimeException | LinkageError e) {
            throw new CliException(Main.EXIT_ERROR, "engine=" + name + " is not available (" + e.getMessage()
                + "): put the engine's artifact (e.g. freshet-store-" + name + ".jar) on the class path with -cp");
        }
    }

    /**
     * Opens the store's rows read-only through its engine.
     *
     * @param layout the row layout
     * @return the open store (close it)
     * @throws StoreException as the engine refuses it
     */
    RowStore openRows(RowLayout layout) {
        StoreEngine engine = engine();
        try {
            return engine.open(config(layout));
        } catch (LinkageError e) {
            throw new CliException(Main.EXIT_ERROR, "engine=" + engine.name() + " cannot load (" + e + "): put the "
                + "engine's artifact and its dependencies on the class path with -cp");
        }
    }

    @Override
    public void close() {
        meta.close();
        dir.close();
    }
}
