package io.freshet.core;

import io.freshet.core.spi.RowLayout;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Options for opening a store of one feature set: where, how many rows, how many shards. Immutable; build with
 * {@link #builder(FeatureSet)}. The shard count is fixed at creation and checked at every later open; the capacity is
 * the store's initial one, which an engine that grows ({@link #growth()}) raises online as rows arrive.
 * Store engines read the set's row layout from {@link #layout()}.
 */
public final class StoreConfig {
    /** Default maximum UTF-8 length of a text key. */
    public static final int DEFAULT_MAX_KEY_BYTES = 64;
    /** Largest supported text key. */
    public static final int MAX_KEY_BYTES = 256;
    /** Default number of topics the offset table holds. */
    public static final int DEFAULT_MAX_TOPICS = 8;
    /** Default number of partitions per topic the offset table holds. */
    public static final int DEFAULT_MAX_PARTITIONS = 256;
    /**
     * Filesystem types that share a directory between machines (network and cluster filesystems, as the OS names
     * them in its mount table), for {@link Builder#refuseFilesystems}: a memory-mapped store there is seen by other
     * hosts and its writer lock may not hold across them.
     */
    public static final Set<String> NETWORK_FILESYSTEMS = Set.of("nfs", "nfs4", "cifs", "smb3", "smbfs", "9p",
        "ceph", "fuse.ceph", "glusterfs", "fuse.glusterfs", "lustre", "gpfs", "beegfs", "afs", "fuse.sshfs",
        "fuse.s3fs", "fuse.gcsfuse", "fuse.rclone");

    private final RowLayout layout;
    private final Path directory;
    private final long capacity;
    private final int shards;
    private final int maxKeyBytes;
    private final int maxTopics;
    private final int maxPartitions;
    private final boolean readOnly;
    private final OsCrashPolicy osCrashPolicy;
    private final StoreGrowth growth;
    private final Set<String> refusedFilesystems;
    private final boolean rowChecks;

    /**
     * What to do when a store was left open by a writer of an earlier OS boot: the OS crashed or lost power, so
     * dirty pages may have been lost in any order and the undo slots prove nothing. (A writer killed in this boot
     * left the page cache intact; that case is always recovered exactly.)
     */
    public enum OsCrashPolicy {
        /** Refuse to open with {@link StoreException.Reason#OS_CRASH}; an operator decides. The default. */
        FAIL,
        /** Delete the rows and offsets and start empty, so the pipeline rebuilds the store by replaying Kafka. */
        REBUILD
    }

    private StoreConfig(Builder b) {
        this.layout = b.layout;
        this.directory = b.directory;
        this.capacity = b.capacity;
        this.shards = b.shards;
        this.maxKeyBytes = b.maxKeyBytes;
        this.maxTopics = b.maxTopics;
        this.maxPartitions = b.maxPartitions;
        this.readOnly = b.readOnly;
        this.osCrashPolicy = b.osCrashPolicy;
        this.growth = b.growth;
        this.refusedFilesystems = b.refusedFilesystems;
        this.rowChecks = b.rowChecks;
    }

    /**
     * @param set the feature set whose rows the store holds
     * @return a builder
     */
    public static Builder builder(FeatureSet<?> set) {
        return new Builder(Objects.requireNonNull(set, "set can't be null").rowLayout());
    }

    /** For engines that derive a store from another one's layout: reached through {@code CoreInternals}. */
    static Builder builder(RowLayout layout) {
        return new Builder(Objects.requireNonNull(layout, "layout can't be null"));
    }

    /** @return the row layout of the set, for store engines */
    public RowLayout layout() {
        return layout;
    }

    /** @return the store's directory */
    public Path directory() {
        return directory;
    }

    /** @return maximum rows */
    public long capacity() {
        return capacity;
    }

    /** @return number of shards */
    public int shards() {
        return shards;
    }

    /** @return maximum UTF-8 bytes of a text key */
    public int maxKeyBytes() {
        return maxKeyBytes;
    }

    /** @return topics in the offset table */
    public int maxTopics() {
        return maxTopics;
    }

    /** @return partitions per topic in the offset table */
    public int maxPartitions() {
        return maxPartitions;
    }

    /** @return true to open an existing store for reading only (no writers, no lock) */
    public boolean readOnly() {
        return readOnly;
    }

    /** @return what to do with a store left open across an OS crash */
    public OsCrashPolicy osCrashPolicy() {
        return osCrashPolicy;
    }

    /** @return whether and how far the store grows past {@link #capacity()} (default: unbounded) */
    public StoreGrowth growth() {
        return growth;
    }

    /**
     * @return filesystem types (lower case) an engine refuses to keep this store on; empty (the default) for no
     *     check
     */
    public Set<String> refusedFilesystems() {
        return refusedFilesystems;
    }

    /**
     * @return whether each row carries a check word over its key and bytes, verified by the recovery after a kill
     *     (default false; see {@link Builder#rowChecks})
     */
    public boolean rowChecks() {
        return rowChecks;
    }

    /** Builds a {@link StoreConfig}; each option is checked when set. Not thread-safe. */
    public static final class Builder {
        private final RowLayout layout;
        private Path directory;
        private long capacity = -1;
        private int shards = 1;
        private int maxKeyBytes = DEFAULT_MAX_KEY_BYTES;
        private int maxTopics = DEFAULT_MAX_TOPICS;
        private int maxPartitions = DEFAULT_MAX_PARTITIONS;
        private boolean readOnly;
        private OsCrashPolicy osCrashPolicy = OsCrashPolicy.FAIL;
        private StoreGrowth growth = StoreGrowth.unbounded();
        private Set<String> refusedFilesystems = Set.of();
        private boolean rowChecks;

        private Builder(RowLayout layout) {
            this.layout = layout;
        }

        /**
         * @param dir directory of the store (created 0700 if absent)
         * @return this
         */
        public Builder directory(Path dir) {
            this.directory = Objects.requireNonNull(dir, "directory can't be null");
            return this;
        }

        /**
         * @param rows maximum number of rows, at least 1
         * @return this
         */
        public Builder capacity(long rows) {
            if (rows < 1 || rows > (1L << 40)) {
                throw new IllegalArgumentException("capacity=" + rows + " is out of range: use 1..2^40 rows");
            }
            this.capacity = rows;
            return this;
        }

        /**
         * @param n number of shards (single writers), 1..256
         * @return this
         */
        public Builder shards(int n) {
            if (n < 1 || n > 256) {
                throw new IllegalArgumentException("shards=" + n + " is out of range: use 1..256");
            }
            this.shards = n;
            return this;
        }

        /**
         * @param bytes maximum UTF-8 length of a text key, 1..{@value StoreConfig#MAX_KEY_BYTES}
         * @return this
         */
        public Builder maxKeyBytes(int bytes) {
            if (bytes < 1 || bytes > MAX_KEY_BYTES) {
                throw new IllegalArgumentException("maxKeyBytes=" + bytes + " is out of range: use 1.."
                    + MAX_KEY_BYTES);
            }
            this.maxKeyBytes = bytes;
            return this;
        }

        /**
         * @param topics topics the offset table holds, 1..64
         * @return this
         */
        public Builder maxTopics(int topics) {
            if (topics < 1 || topics > 64) {
                throw new IllegalArgumentException("maxTopics=" + topics + " is out of range: use 1..64");
            }
            this.maxTopics = topics;
            return this;
        }

        /**
         * @param partitions partitions per topic the offset table holds, 1..4096
         * @return this
         */
        public Builder maxPartitions(int partitions) {
            if (partitions < 1 || partitions > 4096) {
                throw new IllegalArgumentException("maxPartitions=" + partitions + " is out of range: use 1..4096");
            }
            this.maxPartitions = partitions;
            return this;
        }

        /**
         * @param readOnly open for reading only
         * @return this
         */
        public Builder readOnly(boolean readOnly) {
            this.readOnly = readOnly;
            return this;
        }

        /**
         * @param policy what to do with a store left open across an OS crash (default FAIL)
         * @return this
         */
        public Builder osCrashPolicy(OsCrashPolicy policy) {
            this.osCrashPolicy = Objects.requireNonNull(policy, "policy can't be null");
            return this;
        }

        /**
         * @param growth whether and how far the store grows when it fills up (default
         *     {@link StoreGrowth#unbounded()}; {@link StoreGrowth#disabled()} keeps the capacity fixed)
         * @return this
         */
        public Builder growth(StoreGrowth growth) {
            this.growth = Objects.requireNonNull(growth, "growth can't be null");
            return this;
        }

        /**
         * Refuses to open (or create) the store when its directory lies on a filesystem of one of these types, as
         * the OS reports it ({@code Files.getFileStore(dir).type()}; on Linux the type column of
         * {@code /proc/self/mounts}: {@code ext4}, {@code xfs}, {@code tmpfs}, {@code nfs4}, {@code cifs}...). The open
         * fails with {@link StoreException.Reason#PERMISSIONS} naming the type. Pass
         * {@link StoreConfig#NETWORK_FILESYSTEMS} to keep stores off shared filesystems, or your own list (a
         * directory you know is shared whatever its type cannot be told apart: keep it out of the config).
         *
         * @param types filesystem types, matched ignoring case; empty for no check (the default)
         * @return this
         */
        public Builder refuseFilesystems(Set<String> types) {
            Objects.requireNonNull(types, "types can't be null");
            Set<String> lower = new TreeSet<>();
            for (String t : types) {
                if (t == null || t.isBlank()) {
                    throw new IllegalArgumentException("refuseFilesystems types=" + types + " holds a null or blank"
                        + " type: give names like \"nfs4\" or \"cifs\"");
                }
                lower.add(t.trim().toLowerCase(Locale.ROOT));
            }
            this.refusedFilesystems = Collections.unmodifiableSet(lower);
            return this;
        }

        /**
         * Gives each row of the store a check word over its key and row bytes, written by every change of the row, so
         * that the recovery after a killed writer refuses a row damaged while the store was down
         * ({@link StoreException.Reason#CORRUPT}, naming the shard, slot and key) instead of serving it. Without it a
         * killed store's rows are checked only for index consistency (a cleanly closed store's seal covers every
         * byte either way). Costs each apply a fold of its row (the README gives the measured cost) and 8 bytes per
         * row. Fixed at creation: a store created with one setting is refused ({@code CONFIG_MISMATCH}) when opened
         * with the other. Table engine only: the Chronicle engine refuses it.
         *
         * @param on whether rows carry check words (default false)
         * @return this
         */
        public Builder rowChecks(boolean on) {
            this.rowChecks = on;
            return this;
        }

        /** @return the config */
        public StoreConfig build() {
            if (capacity < 0) {
                throw new IllegalArgumentException("capacity was not set: call capacity(rows)");
            }
            if (growth.enabled() && growth.maxCapacity() < capacity) {
                throw new IllegalArgumentException("growth maxCapacity=" + growth.maxCapacity() + " < capacity="
                    + capacity + ": raise StoreGrowth.upTo(...) to at least the capacity, or lower the capacity");
            }
            return new StoreConfig(this);
        }
    }
}
