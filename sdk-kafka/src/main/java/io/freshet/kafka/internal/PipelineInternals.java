package io.freshet.kafka.internal;

import io.freshet.kafka.FeaturePipeline;
import java.util.Objects;

/**
 * The door from the SDK's optional parts (the Micrometer binder) into a pipeline's telemetry, without a public
 * method on {@link FeaturePipeline}: {@code FeaturePipeline}'s static initialiser registers its side (the JDK's
 * SharedSecrets pattern, as {@code CoreInternals} in freshet-core).
 *
 * <p>Internal: not part of the public API. Thread-safe.
 */
public final class PipelineInternals {
    private static volatile Access access;

    private PipelineInternals() {
    }

    /** What {@code io.freshet.kafka} exposes to the SDK's own packages. */
    @FunctionalInterface
    public interface Access {
        /**
         * @param pipeline a pipeline
         * @return its telemetry view
         */
        PipelineTelemetry telemetryOf(FeaturePipeline pipeline);
    }

    /**
     * Called once, by {@code FeaturePipeline}'s static initialiser.
     *
     * @param a the accessor
     */
    public static void register(Access a) {
        if (access != null) {
            throw new IllegalStateException("pipeline access registered twice");
        }
        access = a;
    }

    /**
     * @param pipeline a pipeline (its class is initialised, so the access is registered)
     * @return its telemetry view
     */
    public static PipelineTelemetry telemetryOf(FeaturePipeline pipeline) {
        Objects.requireNonNull(pipeline, "pipeline can't be null");
        return access.telemetryOf(pipeline);
    }
}
