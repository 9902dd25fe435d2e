package io.freshet.core.internal.kernel;

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
 * <p>{@link RowWriteKernel} remembers the epoch of its last event per tile length and calls this only when an event
 * leaves that tile. Stateless.
 */
final class TileRing {
    /**
     * @param timeMs an event or read time, epoch ms (any sign)
     * @param tileMs the tile length, ms, positive
     * @return the tile epoch that holds {@code timeMs}
     */
    static long epochOf(long timeMs, long tileMs) {
        return Math.floorDiv(timeMs, tileMs);
    }

    private TileRing() {
    }
}
