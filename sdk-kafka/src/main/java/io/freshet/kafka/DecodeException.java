package io.freshet.kafka;

import java.util.Objects;

/**
 * Thrown by a {@link RecordDecoder} to mark a record bad with a specific {@link BadRecordReason} instead of the
 * generic {@link BadRecordReason#DECODE_ERROR}: the pipeline counts, dead-letters and reports the record under
 * {@link #reason()}, and puts the message (one line, naming the field or byte offset, never the payload) into the
 * {@link BadRecordException} and the dead letter's {@code freshet.error.message} header.
 *
 * <p>It records no stack trace: bad records may be frequent and the trace would only point into the decoder.
 */
public final class DecodeException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why the record is bad. */
    private final BadRecordReason reason;

    /**
     * @param reason why the record is bad
     * @param message one line naming the field or offset; never quote the payload
     */
    public DecodeException(BadRecordReason reason, String message) {
        super(Objects.requireNonNull(message, "message can't be null"), null, false, false);
        this.reason = Objects.requireNonNull(reason, "reason can't be null");
    }

    /** @return why the record is bad */
    public BadRecordReason reason() {
        return reason;
    }
}
