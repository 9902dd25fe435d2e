package io.freshet.examples;

import java.util.Arrays;

/**
 * Ranking metrics of a score against binary labels, for the hand-set baseline (Tribuo evaluates its own models, and
 * the demo checks that both agree on the trained one).
 */
final class Auc {
    private Auc() {
    }

    /**
     * The area under the ROC curve: the chance that a random positive scores above a random negative, ties counted
     * half (Mann-Whitney U over average ranks).
     *
     * @param scores one score per example
     * @param positive whether each example is positive
     * @return the AUC in [0, 1]
     * @throws IllegalArgumentException when the lengths differ or a class is absent
     */
    static double rocAuc(double[] scores, boolean[] positive) {
        int n = check(scores, positive);
        Integer[] order = byScore(scores);
        double rankSumPositive = 0;
        long positives = 0;
        int i = 0;
        while (i < n) {
            int j = i;
            while (j + 1 < n && scores[order[j + 1]] == scores[order[i]]) {
                j++;
            }
            double averageRank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                if (positive[order[k]]) {
                    rankSumPositive += averageRank;
                    positives++;
                }
            }
            i = j + 1;
        }
        long negatives = n - positives;
        if (positives == 0 || negatives == 0) {
            throw new IllegalArgumentException("positives=" + positives + " negatives=" + negatives
                + ": the AUC needs both classes");
        }
        return (rankSumPositive - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
    }

    /**
     * The precision of alerting on the highest-scoring {@code alertRate} share: of the top
     * {@code ceil(alertRate · n)} examples, the share that is positive (ties at the cut broken by input order).
     *
     * @param scores one score per example
     * @param positive whether each example is positive
     * @param alertRate the share alerted, in (0, 1]
     * @return the precision in [0, 1]
     */
    static double precisionAt(double[] scores, boolean[] positive, double alertRate) {
        int n = check(scores, positive);
        if (!(alertRate > 0 && alertRate <= 1)) {
            throw new IllegalArgumentException("alertRate=" + alertRate + " is not in (0, 1]");
        }
        Integer[] order = byScore(scores);
        int k = (int) Math.ceil(alertRate * n);
        int hits = 0;
        for (int i = n - k; i < n; i++) {
            hits += positive[order[i]] ? 1 : 0;
        }
        return hits / (double) k;
    }

    private static int check(double[] scores, boolean[] positive) {
        if (scores.length != positive.length || scores.length == 0) {
            throw new IllegalArgumentException("scores.length=" + scores.length + " positive.length="
                + positive.length + ": give one label per score, at least one");
        }
        return scores.length;
    }

    /** Indexes in ascending score order (stable, so ties keep input order). */
    private static Integer[] byScore(double[] scores) {
        Integer[] order = new Integer[scores.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(scores[a], scores[b]));
        return order;
    }
}
