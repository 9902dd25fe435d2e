package io.freshet.store.cli;

/**
 * A command's refusal: one line for the user and the exit code it ends with. Thrown by commands, printed by
 * {@link Main} without a stack trace.
 */
final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    /**
     * @param exitCode {@link Main#EXIT_DAMAGED} or {@link Main#EXIT_ERROR}
     * @param message one line: what is wrong and how to fix it
     */
    CliException(int exitCode, String message) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
