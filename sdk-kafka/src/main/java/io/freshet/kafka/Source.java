package io.freshet.kafka;

import java.time.Duration;
import java.util.Objects;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * A Kafka topic feeding a feature set: the topic, a {@link RecordDecoder} and what to do with bad records.
 * Immutable: each option returns a new source, so a source can be shared as a template.
 *
 * <pre>{@code
 * Source<Payment> payments = Source.of("payments", new PaymentDecoder())   // or deserializing(topic, d)
 *     .deadLetterTo("payments.dlq")
 *     .maxEventAge(Duration.ofDays(30));
 * }</pre>
 *
 * <p>Defaults: {@link BadRecordPolicy#FAIL}; a tombstone (null value) is a bad record
 * ({@link TombstonePolicy#BAD_RECORD}; {@code tombstones(TombstonePolicy.DELETE)} makes it delete the entity's row);
 * records over {@value #DEFAULT_MAX_RECORD_BYTES} bytes (key plus
 * value) are bad; no limit on event age (events older than a window's oldest tile are still dropped as late by the
 * kernels, and counted).
 *
 * @param <E> the event type
 */
public final class Source<E> {
    /** Default bound on key plus value bytes: 1 MiB. */
    public static final int DEFAULT_MAX_RECORD_BYTES = 1 << 20;

    private final String topic;
    private final RecordDecoder<E> decoder;
    private final BadRecordPolicy policy;
    private final String deadLetterTopic;
    private final int maxRecordBytes;
    private final long maxEventAgeMs;
    private final TombstonePolicy tombstones;

    private Source(String topic, RecordDecoder<E> decoder, BadRecordPolicy policy, String deadLetterTopic,
        int maxRecordBytes, long maxEventAgeMs) {
        this(topic, decoder, policy, deadLetterTopic, maxRecordBytes, maxEventAgeMs, TombstonePolicy.BAD_RECORD);
    }

    private Source(String topic, RecordDecoder<E> decoder, BadRecordPolicy policy, String deadLetterTopic,
        int maxRecordBytes, long maxEventAgeMs, TombstonePolicy tombstones) {
        this.topic = topic;
        this.decoder = decoder;
        this.policy = policy;
        this.deadLetterTopic = deadLetterTopic;
        this.maxRecordBytes = maxRecordBytes;
        this.maxEventAgeMs = maxEventAgeMs;
        this.tombstones = tombstones;
    }

    /**
     * @param topic topic name
     * @param decoder decodes its records
     * @param <E> event type
     * @return a source with default options
     */
    public static <E> Source<E> of(String topic, RecordDecoder<E> decoder) {
        Objects.requireNonNull(topic, "topic can't be null");
        if (topic.isBlank()) {
            throw new IllegalArgumentException("topic is blank: name the Kafka topic to read");
        }
        return new Source<>(topic, Objects.requireNonNull(decoder, "decoder can't be null"), BadRecordPolicy.FAIL,
            null, DEFAULT_MAX_RECORD_BYTES, Long.MAX_VALUE);
    }

    /**
     * @param topic topic name
     * @param deserializer value deserializer (allocates per record)
     * @param <E> event type
     * @return a source with default options
     */
    public static <E> Source<E> deserializing(String topic, Deserializer<E> deserializer) {
        return of(topic, RecordDecoder.fromDeserializer(deserializer));
    }

    /**
     * @param policy FAIL or SKIP; DEAD_LETTER needs a topic, use {@link #deadLetterTo(String)}
     * @return a copy with this policy
     */
    public Source<E> onBadRecord(BadRecordPolicy policy) {
        Objects.requireNonNull(policy, "policy can't be null");
        if (policy == BadRecordPolicy.DEAD_LETTER) {
            throw new IllegalArgumentException("topic=" + topic
                + ": DEAD_LETTER needs a topic: call deadLetterTo(topic)");
        }
        return new Source<>(topic, decoder, policy, null, maxRecordBytes, maxEventAgeMs, tombstones);
    }

    /**
     * @param deadLetterTopic existing topic to receive bad records (checked at start)
     * @return a copy with {@link BadRecordPolicy#DEAD_LETTER}
     */
    public Source<E> deadLetterTo(String deadLetterTopic) {
        Objects.requireNonNull(deadLetterTopic, "deadLetterTopic can't be null");
        if (deadLetterTopic.isBlank() || deadLetterTopic.equals(topic)) {
            throw new IllegalArgumentException("deadLetterTopic=" + deadLetterTopic + " for topic=" + topic
                + ": name another, existing topic");
        }
        return new Source<>(topic, decoder, BadRecordPolicy.DEAD_LETTER, deadLetterTopic, maxRecordBytes,
            maxEventAgeMs, tombstones);
    }

    /**
     * @param bytes largest key plus value accepted, 1..2^30
     * @return a copy with this bound
     */
    public Source<E> maxRecordBytes(int bytes) {
        if (bytes < 1 || bytes > (1 << 30)) {
            throw new IllegalArgumentException("maxRecordBytes=" + bytes + " is out of range: use 1..2^30");
        }
        return new Source<>(topic, decoder, policy, deadLetterTopic, bytes, maxEventAgeMs, tombstones);
    }

    /**
     * @param age events older than the pipeline clock minus this are bad ({@link BadRecordReason#TOO_OLD})
     * @return a copy with this bound
     */
    public Source<E> maxEventAge(Duration age) {
        Objects.requireNonNull(age, "age can't be null");
        if (age.isNegative() || age.isZero()) {
            throw new IllegalArgumentException("maxEventAge=" + age + " must be positive");
        }
        return new Source<>(topic, decoder, policy, deadLetterTopic, maxRecordBytes, age.toMillis(), tombstones);
    }

    /**
     * @param tombstones {@link TombstonePolicy#DELETE} to delete the entity's row on a tombstone (null value), or
     *     {@link TombstonePolicy#BAD_RECORD} (the default)
     * @return a copy with this policy
     */
    public Source<E> tombstones(TombstonePolicy tombstones) {
        Objects.requireNonNull(tombstones, "tombstones can't be null");
        return new Source<>(topic, decoder, policy, deadLetterTopic, maxRecordBytes, maxEventAgeMs, tombstones);
    }

    /** @return what a tombstone does */
    public TombstonePolicy tombstonePolicy() {
        return tombstones;
    }

    /** @return the topic */
    public String topic() {
        return topic;
    }

    /** @return the decoder */
    public RecordDecoder<E> decoder() {
        return decoder;
    }

    /** @return the bad-record policy */
    public BadRecordPolicy policy() {
        return policy;
    }

    /** @return the dead-letter topic, or null */
    public String deadLetterTopic() {
        return deadLetterTopic;
    }

    /** @return the largest accepted key plus value, bytes */
    public int maxRecordBytes() {
        return maxRecordBytes;
    }

    /** @return the oldest accepted event age in ms, {@code Long.MAX_VALUE} for none */
    public long maxEventAgeMs() {
        return maxEventAgeMs;
    }

    @Override
    public String toString() {
        return "Source{topic=" + topic + ", policy=" + policy
            + (deadLetterTopic == null ? "" : ", deadLetterTopic=" + deadLetterTopic)
            + (tombstones == TombstonePolicy.DELETE ? ", tombstones=DELETE" : "") + "}";
    }
}
