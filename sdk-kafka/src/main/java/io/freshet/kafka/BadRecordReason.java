package io.freshet.kafka;

/** Why a record could not be applied. Stable names: they appear in dead-letter headers and metrics. */
public enum BadRecordReason {
    /** The record has no value (a tombstone). */
    TOMBSTONE,
    /** Key plus value are larger than the source's {@code maxRecordBytes}. */
    OVERSIZED,
    /** The decoder threw. */
    DECODE_ERROR,
    /** The decoder returned null. */
    NULL_EVENT,
    /** The entity-key extractor threw. */
    KEY_ERROR,
    /** The text entity key is null. */
    NULL_KEY,
    /** The text entity key is longer than the store's key length or not valid text. */
    KEY_INVALID,
    /** The event-time extractor threw. */
    TIME_ERROR,
    /** The event time is negative. */
    NEGATIVE_TIME,
    /** The event time is further ahead of the pipeline's clock than the feature set's future skew. */
    FUTURE_TIME,
    /** The event time is older than the source's {@code maxEventAge}. */
    TOO_OLD,
    /** A value extractor returned NaN or an infinity. */
    NON_FINITE_VALUE,
    /** A value, id or filter extractor threw. */
    EXTRACTOR_ERROR,
    /** The key is new and the store is full. */
    STORE_FULL
}
