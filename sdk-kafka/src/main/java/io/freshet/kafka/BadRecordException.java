package io.freshet.kafka;

/**
 * A record of a source with {@link BadRecordPolicy#FAIL} could not be applied (or a dead letter could not be
 * produced): names the feature set, topic, partition, offset and reason; the cause is the user code's exception,
 * if any. The record's offset was not advanced.
 */
public final class BadRecordException extends PipelineException {
    private static final long serialVersionUID = 1L;

    /** The feature set whose source the record came from. */
    private final String featureSet;
    /** The record's topic. */
    private final String topic;
    /** The record's partition. */
    private final int partition;
    /** The record's offset (not advanced). */
    private final long offset;
    /** Why the record was bad. */
    private final BadRecordReason reason;

    /**
     * @param featureSet the feature set
     * @param topic topic
     * @param partition partition
     * @param offset offset
     * @param reason why
     * @param detail extra detail (never the payload), may be empty
     * @param cause user code's exception, or null
     */
    public BadRecordException(String featureSet, String topic, int partition, long offset, BadRecordReason reason,
        String detail, Throwable cause) {
        super("bad record: set=" + featureSet + " topic=" + topic + " partition=" + partition + " offset=" + offset
            + " reason=" + reason + (detail.isEmpty() ? "" : " " + detail)
            // The cause's message may quote the payload (parsers do): only its class goes into this message.
            + (cause == null ? "" : " cause=" + cause.getClass().getName())
            + "; fix the producer or the decoder, or choose BadRecordPolicy.SKIP/DEAD_LETTER for this source", cause);
        this.featureSet = featureSet;
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.reason = reason;
    }

    /** @return the feature set */
    public String featureSet() {
        return featureSet;
    }

    /** @return the topic */
    public String topic() {
        return topic;
    }

    /** @return the partition */
    public int partition() {
        return partition;
    }

    /** @return the offset */
    public long offset() {
        return offset;
    }

    /** @return why */
    public BadRecordReason reason() {
        return reason;
    }
}
