package io.freshet.store.internal.table;

import io.freshet.core.StoreException;
import io.freshet.core.StoreException.Reason;
import java.nio.file.Path;

/**
 * What the meta file records about a table store's data files, under the metadata key
 * {@value TableStore#LAYOUT_KEY} (checksummed and published atomically with the rest of the metadata map):
 * the current generation and its capacity, and while the store grows, the generation it grows into. A store without
 * the entry (created before growth existed, or never grown) has generation 1 at its configured capacity.
 *
 * <pre>
 * generation=2;capacity=2000                                           not growing
 * generation=2;capacity=2000;growTo=3;growCapacity=4000;growRequestMs=R;growStartMs=T   growing into table-3.fst
 *     (R: when a shard asked for it; T: when the meta file adopted the new file, written by then)
 * </pre>
 *
 * <p>Internal. Immutable.
 */
record TableLayoutRecord(int generation, long capacity, int growTo, long growCapacity, long growRequestMs,
    long growStartMs) {

    /** @return the layout of a store that never grew */
    static TableLayoutRecord initial(long capacity) {
        return new TableLayoutRecord(1, capacity, 0, 0, 0, 0);
    }

    /** @return whether a growth is in progress */
    boolean growing() {
        return growTo != 0;
    }

    /** @return this layout growing into the next generation */
    TableLayoutRecord startGrowth(long newCapacity, long requestMs, long nowMs) {
        return new TableLayoutRecord(generation, capacity, generation + 1, newCapacity, requestMs, nowMs);
    }

    /** @return the layout once the growth finished */
    TableLayoutRecord finishGrowth() {
        return new TableLayoutRecord(growTo, growCapacity, 0, 0, 0, 0);
    }

    String format() {
        String s = "generation=" + generation + ";capacity=" + capacity;
        return growing() ? s + ";growTo=" + growTo + ";growCapacity=" + growCapacity + ";growRequestMs=" + growRequestMs
            + ";growStartMs=" + growStartMs
            : s;
    }

    /**
     * @param value the metadata value, or null
     * @param configuredCapacity the store's configured (initial) capacity
     * @param where the meta file, for errors
     * @return the layout
     * @throws StoreException CORRUPT when the value does not parse or names impossible generations
     */
    static TableLayoutRecord parse(String value, long configuredCapacity, Path where) {
        if (value == null) {
            return initial(configuredCapacity);
        }
        int generation = 0;
        long capacity = 0;
        int growTo = 0;
        long growCapacity = 0;
        long growRequestMs = 0;
        long growStartMs = 0;
        try {
            for (String field : value.split(";")) {
                int eq = field.indexOf('=');
                String k = field.substring(0, eq);
                long v = Long.parseLong(field.substring(eq + 1));
                switch (k) {
                    case "generation" -> generation = Math.toIntExact(v);
                    case "capacity" -> capacity = v;
                    case "growTo" -> growTo = Math.toIntExact(v);
                    case "growCapacity" -> growCapacity = v;
                    case "growRequestMs" -> growRequestMs = v;
                    case "growStartMs" -> growStartMs = v;
                    default -> throw new IllegalArgumentException("unknown field " + k);
                }
            }
        } catch (RuntimeException e) {
            throw new StoreException(Reason.CORRUPT, where, "metadata " + TableStore.LAYOUT_KEY + "=" + value
                + " does not parse (" + e.getMessage() + "): the meta file was written by incompatible code");
        }
        if (generation < 1 || capacity < configuredCapacity || (growTo != 0 && (growTo != generation + 1
            || growCapacity <= capacity))) {
            throw new StoreException(Reason.CORRUPT, where, "metadata " + TableStore.LAYOUT_KEY + "=" + value
                + " names an impossible layout for configured capacity=" + configuredCapacity);
        }
        return new TableLayoutRecord(generation, capacity, growTo, growCapacity, growRequestMs, growStartMs);
    }
}
