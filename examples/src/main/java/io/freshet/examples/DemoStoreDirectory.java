package io.freshet.examples;

import io.freshet.core.StoreConfig;
import io.freshet.core.spi.StoreEngine;
import io.freshet.store.TableStoreEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Where the demo's store lives: the {@code --store-dir} given (kept at exit), or a new temporary directory (on tmpfs
 * when it has room) deleted at exit, and the table-engine store configured in it. Used by the demo's owner thread
 * only.
 */
final class DemoStoreDirectory {
    private final StoreEngine engine = new TableStoreEngine();
    private final Path tempDir;
    private final Path storeDir;
    private StoreConfig config;
    private StoreConfig nextConfig;

    private DemoStoreDirectory(Path tempDir, Path storeDir) {
        this.tempDir = tempDir;
        this.storeDir = storeDir;
    }

    /**
     * @param given the directory asked for, or null for a temporary one
     * @param capacity the store's rows, to size the temporary directory's file system
     * @return the store's place
     * @throws IOException when the temporary directory cannot be created
     */
    static DemoStoreDirectory of(Path given, long capacity) throws IOException {
        if (given != null) {
            return new DemoStoreDirectory(null, given);
        }
        Path temp = Files.createTempDirectory(tempRoot(capacity), "freshet-demo-");
        return new DemoStoreDirectory(temp, temp.resolve(RiskFeatures.USER_RISK.name()));
    }

    /** @return the store's directory */
    Path storeDir() {
        return storeDir;
    }

    /** @return the engine of the demo's store */
    StoreEngine engine() {
        return engine;
    }

    /**
     * @param capacity the store's rows
     * @return the configuration of the demo's store in this directory (remembered, to delete the store at exit)
     */
    StoreConfig config(long capacity) {
        config = StoreConfig.builder(RiskFeatures.USER_RISK).directory(storeDir).capacity(capacity).shards(4).build();
        return config;
    }

    /**
     * @param capacity the store's rows
     * @return the configuration of the next definition's store ({@code --migrate-after}), beside the first one
     */
    StoreConfig nextConfig(long capacity) {
        nextConfig = StoreConfig.builder(RiskFeatures.USER_RISK_V2).directory(nextStoreDir()).capacity(capacity)
            .shards(4).build();
        return nextConfig;
    }

    /** @return the next definition's store directory */
    Path nextStoreDir() {
        return storeDir.resolveSibling(storeDir.getFileName() + "-v2");
    }

    /** @return the temporary directory deleted at exit, or null when the store directory was given */
    Path tempDir() {
        return tempDir;
    }

    /**
     * Deletes the temporary directory and the store in it (nothing when the directory was given): the engine deletes
     * its own files, so nothing else that happens to be there is walked over. Call it after the pipeline is closed.
     *
     * @throws IOException when the store or the directory cannot be deleted
     */
    void deleteIfTemporary() throws IOException {
        if (tempDir != null) {
            if (config != null) {
                engine.destroy(config);
            }
            if (nextConfig != null) {
                engine.destroy(nextConfig);
                // The migration's state: one file in a directory of its own.
                Path state = nextStoreDir().resolveSibling(nextStoreDir().getFileName() + ".migration");
                try (var files = Files.list(state)) {
                    for (Path f : (Iterable<Path>) files::iterator) {
                        Files.deleteIfExists(f);
                    }
                } catch (java.nio.file.NoSuchFileException e) {
                    // never started
                }
                Files.deleteIfExists(state);
            }
            Files.deleteIfExists(tempDir);
        }
    }

    /**
     * The table engine writes its file full of zeros at creation (no holes, so a full disk is an error at open, not
     * a SIGBUS later) and applies fastest on tmpfs: a throw-away store goes to {@code /dev/shm} when it has room for
     * twice the file, else to the JVM's temporary directory.
     */
    private static Path tempRoot(long capacity) {
        Path shm = Paths.get("/dev/shm");
        long estimateBytes = capacity * (RiskFeatures.USER_RISK.rowSizeBytes() + 64L);
        try {
            if (Files.isDirectory(shm) && Files.isWritable(shm)
                && Files.getFileStore(shm).getUsableSpace() > 2 * estimateBytes) {
                return shm;
            }
        } catch (IOException e) {
            // Not usable: fall through to the default temporary directory.
        }
        return Paths.get(System.getProperty("java.io.tmpdir"));
    }
}
