package io.freshet.kafka;

import java.util.Objects;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Turns a raw Kafka record into an event of a feature set, reading the bytes in place.
 *
 * <p>Garbage-free decoders implement {@link #newReusable()} to create a mutable event once per hand-off slot and
 * fill the {@code reuse} instance passed to {@link #decode}; the pipeline keeps that instance alive, untouched,
 * until the event has been applied, then passes it to {@code decode} again. Decoders that return new objects
 * (e.g. {@link #fromDeserializer}) leave {@code newReusable()} null and ignore {@code reuse}.
 *
 * <p>Threading: one decoder instance is called by every consumer thread of the pipeline at once: keep state in the
 * event, not in the decoder. A throw (any {@code Throwable}, {@code Error}s included) or a null return marks the
 * record bad; the source's {@link BadRecordPolicy} decides what follows.
 *
 * @param <E> the event type
 */
@FunctionalInterface
public interface RecordDecoder<E> {
    /**
     * @param record the raw record (valid for this call only)
     * @param reuse an instance from {@link #newReusable()} that the pipeline no longer uses, or null
     * @return the event (typically {@code reuse}, filled), or null when the record is not an event
     * @throws Exception on malformed input
     */
    E decode(RecordView record, E reuse) throws Exception;

    /** @return a new mutable event for {@link #decode} to fill, or null when the decoder allocates its own */
    default E newReusable() {
        return null;
    }

    /**
     * Adapts a Kafka {@link Deserializer} of record values (it allocates one event per record, as it always does).
     *
     * @param deserializer a configured value deserializer; must be thread-safe with several consumer threads
     * @param <E> the event type
     * @return a decoder
     */
    static <E> RecordDecoder<E> fromDeserializer(Deserializer<E> deserializer) {
        Objects.requireNonNull(deserializer, "deserializer can't be null");
        return (record, reuse) -> deserializer.deserialize(record.topic(), record.headers(), record.value());
    }
}
