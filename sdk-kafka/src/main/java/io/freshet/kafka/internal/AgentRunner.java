package io.freshet.kafka.internal;

import io.freshet.kafka.PipelineException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one {@link Agent} on its own daemon thread: start, stop, join, idling and failure capture in one place for
 * every pipeline thread (consumers, appliers, the dead-letter producer). A throw out of the agent becomes the
 * pipeline's failure ({@link FailureLatch}): a {@link PipelineException} as it is, anything else wrapped with the
 * thread's name and what it means for the stores.
 *
 * <p>Threading: {@link #start}, {@link #join} from the owner thread; {@link #isAlive} from any thread.
 */
public final class AgentRunner implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(AgentRunner.class);

    private final Agent agent;
    private final IdleStrategy idle;
    private final FailureLatch failures;
    private final String role;
    private final String afterDeath;
    private Thread thread;

    /**
     * @param agent the duty cycle
     * @param idle its idle strategy (the runner makes its thread the strategy's owner)
     * @param failures where a throw out of the agent goes
     * @param role what the thread is, for messages ("consumer", "applier")
     * @param afterDeath what a death means for the stores, appended to the failure's message
     */
    AgentRunner(Agent agent, IdleStrategy idle, FailureLatch failures, String role, String afterDeath) {
        this.agent = agent;
        this.idle = idle;
        this.failures = failures;
        this.role = role;
        this.afterDeath = afterDeath;
    }

    /** @param name the thread's name */
    void start(String name) {
        thread = new Thread(this, name);
        thread.setDaemon(true);
        idle.owner(thread);
        thread.start();
    }

    @Override
    public void run() {
        try {
            agent.onStart();
            int work;
            while ((work = agent.doWork()) != Agent.DONE) {
                idle.idle(work, agent);
            }
        } catch (Throwable t) {
            failures.fail(t instanceof PipelineException ? (PipelineException) t
                : new PipelineException(role + " thread=" + Thread.currentThread().getName() + " died: " + t + "; "
                    + afterDeath, t));
        } finally {
            agent.onClose();
        }
    }

    /** Asks the agent to finish (see {@link Agent#requestStop()}); {@link #join} waits for it. */
    void requestStop() {
        agent.requestStop();
    }

    /** @param timeoutMs bound on the wait */
    void join(long timeoutMs) throws InterruptedException {
        if (thread != null) {
            thread.join(timeoutMs);
            if (thread.isAlive()) {
                LOG.warn("{} thread={} still running {} ms after stop", role, thread.getName(), timeoutMs);
            }
        }
    }

    /** @return true while the thread runs */
    public boolean isAlive() {
        return thread != null && thread.isAlive();
    }
}
