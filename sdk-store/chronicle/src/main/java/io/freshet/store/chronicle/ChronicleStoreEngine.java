package io.freshet.store.chronicle;

import io.freshet.core.KeyType;
import io.freshet.core.StoreConfig;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.StoreEngine;
import io.freshet.core.spi.StoreFootprint;
import io.freshet.store.chronicle.internal.ChronicleGate;
import io.freshet.store.chronicle.internal.ChronicleOpener;
import io.freshet.store.chronicle.internal.ChronicleRowStore;
import io.freshet.store.internal.MetaFileDescriptor;
import io.freshet.store.internal.StoreDirectory;
import java.util.Objects;

/**
 * The store engine on Chronicle Map ({@code net.openhft:chronicle-map}): rows in a persisted Chronicle Map, updated
 * in place under its segment locks, with Freshet's meta file (undo slots, offsets) beside it. Name:
 * {@value #NAME}.
 *
 * <p>Requirements: the JVM flags {@code --add-opens=java.base/java.lang=ALL-UNNAMED
 * --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-exports=java.base/sun.nio.ch=ALL-UNNAMED
 * --add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED} (plus, optionally,
 * {@code --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED} to silence a warning) and the {@code jdk.compiler}
 * module; {@link #open} checks them before any Chronicle class loads and fails with
 * {@code StoreException.Reason.MISSING_JVM_FLAGS} listing exactly the missing ones. Opening a store switches off
 * Chronicle's analytics and banner before Chronicle loads (see {@code ChronicleGate}).
 *
 * <p>Keys: numeric, or text of at most {@link StoreConfig#maxKeyBytes()} UTF-8 bytes (at most
 * {@value StoreConfig#MAX_KEY_BYTES}). Opening the first store of a fresh JVM costs ~0.4 s whatever its size
 * (Chronicle's own start: native libraries, its header); without Freshet's pre-built class
 * ({@code ChroniclePrebuilt}, switched off by {@code -Dfreshet.chronicle.prebuilt=false} or when the Chronicle version
 * differs from the one it was built for) Chronicle Values also generates the native class of the map's global state
 * ({@code VanillaGlobalMutableState$$Native}) and compiles it with javac, ~0.6-2 s more. Later opens take
 * milliseconds plus, after a clean close, one CRC pass over the data file split over the cores (~0.12 s for 10M keys,
 * 1.7 GB, on tmpfs with 2 cores); after a kill, Chronicle's recovery scans the whole file (~12 s for 10M keys).
 *
 * <p>Found by {@code io.freshet.store.StoreEngines.chronicle()} (and {@code byName("chronicle")}) through
 * {@link java.util.ServiceLoader}: this artifact registers the class as a {@link StoreEngine} provider
 * ({@code META-INF/services/io.freshet.core.spi.StoreEngine}); {@code new ChronicleStoreEngine()} is the same engine.
 *
 * <p>Stateless and thread-safe; this class references no Chronicle type, so loading it loads none.
 */
public final class ChronicleStoreEngine implements StoreEngine {
    /** The engine's name. */
    public static final String NAME = "chronicle";

    /** Creates the engine (stateless). */
    public ChronicleStoreEngine() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public RowStore open(StoreConfig config) {
        Objects.requireNonNull(config, "config can't be null");
        ChronicleGate.requireReady();
        return ChronicleOpener.open(config);
    }

    /**
     * The Chronicle store's footprint before it exists: the data file as Chronicle Map lays it out for
     * {@code config} (measured by building the same map in memory: nothing is written to disk), plus the meta file;
     * both are mapped whole. The heap figure is Freshet's own buffers per writer (key and blank row); Chronicle's
     * per-thread contexts come on top. Needs the JVM flags of {@link #open}.
     *
     * @param config the options a store would be created with
     * @return the footprint
     * @throws io.freshet.core.StoreException MISSING_JVM_FLAGS without the flags Chronicle needs
     */
    @Override
    public StoreFootprint footprint(StoreConfig config) {
        Objects.requireNonNull(config, "config can't be null");
        ChronicleGate.requireReady();
        long bytes = ChronicleOpener.dataFileBytes(config) + MetaFileDescriptor.Geometry.of(config).fileBytes;
        int keyBytes = config.layout().keyType() == KeyType.TEXT ? config.maxKeyBytes() : 8;
        return new StoreFootprint(bytes, bytes, (long) config.shards() * (keyBytes + config.layout().rowSizeBytes()));
    }

    /**
     * Deletes the Chronicle store in {@code config.directory()}: its meta file, its data file, a pre-recovery copy
     * (and their temporary files), its lock file, then the directory if nothing else is left in it. A missing store
     * is a no-op. Needs no JVM flags and loads no Chronicle class.
     *
     * @param config the store's options (its directory is what counts)
     * @throws io.freshet.core.StoreException LOCKED while a writer has the store open, PERMISSIONS for a
     *     symbolic link, IO
     */
    @Override
    public void destroy(StoreConfig config) {
        // The file names are compile-time constants: naming them loads no class of the Chronicle engine.
        StoreDirectory.destroy(Objects.requireNonNull(config, "config can't be null"), MetaFileDescriptor.FILE_NAME,
            ChronicleRowStore.DATA_FILE, ChronicleRowStore.PRE_RECOVERY_FILE);
    }
}
