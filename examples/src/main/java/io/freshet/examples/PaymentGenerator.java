package io.freshet.examples;

import java.util.SplittableRandom;

/**
 * Synthetic payments with realistic skew: users drawn from a Zipf distribution (a few very active users, a long
 * tail), merchants mostly from each user's few favourites, amounts log-normal, ~3% declines (more for a handful of
 * "risky" users), and event times a little out of order. Deterministic for a seed. Not thread-safe.
 */
public final class PaymentGenerator {
    private final SplittableRandom random;
    private final int users;
    private final double[] zipfCdf;

    /**
     * @param seed random seed
     * @param users number of distinct users
     * @param zipfExponent skew (1.0 is classic Zipf)
     */
    public PaymentGenerator(long seed, int users, double zipfExponent) {
        this.random = new SplittableRandom(seed);
        this.users = users;
        this.zipfCdf = new double[users];
        double sum = 0;
        for (int i = 0; i < users; i++) {
            sum += 1 / Math.pow(i + 1, zipfExponent);
            zipfCdf[i] = sum;
        }
        for (int i = 0; i < users; i++) {
            zipfCdf[i] /= sum;
        }
    }

    /** @return a user id drawn from the Zipf distribution (1 is the most active) */
    public long nextUser() {
        double u = random.nextDouble();
        int lo = 0;
        int hi = users - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (zipfCdf[mid] < u) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo + 1;
    }

    /**
     * @param nowMs the producer's clock; event times trail it by up to 3 s
     * @return the next payment
     */
    public Payment next(long nowMs) {
        return next(nowMs, new Payment());
    }

    /**
     * @param nowMs the producer's clock; event times trail it by up to 3 s
     * @param into the payment to overwrite
     * @return {@code into}, holding the next payment
     */
    public Payment next(long nowMs, Payment into) {
        long user = nextUser();
        long merchant = random.nextInt(10) < 8 ? user * 7 % 1000 + random.nextInt(3) : random.nextInt(5000);
        double amount = Math.round(Math.exp(3 + random.nextGaussian() * 0.9) * 100) / 100.0;
        boolean declined = random.nextInt(1000) < (isRisky(user) ? 300 : 30);
        return into.set(user, nowMs - random.nextInt(3000), amount, declined, merchant, 250 + random.nextInt(3));
    }

    /**
     * @param user a user id
     * @return whether the generator gives this user ten times the usual decline rate (every 97th user)
     */
    public static boolean isRisky(long user) {
        return user % 97 == 0;
    }
}
