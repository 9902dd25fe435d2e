package io.freshet.kafka.internal;

import org.jctools.queues.atomic.MpscAtomicArrayQueue;

/**
 * Produces the dead letters of bad records found on applier threads (a store refusing a row), so that no applier
 * ever waits on the producer (an acknowledgement can take up to the publisher's 30 s timeout). Appliers submit
 * their {@link DeadLetterTicket} to a bounded queue; this agent produces each and completes the ticket.
 * Consumer threads produce their own dead letters synchronously: they may wait, an applier must not.
 *
 * <p>Threading: {@link #submit} from appliers, everything else on the agent's thread. Lock-free hand-off; the
 * queue holds one ticket per applier, so a submit never fails. It is JCTools' {@code atomic} variant, which uses no
 * {@code sun.misc.Unsafe} (a warning on JDK 24+).
 */
public final class DeadLetterAgent implements Agent {
    private final DeadLetterPublisher publisher;
    private final MpscAtomicArrayQueue<DeadLetterTicket> queue;
    private final IdleStrategy idle = IdleStrategy.parkOnly();
    private final FailureLatch failures;
    private volatile boolean stopRequested;

    /**
     * @param publisher the producer (its owner closes it after the agent)
     * @param appliers applier threads that may submit
     * @param failures the pipeline's failure; once recorded the agent ends like every other pipeline thread
     */
    DeadLetterAgent(DeadLetterPublisher publisher, int appliers, FailureLatch failures) {
        this.publisher = publisher;
        this.failures = failures;
        this.queue = new MpscAtomicArrayQueue<>(Math.max(2, appliers));
    }

    /** @return this agent's idle strategy */
    IdleStrategy idleStrategy() {
        return idle;
    }

    /** @param ticket a filled ticket, {@link DeadLetterTicket#IN_FLIGHT} */
    void submit(DeadLetterTicket ticket) {
        if (!queue.offer(ticket)) {
            // One ticket per applier and the queue holds them all: a refusal is a wiring bug.
            ticket.complete(new IllegalStateException("dead-letter queue full"));
            return;
        }
        idle.wakeIfParked();
    }

    @Override
    public void requestStop() {
        stopRequested = true;
        idle.wake();
    }

    @Override
    public int doWork() {
        DeadLetterTicket t = queue.relaxedPoll();
        if (t == null) {
            // After a failure the appliers stop too: nothing more comes, and a parked wait would poll forever.
            return stopRequested || failures.failed() ? DONE : 0;
        }
        t.complete(publisher.publish(t.topic, t.setName, t.record, t.reason, t.cause));
        return 1;
    }

    @Override
    public boolean hasPendingWork() {
        return stopRequested || failures.failed() || !queue.isEmpty();
    }

    @Override
    public void onClose() {
        DeadLetterTicket t;
        while ((t = queue.relaxedPoll()) != null) {
            t.complete(new IllegalStateException("pipeline stopped before the dead letter was produced"));
        }
    }
}
