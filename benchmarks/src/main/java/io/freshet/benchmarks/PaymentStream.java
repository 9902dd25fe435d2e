package io.freshet.benchmarks;

import java.util.SplittableRandom;

/**
 * A deterministic, pre-generated stream of payments of one key, replayed in a cycle with time always moving forward:
 * the applying clock advances by an exponential gap (mean {@value #MEAN_GAP_MS} ms, so the 10 s tiles of a 5 min
 * window rotate every ~10 events and the 2 min tiles of a 1 h window every ~120), and each event time lags the clock
 * a little (90% by under 200 ms, 9% by up to 5 s, 1% by up to 2 min: out of order, but not late).
 *
 * <p>Threading: one instance per benchmark thread. Allocation: arrays in the constructor only; {@link #advance()}
 * and the accessors allocate nothing.
 */
public final class PaymentStream {
    /** Mean gap between two events of the key, in ms. */
    public static final long MEAN_GAP_MS = 1_000;
    /** Events generated (a power of two) before the cycle repeats with fresh times. */
    public static final int SIZE = 4096;
    /** Where the clock starts: 2025-11-24T16:00:00Z. */
    public static final long START_MS = 1_764_000_000_000L;

    private static final int MASK = SIZE - 1;

    private final Payment[] events = new Payment[SIZE];
    private final long[] gapMs = new long[SIZE];
    private final long[] lagMs = new long[SIZE];
    private int cursor = -1;
    private long nowMs = START_MS;

    /**
     * @param key the entity key of every event
     * @param seed random seed (same seed, same stream)
     */
    public PaymentStream(long key, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < SIZE; i++) {
            // Log-normal amounts (median ~20) and a few thousand merchants: the shape of card payments.
            double amount = Math.round(Math.exp(3 + random.nextGaussian()) * 100) / 100.0;
            events[i] = new Payment(key, 0, amount, 1 + random.nextInt(5_000));
            gapMs[i] = Math.min(60_000, (long) (-Math.log(1 - random.nextDouble()) * MEAN_GAP_MS));
            double p = random.nextDouble();
            lagMs[i] = p < 0.90 ? random.nextLong(200) : p < 0.99 ? random.nextLong(5_000) : random.nextLong(120_000);
        }
    }

    /** Moves to the next event and the clock to its arrival time. */
    public void advance() {
        cursor = (cursor + 1) & MASK;
        nowMs += gapMs[cursor];
    }

    /** @return the current event (its own time field is unused: see {@link #eventTimeMs()}) */
    public Payment event() {
        return events[cursor];
    }

    /** @return the current event's time, epoch ms: the clock minus the event's lag */
    public long eventTimeMs() {
        return nowMs - lagMs[cursor];
    }

    /** @return the applying clock, epoch ms */
    public long nowMs() {
        return nowMs;
    }
}
