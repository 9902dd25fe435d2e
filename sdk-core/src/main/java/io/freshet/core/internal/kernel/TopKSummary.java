package io.freshet.core.internal.kernel;

import static io.freshet.core.internal.Memory.MEMORY;

import java.util.Arrays;

/**
 * TOP_K on a row: a space-saving summary (Metwally et al. 2005) of {@code m} counters per tile, updated by the write
 * kernel ({@link #add}), and the read kernel's merge of a window's live tiles into the K most frequent ids
 * ({@link Merger}). Allocation-free.
 *
 * <pre>
 * summary (one per tile, or one in the header for lifetime): m entries [id long, count long], 16 * m bytes
 *   entries fill from 0 up; count 0 marks the first free entry (a tile is only ever emptied whole)
 * </pre>
 *
 * <p>Guarantees (space-saving): within one tile of N_t events, a full summary's smallest counter min_t is at most
 * N_t / m, every id with more than min_t events in the tile holds a counter, and a counter over-counts its id by at
 * most min_t. A read sums each id's counters over the window's live tiles; with N events in the window, every
 * reported count is within {@code N / m} of the id's true count, and every id with more than {@code N / m} events is
 * a candidate. When no tile sees more than m distinct ids, the counts are exact.
 *
 * <p>The feature's {@code param} packs K and m ({@link #pack}), so that the canonical form and the layout carry both.
 *
 * <p>Internal: not part of the public API.
 */
public final class TopKSummary {
    /** Bytes per counter: id and count. */
    static final int ENTRY_BYTES = 16;

    private TopKSummary() {
    }

    /**
     * @param k ids reported, 1..255
     * @param counters counters per tile
     * @return the packed kernel parameter
     */
    public static int pack(int k, int counters) {
        return counters << 8 | k;
    }

    /**
     * @param param a packed parameter
     * @return K, the number of ids a read reports
     */
    public static int k(int param) {
        return param & 0xFF;
    }

    /**
     * @param param a packed parameter
     * @return m, counters per tile
     */
    public static int counters(int param) {
        return param >>> 8;
    }

    /** @return bytes of one summary */
    static int summaryBytes(int param) {
        return counters(param) * ENTRY_BYTES;
    }

    /**
     * Counts one event of {@code id} in the summary at absolute address {@code acc} (space-saving: its counter if it
     * has one, else the first free counter, else the smallest counter, the first of equals, taken over with that
     * count plus one).
     */
    static void add(Object base, long acc, int m, long id) {
        int smallest = -1;
        long smallestCount = Long.MAX_VALUE;
        for (int j = 0; j < m; j++) {
            final long e = acc + (long) j * ENTRY_BYTES;
            final long c = MEMORY.getLong(base, e + 8);
            if (c == 0) {
                MEMORY.putLong(base, e, id);
                MEMORY.putLong(base, e + 8, 1);
                return;
            }
            if (MEMORY.getLong(base, e) == id) {
                MEMORY.putLong(base, e + 8, c + 1);
                return;
            }
            if (c < smallestCount) {
                smallestCount = c;
                smallest = j;
            }
        }
        final long e = acc + (long) smallest * ENTRY_BYTES;
        MEMORY.putLong(base, e, id);
        MEMORY.putLong(base, e + 8, smallestCount + 1);
    }

    /**
     * Merges summaries into the K ids with the largest summed counts: an open-addressing table sized from the layout
     * (twice the largest number of counters a read can merge), cleared in O(1) per merge by a generation stamp.
     * Order: higher count first, then the smaller id (a total order, so a training row equals the served read).
     * One per read kernel.
     */
    static final class Merger {
        private final long[] ids;
        private final long[] counts;
        private final int[] stamp;
        private final int[] used;
        private final int mask;
        private final int shift;
        private int generation;
        private int usedCount;
        /** The result of {@link #finish}: ids and counts, best first. */
        final long[] topIds;
        final long[] topCounts;

        /**
         * @param maxCounters the most counters one read merges (tiles times m, over the set's TOP_K features)
         * @param maxK the largest K of the set
         */
        Merger(int maxCounters, int maxK) {
            int capacity = Integer.highestOneBit(Math.max(2, maxCounters) * 2 - 1) << 1;
            ids = new long[capacity];
            counts = new long[capacity];
            stamp = new int[capacity];
            used = new int[maxCounters];
            mask = capacity - 1;
            shift = 64 - Integer.numberOfTrailingZeros(capacity);
            topIds = new long[maxK];
            topCounts = new long[maxK];
        }

        void begin() {
            usedCount = 0;
            if (++generation == 0) {
                Arrays.fill(stamp, 0);
                generation = 1;
            }
        }

        /** Adds the counters of the summary at absolute {@code acc}, m of them, to the table. */
        void addSummary(Object base, long acc, int m) {
            for (int j = 0; j < m; j++) {
                final long e = acc + (long) j * ENTRY_BYTES;
                final long c = MEMORY.getLong(base, e + 8);
                if (c <= 0) {
                    // Free from here on; a torn row's negative count is no event either.
                    return;
                }
                final long id = MEMORY.getLong(base, e);
                // Fibonacci hashing: one multiply, its high bits index the table.
                int h = (int) ((id * 0x9E3779B97F4A7C15L) >>> shift);
                while (stamp[h] == generation && ids[h] != id) {
                    h = (h + 1) & mask;
                }
                if (stamp[h] != generation) {
                    if (usedCount == used.length) {
                        // More counters than the layout allows: only a torn row gets here; the store re-reads it.
                        return;
                    }
                    stamp[h] = generation;
                    ids[h] = id;
                    counts[h] = c;
                    used[usedCount++] = h;
                } else {
                    counts[h] += c;
                }
            }
        }

        /**
         * Selects the best {@code k} of the table into {@link #topIds} and {@link #topCounts}.
         *
         * @return how many ids were selected, at most k
         */
        int finish(int k) {
            int n = 0;
            for (int u = 0; u < usedCount; u++) {
                final int h = used[u];
                final long id = ids[h];
                final long c = counts[h];
                if (n == k && !better(c, id, topCounts[k - 1], topIds[k - 1])) {
                    continue;
                }
                int pos = n == k ? k - 1 : n++;
                while (pos > 0 && better(c, id, topCounts[pos - 1], topIds[pos - 1])) {
                    topIds[pos] = topIds[pos - 1];
                    topCounts[pos] = topCounts[pos - 1];
                    pos--;
                }
                topIds[pos] = id;
                topCounts[pos] = c;
            }
            return n;
        }

        private static boolean better(long c, long id, long otherCount, long otherId) {
            return c > otherCount || (c == otherCount && id < otherId);
        }
    }
}
