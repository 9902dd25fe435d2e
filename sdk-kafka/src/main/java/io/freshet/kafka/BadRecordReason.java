package io.freshet.kafka;

/**
 * Why a record could not be applied: always something about the record itself, never the state of the store (a
 * record whose new key finds the store full waits for room instead: {@link SetStatus.State#STORE_FULL}). Stable
 * names: they appear in dead-letter headers and metrics.
 */
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
    /** The value does not start with the Schema Registry wire format's magic byte 0 (Avro decoders). */
    BAD_MAGIC_BYTE,
    /** The value's schema id is unknown to the schema provider, or the provider could not be reached in time. */
    UNKNOWN_SCHEMA_ID,
    /** The value ends before its schema's last field (or a length in it points past its end). */
    TRUNCATED,
    /** The writer's schema cannot be read as the decoder's declared fields (missing field without default, type). */
    SCHEMA_MISMATCH,
    /** The value is not well-formed in its format (e.g. malformed JSON); the decoder's message names the offset. */
    MALFORMED,
    /** A required field is absent, or null without a default (JSON, Avro); the decoder's message names it. */
    MISSING_FIELD,
    /** A field holds another type than declared (a string where a number is declared); the message names it. */
    WRONG_TYPE,
    /** A number does not fit its declared type (a long past 2^63, a double past its range). */
    OUT_OF_RANGE
    // No STORE_FULL: a full store is not bad input. Its set waits for room (SetStatus.State.STORE_FULL).
}
