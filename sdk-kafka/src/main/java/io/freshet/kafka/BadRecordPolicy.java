package io.freshet.kafka;

/** What a source does with a record it cannot apply ({@link BadRecordReason} says why). */
public enum BadRecordPolicy {
    /**
     * Stop the pipeline with a {@link BadRecordException} naming topic, partition, offset and cause; the set's
     * status becomes DOWN and the record's offset is not advanced, so a restart meets it again. The default.
     */
    FAIL,
    /** Count it, log a rate-limited line (never the payload) and move past it. */
    SKIP,
    /**
     * Produce its raw key, value and headers, plus {@code freshet.error.*} headers, to the source's dead-letter
     * topic and wait for the broker's acknowledgement before its offset advances. A process killed between the
     * acknowledgement and the offset's advance dead-letters the record again on restart (at least once).
     */
    DEAD_LETTER
}
