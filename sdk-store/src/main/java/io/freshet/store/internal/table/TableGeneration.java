package io.freshet.store.internal.table;

/**
 * One generation of a table store's data file and its shards, and, while the store grows into it, the generation it
 * grows from. A reader or writer reads the store's current generation once per call (a volatile field of
 * {@link TableStore}); a generation never changes after construction, so a call works on one consistent pair.
 *
 * <p>Per shard, while {@link #previous} is set, the new file's growState says where the shard's rows are:
 * NOT_STARTED: all in the previous generation; MIGRATING: each key in this one, or else in the previous one
 * (which its writer no longer writes); DONE: all in this one.
 *
 * <p>Internal. Immutable; thread-safe.
 */
final class TableGeneration {
    /** Generation number: 1 is {@value TableFormat#FILE_NAME}. */
    final int number;
    /** Capacity of this generation's file. */
    final long capacity;
    /** The data file. */
    final TableFile file;
    /** Its shards. */
    final Shard[] shards;
    /** The generation the store grows from, or null when it is not growing. */
    final TableGeneration previous;

    TableGeneration(int number, long capacity, TableFile file, TableGeneration previous) {
        this.number = number;
        this.capacity = capacity;
        this.file = file;
        this.shards = new Shard[file.format().shards];
        for (int s = 0; s < shards.length; s++) {
            shards[s] = new Shard(file, s);
        }
        this.previous = previous;
    }

    private TableGeneration(TableGeneration g, TableGeneration previous) {
        this.number = g.number;
        this.capacity = g.capacity;
        this.file = g.file;
        this.shards = g.shards;
        this.previous = previous;
    }

    /** @return this generation with a previous one it grows from */
    TableGeneration growingFrom(TableGeneration from) {
        return new TableGeneration(this, from.alone());
    }

    /** @return this generation alone (growth finished) */
    TableGeneration alone() {
        return previous == null ? this : new TableGeneration(this, null);
    }

    /** @return the previous generation's shards, or null */
    Shard[] previousShards() {
        return previous == null ? null : previous.shards;
    }
}
