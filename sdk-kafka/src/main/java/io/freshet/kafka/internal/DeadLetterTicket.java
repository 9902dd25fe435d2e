package io.freshet.kafka.internal;

import io.freshet.kafka.BadRecordReason;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * One dead letter an applier handed to the {@link DeadLetterAgent}, and its outcome. Each applier owns one ticket
 * and has at most one in flight: it applies nothing more until the outcome is known, so the record's offset is
 * never stored before its dead letter is acknowledged (at-least-once), and the applier never waits on the producer.
 *
 * <p>Threading: the applier fills it and submits it; the dead-letter thread completes it; the {@link #state}
 * volatile orders the hand-over both ways. Allocation: none (the record and cause are the bad record's own).
 */
final class DeadLetterTicket {
    static final int IDLE = 0;
    static final int IN_FLIGHT = 1;
    static final int ACKNOWLEDGED = 2;
    static final int REFUSED = 3;

    String topic;
    String setName;
    ConsumerRecord<byte[], byte[]> record;
    BadRecordReason reason;
    Throwable cause;
    /** The producer's failure when {@link #REFUSED}. */
    Exception error;
    volatile int state = IDLE;
    /** The submitting applier's idle strategy: woken when the outcome is known. */
    IdleStrategy owner;

    void fill(String topic, String setName, ConsumerRecord<byte[], byte[]> record, BadRecordReason reason,
        Throwable cause) {
        this.topic = topic;
        this.setName = setName;
        this.record = record;
        this.reason = reason;
        this.cause = cause;
        this.error = null;
        this.state = IN_FLIGHT;
    }

    /** @param e null when acknowledged, else the producer's failure */
    void complete(Exception e) {
        this.error = e;
        this.record = null;
        this.state = e == null ? ACKNOWLEDGED : REFUSED;
        if (owner != null) {
            owner.wake();
        }
    }
}
