package io.freshet.kafka;

/**
 * The pipeline stopped or refused to start; the message says why with {@code key=value} detail and how to fix it.
 * Subclasses narrow the cause ({@link BadRecordException}, {@link OffsetMismatchException}).
 */
public class PipelineException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what happened and how to fix it
     * @param cause the cause, or null
     */
    public PipelineException(String message, Throwable cause) {
        super(message, cause);
    }
}
