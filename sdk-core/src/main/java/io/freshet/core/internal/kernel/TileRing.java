package io.freshet.core.internal.kernel;

import static io.freshet.core.internal.kernel.CompiledLayout.NO_TIME;

/**
 * The one rule that maps a time to a tile of a windowed feature's ring: tile epoch {@code floorDiv(timeMs, tileMs)},
 * kept in ring slot {@code epoch mod n}. The write kernel and the read kernel both take epochs from here, so a tile
 * written at time t is the tile a read at time t counts.
 *
 * <p>Why {@code floorDiv} and not {@code /}: event times are validated non-negative before they reach the write
 * kernel, where the two agree; read times come from a clock and are not validated, and for a negative time only
 * {@code floorDiv} rounds towards the older tile as the ring's order needs. One rule correct for every input beats
 * two that agree on most.
 *
 * <p>An instance remembers the last epoch it computed: the windows of one set often share a tile size, so an apply
 * or a read divides once per time and tile size. Threading: one instance per kernel (per thread). Allocation: none.
 */
final class TileRing {
    private long timeMs = NO_TIME;
    private long tileMs;
    private long epoch;

    /**
     * @param timeMs an event or read time, epoch ms (any sign)
     * @param tileMs the tile length, ms, positive
     * @return the tile epoch that holds {@code timeMs}
     */
    static long epochOf(long timeMs, long tileMs) {
        return Math.floorDiv(timeMs, tileMs);
    }

    /**
     * {@link #epochOf(long, long)}, remembered for the last time and tile size (identical results).
     *
     * @param t an event or read time, epoch ms
     * @param tile the tile length, ms, positive
     * @return the tile epoch that holds {@code t}
     */
    long cachedEpochOf(long t, long tile) {
        if (t != timeMs || tile != tileMs) {
            timeMs = t;
            tileMs = tile;
            epoch = epochOf(t, tile);
        }
        return epoch;
    }
}
