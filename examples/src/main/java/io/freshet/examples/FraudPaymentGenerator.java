package io.freshet.examples;

import java.util.SplittableRandom;

/**
 * Payments with a hidden fraud rule, for the train-and-serve demo ({@link TrainServeDemo}): mostly ordinary payments
 * (Zipf-skewed users, each with a typical amount and a few favourite merchants, ~3% declines), and now and then an
 * account-takeover <em>episode</em>: a burst of several payments of one user at merchants new to them, at many times
 * their usual amount, a good share declined. The rule is hidden from the model but works through behaviour the
 * features can see (bursts, declines, new merchants, amount spikes). Labels are noisy, as chargebacks are: an episode's
 * payment is fraud with probability {@value #EPISODE_FRAUD_PERCENT}%, an ordinary one with
 * {@value #ORDINARY_FRAUD_PER_MILLE}‰ (friendly fraud).
 *
 * <p>Event times are the caller's clock, so payments come in time order (a label's time is its payment's).
 * Deterministic for a seed and a sequence of clocks. Not thread-safe.
 */
public final class FraudPaymentGenerator {
    /** Chance, in percent, that an episode's payment is labelled fraud. */
    public static final int EPISODE_FRAUD_PERCENT = 92;
    /** Chance, per mille, that an ordinary payment is labelled fraud. */
    public static final int ORDINARY_FRAUD_PER_MILLE = 2;
    private static final int MAX_EPISODES = 8;
    /** Per mille of ordinary payments whose user starts an episode. */
    private static final int EPISODE_START_PER_MILLE = 3;
    /** Percent of payments drawn from a running episode (when one runs). */
    private static final int EPISODE_SHARE_PERCENT = 3;
    /** Merchants of episodes come from here on: never a user's favourite nor an ordinary merchant. */
    private static final long NEW_MERCHANTS_FROM = 10_000;

    private final SplittableRandom random;
    private final PaymentGenerator users;
    private final long[] episodeUser = new long[MAX_EPISODES];
    private final int[] episodeLeft = new int[MAX_EPISODES];
    private int episodes;
    private boolean lastFraud;
    private boolean lastEpisode;

    /**
     * @param seed random seed
     * @param users distinct users (Zipf exponent 1.1, as the fraud demo's)
     */
    public FraudPaymentGenerator(long seed, int users) {
        this.random = new SplittableRandom(seed);
        this.users = new PaymentGenerator(seed ^ 0x5eedL, users, 1.1);
    }

    /**
     * @param nowMs the payment's event time, epoch ms
     * @param into the payment to overwrite
     * @return {@code into}; {@link #lastFraud()} tells its label
     */
    public Payment next(long nowMs, Payment into) {
        if (episodes > 0 && random.nextInt(100) < EPISODE_SHARE_PERCENT) {
            int e = random.nextInt(episodes);
            long user = episodeUser[e];
            if (--episodeLeft[e] == 0) {
                episodes--;
                episodeUser[e] = episodeUser[episodes];
                episodeLeft[e] = episodeLeft[episodes];
            }
            double amount = round2(typicalAmount(user) * (4 + random.nextDouble() * 8));
            long merchant = NEW_MERCHANTS_FROM + random.nextInt(90_000);
            lastEpisode = true;
            lastFraud = random.nextInt(100) < EPISODE_FRAUD_PERCENT;
            return into.set(user, nowMs, amount, random.nextInt(100) < 40, merchant, 250 + random.nextInt(3));
        }
        long user = users.nextUser();
        if (episodes < MAX_EPISODES && random.nextInt(1000) < EPISODE_START_PER_MILLE && !inEpisode(user)) {
            episodeUser[episodes] = user;
            episodeLeft[episodes] = 6 + random.nextInt(9);
            episodes++;
        }
        long merchant = random.nextInt(10) < 8 ? user * 7 % 1000 + random.nextInt(3) : random.nextInt(5000);
        double amount = round2(typicalAmount(user) * Math.exp(random.nextGaussian() * 0.5));
        boolean declined = random.nextInt(1000) < (PaymentGenerator.isRisky(user) ? 100 : 30);
        lastEpisode = false;
        lastFraud = random.nextInt(1000) < ORDINARY_FRAUD_PER_MILLE;
        return into.set(user, nowMs, amount, declined, merchant, 250 + random.nextInt(3));
    }

    /** @return whether the last payment {@link #next} made is labelled fraud */
    public boolean lastFraud() {
        return lastFraud;
    }

    /** @return whether the last payment came from an episode (the hidden rule; for tests and the report) */
    public boolean lastEpisode() {
        return lastEpisode;
    }

    private boolean inEpisode(long user) {
        for (int i = 0; i < episodes; i++) {
            if (episodeUser[i] == user) {
                return true;
            }
        }
        return false;
    }

    /** A user's usual amount: fixed per user, log-normal over users (median ~20). */
    static double typicalAmount(long user) {
        long h = user * 0x9E3779B97F4A7C15L;
        double u = ((h >>> 11) & ((1L << 53) - 1)) / (double) (1L << 53);
        return Math.exp(3 + (u - 0.5) * 2);
    }

    private static double round2(double d) {
        return Math.round(d * 100) / 100.0;
    }
}
