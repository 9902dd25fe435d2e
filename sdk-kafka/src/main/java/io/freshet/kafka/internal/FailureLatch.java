package io.freshet.kafka.internal;

import io.freshet.kafka.BadRecordException;
import io.freshet.kafka.PipelineException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first failure of a pipeline: recorded once, logged once, and surfaced by the pipeline's status, its
 * {@code failure()} and its waits. Every agent checks it each cycle and stops; recording it wakes the threads
 * registered with {@link #wakeOnFailure}, so that none sleeps out a park first.
 *
 * <p>Threading: any thread. Allocation: none except the failure itself.
 */
public final class FailureLatch {
    private static final Logger LOG = LoggerFactory.getLogger(FailureLatch.class);

    private final String instanceId;
    private final AtomicReference<PipelineException> failure = new AtomicReference<>();
    private volatile IdleStrategy[] toWake = new IdleStrategy[0];

    /** @param instanceId the pipeline instance, for the log */
    public FailureLatch(String instanceId) {
        this.instanceId = instanceId;
    }

    /** @param idlers threads to unpark when a failure is recorded */
    void wakeOnFailure(IdleStrategy[] idlers) {
        this.toWake = idlers;
    }

    /**
     * Records the first failure and stops the loops; later failures are logged only.
     *
     * @param e the failure
     */
    public void fail(PipelineException e) {
        if (failure.compareAndSet(null, e)) {
            if (e instanceof BadRecordException) {
                // User code's exception (reachable as the failure's cause) may quote the payload: not logged.
                LOG.error("pipeline instance={} stopped: {}", instanceId, e.getMessage());
            } else {
                LOG.error("pipeline instance={} stopped: {}", instanceId, e.getMessage(), e.getCause());
            }
        } else {
            LOG.warn("pipeline instance={} further failure after stop: {}", instanceId, e.getMessage());
        }
        for (IdleStrategy i : toWake) {
            i.wake();
        }
    }

    /** @return the first failure, or null */
    public PipelineException failure() {
        return failure.get();
    }

    /** @return true once a failure is recorded */
    boolean failed() {
        return failure.get() != null;
    }
}
