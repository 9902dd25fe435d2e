package io.freshet.kafka;

import java.util.Objects;

/**
 * Thrown by a {@link RecordDecoder} to name why a record is bad more precisely than
 * {@link BadRecordReason#DECODE_ERROR}: the pipeline counts, reports and dead-letters the record under
 * {@link #reason()}, and its message (which must never quote the payload) appears in the
 * {@link BadRecordException} of a source with {@link BadRecordPolicy#FAIL}.
 *
 * <p>Carries no stack trace, so a decoder may create one instance per cause and throw it for every record with that
 * cause (an unknown schema id, say) without allocating per bad record. Immutable; safe to share between threads.
 */
public final class RejectedRecordException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why the record is bad. */
    private final BadRecordReason reason;

    /**
     * @param reason why the record is bad
     * @param message what is wrong and how to fix it, one line, never the payload
     */
    public RejectedRecordException(BadRecordReason reason, String message) {
        super(Objects.requireNonNull(message, "message can't be null"), null, false, false);
        this.reason = Objects.requireNonNull(reason, "reason can't be null");
    }

    /** @return why the record is bad */
    public BadRecordReason reason() {
        return reason;
    }

    /**
     * @param thrown what a decoder threw
     * @return its reason when it is a {@link RejectedRecordException}, else {@link BadRecordReason#DECODE_ERROR}
     */
    public static BadRecordReason reasonOf(Throwable thrown) {
        return thrown instanceof RejectedRecordException r ? r.reason : BadRecordReason.DECODE_ERROR;
    }
}
