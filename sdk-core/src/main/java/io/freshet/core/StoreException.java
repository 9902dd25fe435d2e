package io.freshet.core;

import java.nio.file.Path;

/**
 * A store could not be opened or used. The {@link Reason} says why, the message names the file and the detail;
 * nothing was changed on disk when this is thrown at open.
 */
public final class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why a store was refused. */
    public enum Reason {
        /** The file is shorter than its header or its declared size. */
        TRUNCATED,
        /** The file is not a Freshet store (wrong magic). */
        FOREIGN,
        /** A checksum or an invariant of the file does not hold. */
        CORRUPT,
        /** The file was written by a newer format version. */
        NEWER_FORMAT,
        /** The file was written by an older format version that this version no longer reads: rebuild it. */
        OLDER_FORMAT,
        /** The store was created for another feature set definition (fingerprint mismatch). */
        FINGERPRINT_MISMATCH,
        /** The store was created with other options (capacity, shards, key size, engine). */
        CONFIG_MISMATCH,
        /** Another process holds the writer lock. */
        LOCKED,
        /** Unsafe path or permissions: world-writable, symbolic link, wrong owner mode. */
        PERMISSIONS,
        /** The JVM lacks flags that the engine needs. */
        MISSING_JVM_FLAGS,
        /** The store was damaged while in use (e.g. truncated under the mapping). */
        DAMAGED,
        /**
         * The last writer did not close the store and ran in an earlier OS boot: the OS crashed or lost power, so
         * the file may hold any mix of old and new pages. Delete the store to rebuild it from Kafka, or open it
         * with {@code OsCrashPolicy.REBUILD}.
         */
        OS_CRASH,
        /** The store is full (no room for a new key). */
        FULL,
        /** The store is closed. */
        CLOSED,
        /** An I/O error. */
        IO,
        /**
         * One of the store's files is missing while another is there (a data file without its meta file, or the
         * reverse): Freshet never re-creates one beside the other. Delete the store directory to rebuild the store.
         */
        INCOMPLETE
    }

    /** Why the store refused or failed. */
    private final Reason reason;
    private final transient Path path;

    /**
     * @param reason why
     * @param path the file or directory concerned (may be null)
     * @param detail what was found and how to fix it
     */
    public StoreException(Reason reason, Path path, String detail) {
        this(reason, path, detail, null);
    }

    /**
     * @param reason why
     * @param path the file or directory concerned (may be null)
     * @param detail what was found and how to fix it
     * @param cause the cause
     */
    public StoreException(Reason reason, Path path, String detail, Throwable cause) {
        super(reason + (path == null ? "" : " " + path) + ": " + detail, cause);
        this.reason = reason;
        this.path = path;
    }

    /** @return why */
    public Reason reason() {
        return reason;
    }

    /** @return the file or directory concerned, or null */
    public Path path() {
        return path;
    }
}
