package io.freshet.kafka.internal;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Stops of a set's feeding while the pipeline runs (a migration's {@code retire()}): the stopping thread marks the
 * set's bindings {@link Binding#detached}, then raises the request count here; each consumer and applier thread
 * acknowledges the count at the start of its next duty cycle. Its plain reads of {@code detached} after that
 * volatile read see the mark, so once every thread has acknowledged, none touches the set's store again and the
 * stopper may close it.
 *
 * <p>Threading: {@link #request} and {@link #awaitAcknowledged} from any thread (serialized by the caller);
 * {@link #acknowledge} and {@link #pending} from the agent owning the slot. Allocation: none on the agents' side
 * (one volatile read per duty cycle, a write only when the count changed).
 */
public final class FeedStops {
    private static final long WAIT_SLICE_NS = 1_000_000;

    private volatile long requested;
    private final AtomicLongArray seen;

    /** @param agents consumer plus applier threads; slots {@code 0..agents-1} */
    FeedStops(int agents) {
        this.seen = new AtomicLongArray(agents);
    }

    /** @return the new request count, to wait for with {@link #awaitAcknowledged} */
    synchronized long request() {
        long r = requested + 1;
        requested = r;
        return r;
    }

    /**
     * Agent side, at the start of a duty cycle: takes note of the stops requested so far.
     *
     * @param slot the agent's slot
     */
    void acknowledge(int slot) {
        long r = requested;
        if (seen.getPlain(slot) != r) {
            seen.setRelease(slot, r);
        }
    }

    /** @return true when a stop waits for this agent's acknowledgement (it must not park) */
    boolean pending(int slot) {
        return seen.getPlain(slot) != requested;
    }

    /**
     * Waits until every agent acknowledged request {@code r}, or {@code stopped} says the agents are gone (then none
     * touches a store either).
     *
     * @param r a count from {@link #request}
     * @param timeoutNs how long at most
     * @param stopped true once the agents stopped
     * @param wake wakes the parked agents
     * @return true when acknowledged (or the agents stopped), false on timeout
     */
    boolean awaitAcknowledged(long r, long timeoutNs, BooleanSupplier stopped, Runnable wake) {
        long deadline = System.nanoTime() + timeoutNs;
        while (true) {
            boolean all = true;
            for (int i = 0; i < seen.length() && all; i++) {
                all = seen.getAcquire(i) >= r;
            }
            if (all || stopped.getAsBoolean()) {
                return true;
            }
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            wake.run();
            LockSupport.parkNanos(WAIT_SLICE_NS);
        }
    }
}
