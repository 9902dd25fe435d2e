package io.freshet.kafka;

import java.time.Duration;

/**
 * A snapshot of a {@link TrainingSet} run: labels done (rows written), history records read, % done, rate and ETA.
 *
 * <p>Immutable. Handed to the run's progress listener at its interval, logged at INFO, and returned by
 * {@link TrainingSet#writeCsv} once the run is complete.
 *
 * @param labelsDone labels turned into rows so far
 * @param labelsTotal labels in all, when the label source says (a {@link java.util.Collection}); -1 otherwise
 * @param recordsRead feature records read from the history so far (all partitions)
 * @param recordsToRead records between the start offsets and the end offsets found when the run began
 * @param rowsPerSecond rows written per second since the run began
 * @param elapsed time since the run began
 * @param complete true once every label has its row and the output is closed
 */
public record TrainingProgress(long labelsDone, long labelsTotal, long recordsRead, long recordsToRead,
    double rowsPerSecond, Duration elapsed, boolean complete) {

    /**
     * @return labels done / labels in all in percent when the total is known; otherwise records read / records to
     *     read (the run never reads past the last label's horizon, so it may finish below 100); 100 once complete
     */
    public double percentDone() {
        if (complete) {
            return 100.0;
        }
        if (labelsTotal > 0) {
            return 100.0 * labelsDone / labelsTotal;
        }
        return recordsToRead <= 0 ? 0.0 : Math.min(100.0, 100.0 * recordsRead / recordsToRead);
    }

    /** @return time left at the current rate: {@link Duration#ZERO} once complete, null while it cannot be told */
    public Duration eta() {
        if (complete) {
            return Duration.ZERO;
        }
        double pct = percentDone();
        if (pct <= 0.0) {
            return null;
        }
        return Duration.ofMillis((long) (elapsed.toMillis() * (100.0 - pct) / pct));
    }

    /** @return a one-line summary, as logged */
    @Override
    public String toString() {
        Duration eta = eta();
        return String.format("labels=%d/%s (%.1f%%) records=%d/%d rate=%.0f rows/s eta=%s%s", labelsDone,
            labelsTotal < 0 ? "?" : Long.toString(labelsTotal), percentDone(), recordsRead, recordsToRead,
            rowsPerSecond, eta == null ? "?" : eta.toSeconds() + "s", complete ? " complete" : "");
    }
}
