package io.freshet.kafka.internal;

import io.freshet.kafka.BadRecordException;
import io.freshet.kafka.BadRecordPolicy;
import io.freshet.kafka.BadRecordReason;
import io.freshet.kafka.DecodeException;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a pipeline thread does with a bad record, by its source's {@link BadRecordPolicy}: FAIL stops the pipeline
 * with the record's set, topic, partition, offset and reason; SKIP counts it and logs it (at most every 10 s per
 * thread, never the payload); DEAD_LETTER produces the raw record with error headers to the source's dead-letter
 * topic and counts it once the broker acknowledged it. Every bad record is also counted by reason.
 *
 * <p>Consumers dead-letter synchronously (the caller advances nothing before the acknowledgement). Appliers hand
 * the dead letter to the {@link DeadLetterAgent} and get {@link #PENDING}: they poll {@link #pendingOutcome()} in
 * their duty cycle and store the record's offset only once it is {@link #HANDLED}.
 *
 * <p>Threading: one instance per pipeline thread. Allocation: the rare path only.
 */
final class BadRecordHandler {
    private static final Logger LOG = LoggerFactory.getLogger(BadRecordHandler.class);
    private static final long SKIP_LOG_INTERVAL_MS = 10_000;

    /** The record is handled: the caller may move past it. */
    static final int HANDLED = 0;
    /** The pipeline failed: the caller stops. */
    static final int FAILED = 1;
    /** A dead letter is in flight: the caller holds the record until {@link #pendingOutcome()} says otherwise. */
    static final int PENDING = 2;

    private final Counters counters;
    private final FailureLatch failures;
    /** Synchronous producer (consumer threads), or null. */
    private final DeadLetterPublisher publisher;
    /** Asynchronous hand-off (applier threads), or null. */
    private final DeadLetterAgent agent;
    /** The applier's one dead letter in flight (null on consumers); package-private for tests of this package. */
    final DeadLetterTicket ticket;
    private Binding pendingBinding;
    private int pendingPartition;
    private long pendingOffset;
    private long lastSkipLogMs;

    private BadRecordHandler(Counters counters, FailureLatch failures, DeadLetterPublisher publisher,
        DeadLetterAgent agent) {
        this.counters = counters;
        this.failures = failures;
        this.publisher = publisher;
        this.agent = agent;
        this.ticket = agent == null ? null : new DeadLetterTicket();
    }

    /** A consumer's handler: dead letters are produced on the calling thread. */
    static BadRecordHandler blocking(Counters counters, FailureLatch failures, DeadLetterPublisher publisher) {
        return new BadRecordHandler(counters, failures, publisher, null);
    }

    /** An applier's handler: dead letters are handed to the dead-letter agent. */
    static BadRecordHandler handingOff(Counters counters, FailureLatch failures, DeadLetterAgent agent,
        IdleStrategy owner) {
        BadRecordHandler h = new BadRecordHandler(counters, failures, null, agent);
        if (h.ticket != null) {
            h.ticket.owner = owner;
        }
        return h;
    }

    /**
     * @param b the record's binding
     * @param rec the raw record (a dead letter's content)
     * @param reason why it is bad
     * @param cause the user code's exception, or null
     * @return {@link #HANDLED}, {@link #FAILED} or {@link #PENDING}
     */
    int handle(Binding b, ConsumerRecord<byte[], byte[]> rec, BadRecordReason reason, Throwable cause) {
        final int set = b.set.index;
        counters.bad(set, reason);
        PipelineEvents.badRecord(b.set.set.name(), b.topic, rec.partition(), rec.offset(), reason.name(),
            b.policy.name());
        if (b.policy == BadRecordPolicy.FAIL) {
            // A DecodeException's message is the decoder's one line naming the field or offset, never the payload.
            failures.fail(new BadRecordException(b.set.set.name(), b.topic, rec.partition(), rec.offset(), reason,
                cause instanceof DecodeException ? cause.getMessage() : "", cause));
            return FAILED;
        }
        if (b.policy == BadRecordPolicy.DEAD_LETTER) {
            if (agent != null) {
                pendingBinding = b;
                pendingPartition = rec.partition();
                pendingOffset = rec.offset();
                ticket.fill(b.source.deadLetterTopic(), b.set.set.name(), rec, reason, cause);
                agent.submit(ticket);
                return PENDING;
            }
            return deadLetterOutcome(b, rec.partition(), rec.offset(), reason, cause,
                publisher.publish(b.source.deadLetterTopic(), b.set.set.name(), rec, reason, cause));
        }
        counters.increment(set, Counters.SKIPPED);
        long nowMs = System.currentTimeMillis();
        if (nowMs - lastSkipLogMs > SKIP_LOG_INTERVAL_MS) {
            lastSkipLogMs = nowMs;
            LOG.warn("skipping bad record set={} topic={} partition={} offset={} reason={}{} (logged at most every"
                + " 10 s per thread; see metrics for counts)", b.set.set.name(), b.topic, rec.partition(),
                rec.offset(), reason, cause == null ? "" : " cause=" + cause.getClass().getName());
        }
        return HANDLED;
    }

    /** @return true when the dead letter handed off last has an outcome ({@link #pendingOutcome()} will not wait) */
    boolean pendingDone() {
        return ticket.state != DeadLetterTicket.IN_FLIGHT;
    }

    /** @return the outcome of the dead letter handed off last: {@link #PENDING} while the broker has not answered */
    int pendingOutcome() {
        final int state = ticket.state;
        if (state == DeadLetterTicket.IN_FLIGHT) {
            return PENDING;
        }
        ticket.state = DeadLetterTicket.IDLE;
        final Throwable cause = ticket.cause;
        ticket.cause = null;
        return deadLetterOutcome(pendingBinding, pendingPartition, pendingOffset, ticket.reason, cause,
            state == DeadLetterTicket.ACKNOWLEDGED ? null : ticket.error);
    }

    private int deadLetterOutcome(Binding b, int partition, long offset, BadRecordReason reason, Throwable cause,
        Exception error) {
        if (error != null) {
            failures.fail(new BadRecordException(b.set.set.name(), b.topic, partition, offset, reason,
                "deadLetterTopic=" + b.source.deadLetterTopic() + " could not be written: "
                + deadLetterError(error, b.source.deadLetterTopic()),
                cause));
            return FAILED;
        }
        counters.increment(b.set.index, Counters.DEAD_LETTERED);
        return HANDLED;
    }

    private static String deadLetterError(Exception error, String deadLetterTopic) {
        String access = AccessErrors.explain(error, "WRITE", List.of(deadLetterTopic));
        return access != null ? access : error.toString();
    }
}
