package io.freshet.core;

import java.time.Duration;
import java.util.Objects;

/**
 * The time span an aggregate covers: the whole life of the key ({@link #lifetime()}) or a sliding window made of
 * tiles ({@link #sliding(Duration)}).
 *
 * <h2>Tiles and the exact window edge</h2>
 * A sliding window of length {@code W} keeps {@code n = W / g} tiles of granularity {@code g}. An event at time
 * {@code t} belongs to tile epoch {@code floor(t / g)}. A read at time {@code r} combines the {@code n} tiles ending
 * with the one that holds {@code r}: it covers event times in
 * {@code [(floor(r/g) - n + 1) * g, (floor(r/g) + 1) * g)}, which contains {@code (r - W + g, r]} and is contained
 * in {@code (r - W, r + g)}. So a value leaves the window between {@code W - g} and {@code W} after its event time,
 * and decays even when no new event arrives.
 *
 * <p>The default granularity is the smallest of 1 s, 2 s, 5 s, 10 s, 15 s, 30 s, 1 min, 2 min, 5 min, 10 min,
 * 15 min, 30 min, 1 h, 2 h, 3 h, 6 h, 12 h, 1 day that divides {@code W} into at most {@value #DEFAULT_MAX_TILES}
 * tiles (5 min → 10 s, 1 h → 2 min, 1 day → 1 h). {@link #tiles(Duration)} overrides it, down to 1 s.
 *
 * <p>Immutable and thread-safe.
 */
public final class Window {
    /** At most this many tiles when the granularity is chosen by default. */
    public static final int DEFAULT_MAX_TILES = 30;
    /** At most this many tiles in any window. */
    public static final int MAX_TILES = 1024;
    /** The finest tile granularity. */
    public static final long MIN_TILE_MS = 1000;
    /** The longest window. */
    public static final long MAX_WINDOW_MS = Duration.ofDays(400).toMillis();

    private static final long[] DEFAULT_LADDER_MS = {
        1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000,
        3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000,
    };
    private static final Window LIFETIME = new Window(0, 0);

    private final long lengthMs;
    private final long tileMs;

    private Window(long lengthMs, long tileMs) {
        this.lengthMs = lengthMs;
        this.tileMs = tileMs;
    }

    /** @return the window that covers every event ever applied to the key */
    public static Window lifetime() {
        return LIFETIME;
    }

    /**
     * A sliding window with the default tile granularity (see the class comment).
     *
     * @param length window length, at least 1 s, whole seconds, at most 400 days
     * @return the window; when no default granularity fits, a window that must be given one with
     *     {@link #tiles(Duration)} before a feature uses it (declaring a feature over it throws)
     * @throws FeatureDefinitionException when the length is out of range
     */
    public static Window sliding(Duration length) {
        Objects.requireNonNull(length, "length can't be null");
        long w = length.toMillis();
        checkLength(w);
        for (long g : DEFAULT_LADDER_MS) {
            if (w % g == 0 && w / g <= DEFAULT_MAX_TILES) {
                return new Window(w, g);
            }
        }
        // No default fits (e.g. 61 s, or more than 30 days): the caller must still be able to choose one with
        // tiles(g), so the error is raised only if a feature is declared over the window without doing so.
        return new Window(w, 0);
    }

    /**
     * Checks that a feature can be declared over this window.
     *
     * @param feature the feature's name, for the message
     * @throws FeatureDefinitionException when the window is sliding and has no tile granularity
     */
    void checkTiled(String feature) {
        if (lengthMs != 0 && tileMs == 0) {
            throw new FeatureDefinitionException("feature=" + feature + " window=" + Duration.ofMillis(lengthMs)
                + " has no default tile granularity: call .tiles(g) with a g of at least 1s that divides it into at "
                + "most MAX_TILES=" + MAX_TILES + " tiles");
        }
    }

    /**
     * The same window with tiles of granularity {@code tile}.
     *
     * @param tile tile granularity, at least 1 s, dividing the window length into at most {@value #MAX_TILES}
     * @return a new window
     * @throws FeatureDefinitionException when the granularity does not fit the window
     */
    public Window tiles(Duration tile) {
        Objects.requireNonNull(tile, "tile can't be null");
        if (lengthMs == 0) {
            throw new FeatureDefinitionException("a lifetime window has no tiles: use Window.sliding(length).tiles(g)");
        }
        long g = tile.toMillis();
        if (g < MIN_TILE_MS) {
            throw new FeatureDefinitionException("tile=" + tile + " < 1s: tiles are at least one second");
        }
        if (lengthMs % g != 0) {
            throw new FeatureDefinitionException("window=" + Duration.ofMillis(lengthMs) + " is not a multiple of tile="
                + tile + ": choose a tile that divides the window");
        }
        if (lengthMs / g > MAX_TILES) {
            throw new FeatureDefinitionException("window=" + Duration.ofMillis(lengthMs) + " / tile=" + tile + " = "
                + lengthMs / g + " tiles > MAX_TILES=" + MAX_TILES + ": choose a coarser tile");
        }
        return new Window(lengthMs, g);
    }

    private static void checkLength(long w) {
        if (w < MIN_TILE_MS || w % 1000 != 0 || w > MAX_WINDOW_MS) {
            throw new FeatureDefinitionException("window=" + Duration.ofMillis(w)
                + " is invalid: a sliding window is a whole number of seconds from 1s to 400 days");
        }
    }

    /** @return true for {@link #lifetime()} */
    public boolean isLifetime() {
        return lengthMs == 0;
    }

    /** @return window length in milliseconds (0 for lifetime) */
    public long lengthMs() {
        return lengthMs;
    }

    /** @return tile granularity in milliseconds (0 for lifetime, or a sliding window with no granularity yet) */
    public long tileMs() {
        return tileMs;
    }

    /** @return number of tiles (0 for lifetime, or a sliding window with no granularity yet) */
    public int tileCount() {
        return tileMs == 0 ? 0 : (int) (lengthMs / tileMs);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Window && ((Window) o).lengthMs == lengthMs && ((Window) o).tileMs == tileMs;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(lengthMs * 31 + tileMs);
    }

    @Override
    public String toString() {
        return lengthMs == 0 ? "lifetime"
            : "sliding(" + Duration.ofMillis(lengthMs) + ", tile=" + (tileMs == 0 ? "none" : Duration.ofMillis(tileMs))
            + ")";
    }
}
