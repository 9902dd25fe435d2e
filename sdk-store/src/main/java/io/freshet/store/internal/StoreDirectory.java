package io.freshet.store.internal;

import io.freshet.core.StoreException;
import io.freshet.core.StoreException.Reason;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
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
        Path abs = dir.toAbsolutePath();
        try {
            if (Files.isSymbolicLink(abs)) {
                throw new StoreException(Reason.PERMISSIONS, abs, "the store directory is a symbolic link; use the "
                    + "real path");
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
