package io.freshet.benchmarks.peers;

import java.util.SplittableRandom;

/**
 * Pre-generated sequences of entity keys for read benchmarks, so that drawing the next key costs one array load.
 * Keys are {@link #keyOf(long) keyOf(i)} for {@code i} in {@code [0, keyCount)}: a bijective 64-bit mix, so that
 * consecutive indices (and the hottest Zipf ranks) land far apart in every hash table and sorted store.
 *
 * <p>{@link #ZIPF}: rank {@code r} (0 = hottest) is drawn with probability proportional to {@code 1/(r+1)^0.99}
 * (YCSB's skew); {@link #UNIFORM}: every key equally likely. Deterministic for a seed. Sequences are generated in
 * setup only; instances are immutable after construction and may be shared read-only between threads.
 */
public final class KeySequence {
    /** {@code @Param} value of Zipf-distributed keys. */
    public static final String ZIPF = "zipf";
    /** {@code @Param} value of uniformly distributed keys. */
    public static final String UNIFORM = "uniform";
    /** Zipf exponent, as in YCSB. */
    public static final double ZIPF_EXPONENT = 0.99;
    /** Keys in a sequence (a power of two): replayed in a cycle, far more than any cache holds. */
    public static final int LENGTH = 1 << 20;
    /** Mask of {@link #LENGTH}. */
    public static final int MASK = LENGTH - 1;

    private final long[] keys;

    private KeySequence(long[] keys) {
        this.keys = keys;
    }

    /**
     * @param distribution {@link #ZIPF} or {@link #UNIFORM}
     * @param keyCount keys in the store, at least 1
     * @param seed random seed
     * @return a sequence of {@link #LENGTH} keys
     * @throws IllegalArgumentException for another distribution or a bad count
     */
    public static KeySequence of(String distribution, int keyCount, long seed) {
        if (keyCount < 1) {
            throw new IllegalArgumentException("keyCount=" + keyCount + " must be at least 1");
        }
        SplittableRandom random = new SplittableRandom(seed);
        long[] keys = new long[LENGTH];
        if (UNIFORM.equals(distribution)) {
            for (int i = 0; i < LENGTH; i++) {
                keys[i] = keyOf(random.nextInt(keyCount));
            }
        } else if (ZIPF.equals(distribution)) {
            double[] cdf = zipfCdf(keyCount);
            for (int i = 0; i < LENGTH; i++) {
                keys[i] = keyOf(rankOf(cdf, random.nextDouble()));
            }
        } else {
            throw new IllegalArgumentException("distribution=" + distribution + " is unknown: use " + ZIPF + " or "
                + UNIFORM);
        }
        return new KeySequence(keys);
    }

    /**
     * A bijection of 64-bit integers (the SplitMix64 finalizer): distinct indices give distinct keys.
     *
     * @param index key index, 0-based
     * @return the key stored under that index
     */
    public static long keyOf(long index) {
        long z = index + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * @param position any int; taken modulo {@link #LENGTH}
     * @return the key at that position
     */
    public long key(int position) {
        return keys[position & MASK];
    }

    /** @return the number of keys in the sequence, {@link #LENGTH} */
    public int length() {
        return keys.length;
    }

    private static double[] zipfCdf(int n) {
        double[] cdf = new double[n];
        double sum = 0;
        for (int r = 0; r < n; r++) {
            sum += 1.0 / Math.pow(r + 1, ZIPF_EXPONENT);
            cdf[r] = sum;
        }
        for (int r = 0; r < n; r++) {
            cdf[r] /= sum;
        }
        return cdf;
    }

    /** @return the smallest rank whose cumulative probability exceeds u */
    private static int rankOf(double[] cdf, double u) {
        int lo = 0;
        int hi = cdf.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cdf[mid] > u) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }
}
