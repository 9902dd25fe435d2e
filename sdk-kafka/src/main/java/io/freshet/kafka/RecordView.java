package io.freshet.kafka;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.record.TimestampType;

/**
 * A reusable flyweight over one raw Kafka record as the consumer returned it: key, value and headers bytes in
 * place, never copied. Decoders read it; they must not modify the arrays or keep them past the call.
 *
 * <p>Threading: owned by one consumer thread and re-wrapped for every record. Allocation: none.
 */
public final class RecordView {
    private ConsumerRecord<byte[], byte[]> record;

    /** Creates an unwrapped view; call {@link #wrap} before use. */
    public RecordView() {
    }

    /**
     * @param record the raw record to view
     * @return this
     */
    public RecordView wrap(ConsumerRecord<byte[], byte[]> record) {
        this.record = record;
        return this;
    }

    /** @return the topic */
    public String topic() {
        return record.topic();
    }

    /** @return the partition */
    public int partition() {
        return record.partition();
    }

    /** @return the offset */
    public long offset() {
        return record.offset();
    }

    /** @return the record timestamp, epoch ms (producer create time or broker append time, see the topic) */
    public long timestampMs() {
        return record.timestamp();
    }

    /** @return whether {@link #timestampMs()} is create time or log-append time */
    public TimestampType timestampType() {
        return record.timestampType();
    }

    /** @return the key bytes, or null; do not modify */
    public byte[] key() {
        return record.key();
    }

    /** @return the value bytes, or null for a tombstone; do not modify */
    public byte[] value() {
        return record.value();
    }

    /** @return the headers; do not modify */
    public Headers headers() {
        return record.headers();
    }

    /** @return the value's length in bytes, 0 for a tombstone */
    public int valueSizeBytes() {
        byte[] v = record.value();
        return v == null ? 0 : v.length;
    }
}
