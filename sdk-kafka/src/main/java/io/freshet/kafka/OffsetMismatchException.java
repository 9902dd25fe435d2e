package io.freshet.kafka;

/**
 * The offsets in a store do not belong to the cluster or topic the pipeline is connected to (another cluster id, a
 * topic deleted and re-created) or point below the partition's log start (retention passed): seeking there would
 * silently skip or double-count records. See {@link OffsetMismatchPolicy}.
 */
public final class OffsetMismatchException extends PipelineException {
    private static final long serialVersionUID = 1L;

    /** What does not match. */
    public enum Kind {
        /** The store was fed from another Kafka cluster. */
        CLUSTER,
        /** The topic was deleted and re-created since the store was fed. */
        TOPIC,
        /** The store's position is below the partition's log start offset. */
        LOG_START
    }

    /** What does not match. */
    private final Kind kind;

    /**
     * @param kind what does not match
     * @param message detail and fix
     */
    public OffsetMismatchException(Kind kind, String message) {
        super(message, null);
        this.kind = kind;
    }

    /** @return what does not match */
    public Kind kind() {
        return kind;
    }
}
