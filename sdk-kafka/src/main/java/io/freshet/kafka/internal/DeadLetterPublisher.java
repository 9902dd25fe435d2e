package io.freshet.kafka.internal;

import io.freshet.kafka.BadRecordReason;
import io.freshet.kafka.DeadLetterHeaders;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Produces bad records to dead-letter topics: the raw key, value and headers, plus the {@link DeadLetterHeaders},
 * and waits for the acknowledgement, so that the caller advances the offset only
 * after the broker has the record. A value too large for the dead-letter topic is replaced by null with a
 * {@code freshet.value.omitted.bytes} header rather than losing the record.
 *
 * <p>Threading: thread-safe (one shared idempotent producer). Allocates: this is the rare path.
 */
public final class DeadLetterPublisher implements AutoCloseable {
    private static final int MAX_MESSAGE_CHARS = 256;

    private final KafkaProducer<byte[], byte[]> producer;
    private final long timeoutMs;

    DeadLetterPublisher(Properties kafka, String clientId, long timeoutMs) {
        Properties p = ClientProperties.withoutConsumerKeys(kafka);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.putIfAbsent(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(16 << 20));
        this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        this.timeoutMs = timeoutMs;
    }

    /**
     * Produces one dead letter and waits for its acknowledgement.
     *
     * @return null on success, else the failure
     */
    Exception publish(String topic, String setName, ConsumerRecord<byte[], byte[]> rec, BadRecordReason reason,
        Throwable cause) {
        try {
            send(topic, setName, rec, reason, cause, false);
            return null;
        } catch (Exception e) {
            Throwable c = e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e;
            if (c instanceof RecordTooLargeException) {
                try {
                    send(topic, setName, rec, reason, cause, true);
                    return null;
                } catch (Exception again) {
                    return again;
                }
            }
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return e;
        }
    }

    private void send(String topic, String setName, ConsumerRecord<byte[], byte[]> rec, BadRecordReason reason,
        Throwable cause, boolean omitValue) throws Exception {
        RecordHeaders h = new RecordHeaders(rec.headers().toArray());
        h.add(DeadLetterHeaders.REASON, utf8(reason.name()));
        if (cause != null) {
            h.add(DeadLetterHeaders.CLASS, utf8(cause.getClass().getName()));
            String m = String.valueOf(cause.getMessage());
            h.add(DeadLetterHeaders.MESSAGE,
                utf8(m.length() > MAX_MESSAGE_CHARS ? m.substring(0, MAX_MESSAGE_CHARS) : m));
        }
        h.add(DeadLetterHeaders.SET, utf8(setName));
        h.add(DeadLetterHeaders.TOPIC, utf8(rec.topic()));
        h.add(DeadLetterHeaders.PARTITION, utf8(Integer.toString(rec.partition())));
        h.add(DeadLetterHeaders.OFFSET, utf8(Long.toString(rec.offset())));
        byte[] value = rec.value();
        if (omitValue) {
            h.add(DeadLetterHeaders.OMITTED, utf8(Integer.toString(value == null ? 0 : value.length)));
            value = null;
        }
        producer.send(new ProducerRecord<>(topic, null, rec.key(), value, h)).get(timeoutMs, TimeUnit.MILLISECONDS);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        producer.close(java.time.Duration.ofSeconds(5));
    }
}
