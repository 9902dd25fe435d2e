package io.freshet.kafka;

/**
 * The headers a dead letter carries besides the bad record's own: why it is bad and where it came from. The key,
 * value and original headers are the record's raw bytes. A value too large for the dead-letter topic is replaced
 * by null with {@link #OMITTED} giving its size, rather than losing the record.
 *
 * <p>Threading: constants only.
 */
public final class DeadLetterHeaders {
    /** The {@link BadRecordReason}. */
    public static final String REASON = "freshet.error.reason";
    /** The exception class, when user code threw. */
    public static final String CLASS = "freshet.error.class";
    /** The exception message, at most 256 chars. */
    public static final String MESSAGE = "freshet.error.message";
    /** The feature set. */
    public static final String SET = "freshet.featureset";
    /** Source topic. */
    public static final String TOPIC = "freshet.source.topic";
    /** Source partition. */
    public static final String PARTITION = "freshet.source.partition";
    /** Source offset. */
    public static final String OFFSET = "freshet.source.offset";
    /** Present when the value was too large to dead-letter: its original size, bytes. */
    public static final String OMITTED = "freshet.value.omitted.bytes";

    private DeadLetterHeaders() {
    }
}
