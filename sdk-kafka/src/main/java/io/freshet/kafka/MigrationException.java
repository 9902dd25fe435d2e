package io.freshet.kafka;

/**
 * A migration that cannot go on or refuses a step: {@link #reason()} says which, the message names the fix. The live
 * set is never touched by the failure.
 */
public final class MigrationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why a migration stopped or refused. */
    public enum Reason {
        /** The shadow store ran out of capacity: the migration stopped. */
        STORE_FULL,
        /** The shadow pipeline failed (Kafka, a bad record under FAIL, the store). */
        SHADOW_FAILED,
        /** {@code promote} found a cutover criterion not met. */
        CUTOVER_REFUSED,
        /** The step is not possible in the migration's state (e.g. rollback before promote). */
        WRONG_STATE,
        /** The state directory records another migration, or cannot be written. */
        STATE_FILE
    }

    /** Why the migration stopped or refused. */
    private final Reason reason;

    /**
     * @param reason why
     * @param message what happened and how to fix it
     * @param cause the underlying failure, or null
     */
    public MigrationException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /** @return why the migration stopped or refused */
    public Reason reason() {
        return reason;
    }
}
