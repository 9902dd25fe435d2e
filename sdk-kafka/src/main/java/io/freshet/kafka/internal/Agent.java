package io.freshet.kafka.internal;

/**
 * One duty cycle run by an {@link AgentRunner} on its own thread, in the manner of Agrona's {@code Agent}: the
 * runner calls {@link #doWork()} in a loop and hands its work count to an {@link IdleStrategy}, which spins or
 * parks when there was none.
 *
 * <p>Threading: every method is called on the runner's thread only, except {@link #requestStop()} (any thread).
 */
public interface Agent {
    /** Returned by {@link #doWork()} when the agent has finished: the runner closes it and its thread ends. */
    int DONE = -1;

    /**
     * Opens what the agent needs on its own thread, before the first {@link #doWork()}.
     */
    default void onStart() {
    }

    /**
     * One cycle of work.
     *
     * @return the number of items done (0: idle), or {@link #DONE}
     */
    int doWork();

    /**
     * Re-checked by the idle strategy after it announced a park and before it parks: a producer that published
     * just before reading the announcement is seen here.
     *
     * @return true when the agent should not park now
     */
    boolean hasPendingWork();

    /**
     * Asks the agent to finish: its next cycles wind down and return {@link #DONE}. Must wake it if it waits.
     */
    void requestStop();

    /** Releases what the agent opened; called once, after the last {@link #doWork()}, even after a failure. */
    default void onClose() {
    }
}
