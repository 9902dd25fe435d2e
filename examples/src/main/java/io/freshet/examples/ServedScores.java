package io.freshet.examples;

import io.freshet.core.ViewVector;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code /score/{user}} served while recording is on, for the zero-skew check: per request the user, the read
 * time, the payment asked about, the served vector's {@link VectorImage} and the model's score. Off by default; the
 * train-and-serve demo turns it on around its sample requests only (recording copies the vector: it allocates).
 *
 * <p>Threading: the request threads record, the demo's thread switches it and takes the samples; all synchronized.
 */
final class ServedScores {
    /**
     * One served score.
     *
     * @param user the user
     * @param readTimeMs the read time of the served view vector
     * @param amount the payment's amount, the view's request parameter (NaN when the request gave none)
     * @param image the served view vector's {@link VectorImage} (its user vector, then every column)
     * @param score the model's probability of fraud
     */
    record Served(long user, long readTimeMs, double amount, long[] image, double score) {
    }

    private final List<Served> served = new ArrayList<>();
    private boolean recording;

    /** @param on whether to record what is served from now on */
    synchronized void recording(boolean on) {
        recording = on;
    }

    /**
     * Records a served score when recording is on.
     *
     * @param user the user
     * @param v the served view vector
     * @param amount the payment's amount
     * @param score the score served
     */
    synchronized void record(long user, ViewVector v, double amount, double score) {
        if (recording) {
            served.add(new Served(user, v.readTimeMs(), amount,
                VectorImage.of(v.vectorOf(RiskFeatures.USER_RISK), v), score));
        }
    }

    /** @return what was recorded so far, in serving order (a copy) */
    synchronized List<Served> served() {
        return List.copyOf(served);
    }
}
