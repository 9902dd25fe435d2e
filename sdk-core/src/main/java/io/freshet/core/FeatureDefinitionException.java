package io.freshet.core;

/**
 * Thrown when a feature set definition is invalid. The message names the offending value as {@code key=value} and
 * says how to fix it. Thrown at definition time only, never on a hot path.
 */
public final class FeatureDefinitionException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what is wrong and how to fix it
     */
    public FeatureDefinitionException(String message) {
        super(message);
    }
}
