package io.freshet.store.internal;

import io.freshet.core.StoreException;
import io.freshet.core.StoreException.Reason;
import io.freshet.core.StoreConfig;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.Set;

/**
 * The rules every engine applies to a store directory: it is created 0700, files in it 0600; a directory or file
 * that is a symbolic link, or writable by group or others, is refused; one writing process holds
 * {@value #LOCK_FILE} locked for its lifetime. Freshet writes nothing outside this directory.
 *
 * <p>Internal: not part of the public API. Not thread-safe; used at open and close.
 */
public final class StoreDirectory implements AutoCloseable {
    /** The writer lock file. */
    public static final String LOCK_FILE = "writer.lock";
    /** Suffix of a file written under a temporary name and renamed into place. */
    public static final String TMP_SUFFIX = ".tmp";
    private static final Set<PosixFilePermission> DIR_PERMS = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE_PERMS = PosixFilePermissions.fromString("rw-------");

    private final Path dir;
    private FileChannel lockChannel;
    private FileLock lock;

    private StoreDirectory(Path dir) {
        this.dir = dir;
    }

    /**
     * Opens (creating if absent, unless read-only) and checks a store directory.
     *
     * @param dir the directory
     * @param create whether to create it when absent
     * @return the checked directory
     * @throws StoreException PERMISSIONS or IO
     */
    public static StoreDirectory open(Path dir, boolean create) {
        return open(dir, create, Set.of());
    }

    /**
     * Opens (creating if absent, unless read-only) and checks a store directory.
     *
     * @param dir the directory
     * @param create whether to create it when absent
     * @param refusedFilesystems filesystem types (lower case) the directory must not be on
     *     ({@code StoreConfig.refusedFilesystems()}); empty for no check
     * @return the checked directory
     * @throws StoreException PERMISSIONS or IO
     */
    public static StoreDirectory open(Path dir, boolean create, Set<String> refusedFilesystems) {
        Path abs = dir.toAbsolutePath();
        try {
            if (Files.isSymbolicLink(abs)) {
                throw new StoreException(Reason.PERMISSIONS, abs, "the store directory is a symbolic link; use the "
                    + "real path");
            }
            if (!refusedFilesystems.isEmpty()) {
                checkFilesystem(abs, refusedFilesystems);
            }
            if (!Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
                if (!create) {
                    throw new StoreException(Reason.IO, abs, "no store directory here");
                }
                if (abs.getParent() != null) {
                    Files.createDirectories(abs.getParent());
                }
                try {
                    Files.createDirectory(abs, PosixFilePermissions.asFileAttribute(DIR_PERMS));
                } catch (FileAlreadyExistsException raced) {
                    // Another opener created it between our check and create; the checks below still apply.
                }
            }
            if (!Files.isDirectory(abs, LinkOption.NOFOLLOW_LINKS)) {
                throw new StoreException(Reason.PERMISSIONS, abs, "the store path exists but is not a directory");
            }
            checkNotWritableByOthers(abs);
        } catch (IOException e) {
            throw new StoreException(Reason.IO, abs, "cannot prepare the store directory: " + e, e);
        }
        return new StoreDirectory(abs);
    }

    /** Checked on the nearest existing ancestor first, so that nothing is created on a refused filesystem. */
    private static void checkFilesystem(Path abs, Set<String> refused) throws IOException {
        Path existing = abs;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return;
        }
        FileStore store = Files.getFileStore(existing);
        String type = store.type().toLowerCase(Locale.ROOT);
        if (refused.contains(type)) {
            throw new StoreException(Reason.PERMISSIONS, abs, "the store directory is on a filesystem of type=" + type
                + " (" + store.name() + "), which StoreConfig.refuseFilesystems refuses: keep the store on a local"
                + " disk or tmpfs");
        }
    }

    private static void checkNotWritableByOthers(Path p) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class,
            LinkOption.NOFOLLOW_LINKS);
        if (view == null) {
            return;
        }
        Set<PosixFilePermission> perms = view.readAttributes().permissions();
        if (perms.contains(PosixFilePermission.OTHERS_WRITE) || perms.contains(PosixFilePermission.GROUP_WRITE)) {
            throw new StoreException(Reason.PERMISSIONS, p, "is writable by group or others (mode "
                + PosixFilePermissions.toString(perms) + "): chmod go-w it, or use a private directory");
        }
    }

    /** @return the directory */
    public Path path() {
        return dir;
    }

    /**
     * @param name a file name in the store
     * @return its path, checked not to be a symbolic link or writable by others when it exists
     */
    public Path file(String name) {
        Path p = dir.resolve(name);
        try {
            if (Files.isSymbolicLink(p)) {
                throw new StoreException(Reason.PERMISSIONS, p, "store files must not be symbolic links");
            }
            if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                checkNotWritableByOthers(p);
            }
        } catch (IOException e) {
            throw new StoreException(Reason.IO, p, "cannot check the file: " + e, e);
        }
        return p;
    }

    /**
     * Creates a new empty file with mode 0600.
     *
     * @param name file name
     * @return its path
     */
    public Path createFile(String name) {
        Path p = file(name);
        try {
            Files.deleteIfExists(p);
            Files.createFile(p, PosixFilePermissions.asFileAttribute(FILE_PERMS));
        } catch (IOException e) {
            throw new StoreException(Reason.IO, p, "cannot create the file: " + e, e);
        }
        return p;
    }

    /**
     * Refuses to create a store beside files of another: a store is created only in a directory that holds nothing
     * but the writer lock and temporary files of an interrupted creation. A data file whose meta file is gone is a
     * damaged store, not an empty one; re-creating it would silently drop its rows.
     *
     * @param missing the file whose absence made the caller want to create the store
     * @throws StoreException INCOMPLETE naming the files found; IO
     */
    public void checkNothingButTemporaryFiles(String missing) {
        StringBuilder found = new StringBuilder();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (!name.equals(LOCK_FILE) && !name.endsWith(TMP_SUFFIX)) {
                    found.append(found.length() == 0 ? "" : ", ").append(name);
                }
            }
        } catch (IOException e) {
            throw new StoreException(Reason.IO, dir, "cannot list the store directory: " + e, e);
        }
        if (found.length() > 0) {
            throw new StoreException(Reason.INCOMPLETE, dir.resolve(missing), "is missing while " + found
                + " is here: the store is damaged (or its creation was interrupted); Freshet does not re-create it. "
                + "Delete the store directory to create a new store (and rebuild it from Kafka)");
        }
    }

    /**
     * Takes the single-writer lock, held until {@link #close()}.
     *
     * @throws StoreException LOCKED when another process or another open store in this JVM holds it
     */
    public void lockForWriting() {
        Path p = file(LOCK_FILE);
        try {
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    Files.createFile(p, PosixFilePermissions.asFileAttribute(FILE_PERMS));
                } catch (FileAlreadyExistsException raced) {
                    // Created concurrently; locking below decides who writes.
                }
            }
            lockChannel = FileChannel.open(p, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
            try {
                lock = lockChannel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                lockChannel.close();
                lockChannel = null;
                throw new StoreException(Reason.LOCKED, dir, "another writer has this store open (" + LOCK_FILE
                    + " is locked): one writing process per store; open it readOnly(true) to read");
            }
        } catch (IOException e) {
            throw new StoreException(Reason.IO, p, "cannot lock the store: " + e, e);
        }
    }

    /**
     * Whether a writer (another process, or another open store in this JVM) holds the writer lock now: a shared lock
     * is refused while an exclusive one is held. Takes and releases nothing when the lock file is absent.
     *
     * @return whether the store is open by a writer
     * @throws StoreException IO when the lock cannot be probed
     */
    public boolean writerAlive() {
        Path p = file(LOCK_FILE);
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            FileLock l = ch.tryLock(0, Long.MAX_VALUE, true);
            if (l == null) {
                return true;
            }
            l.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true;
        } catch (IOException e) {
            throw new StoreException(Reason.IO, p, "cannot probe the writer lock: " + e, e);
        }
    }

    /**
     * Deletes a store: the named files (each also under its {@link #TMP_SUFFIX} name), then the writer lock file, then
     * the directory if that leaves it empty. The writer lock is held meanwhile, so no writer opens the store while it
     * is deleted. Files the store does not consist of are left alone (and then so is the directory). A missing
     * directory is a no-op.
     *
     * @param config the store's options: its directory is the one deleted
     * @param files the engine's file names, in the order to delete them (the file that makes a store exist first)
     * @throws IllegalArgumentException when the config has no directory
     * @throws StoreException LOCKED while a writer has the store open; PERMISSIONS for a symbolic link, a path that
     *     is not a directory, or one writable by others; IO
     */
    public static void destroy(StoreConfig config, String... files) {
        if (config.directory() == null) {
            throw new IllegalArgumentException("directory was not set: call StoreConfig.Builder.directory(path)");
        }
        Path abs = config.directory().toAbsolutePath();
        if (!Files.exists(abs, LinkOption.NOFOLLOW_LINKS) && !Files.isSymbolicLink(abs)) {
            return;
        }
        try (StoreDirectory d = open(abs, false)) {
            d.lockForWriting();
            for (String name : files) {
                Files.deleteIfExists(d.file(name));
                Files.deleteIfExists(d.file(name + TMP_SUFFIX));
            }
            Files.deleteIfExists(d.file(LOCK_FILE));
        } catch (IOException e) {
            throw new StoreException(Reason.IO, abs, "cannot delete the store: " + e, e);
        }
        try (DirectoryStream<Path> rest = Files.newDirectoryStream(abs)) {
            if (!rest.iterator().hasNext()) {
                Files.delete(abs);
            }
        } catch (IOException e) {
            throw new StoreException(Reason.IO, abs, "cannot delete the emptied store directory: " + e, e);
        }
    }

    /** Releases the writer lock, if held. */
    @Override
    public void close() {
        try {
            if (lock != null) {
                lock.release();
            }
            if (lockChannel != null) {
                lockChannel.close();
            }
        } catch (IOException ignored) {
            // Closing the channel releases the lock in any case.
        } finally {
            lock = null;
            lockChannel = null;
        }
    }
}
