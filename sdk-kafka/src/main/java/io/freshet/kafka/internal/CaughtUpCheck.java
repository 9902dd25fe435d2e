package io.freshet.kafka.internal;

import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * The protocol behind {@code awaitCaughtUp}: the waiting thread asks every consumer thread for fresh positions
 * (each answers from its duty cycle, after flushing its markers), reads the end offsets itself through the admin
 * client, and compares. A yes also confirms the consumers' caught-up verdict before their next lag refresh.
 *
 * <p>Threading: the waiting thread; the consumers' answers are volatile.
 */
public final class CaughtUpCheck {
    private final PipelineCore core;

    /** @param core the running pipeline */
    public CaughtUpCheck(PipelineCore core) {
        this.core = core;
    }

    /**
     * Asks every consumer thread for a fresh end-offset comparison.
     *
     * @return the request id to wait for with {@link #freshlyCaughtUp(long, Map)}
     */
    public long requestFreshLag() {
        long r = System.nanoTime();
        core.lagBoard().request = r;
        return r;
    }

    /**
     * @param request a request id
     * @param endOffsets last stable offsets read after the request was made
     * @return 1 when every consumer answered the request with positions at or past the end offsets, nothing
     *     paused, and every ring idle; 0 when some are behind; -1 when some have not answered yet
     */
    public int freshlyCaughtUp(long request, Map<TopicPartition, Long> endOffsets) {
        boolean all = true;
        for (IngestLoop l : core.loops()) {
            if (l.answeredRequest() < request) {
                return -1;
            }
            all &= l.answeredCaughtUp();
            for (Map.Entry<TopicPartition, Long> e : l.answeredPositions().entrySet()) {
                Long end = endOffsets.get(e.getKey());
                long lagRecords = end == null ? -1 : Math.max(0, end - e.getValue());
                core.lagBoard().lag.put(e.getKey(), lagRecords);
                all &= lagRecords == 0;
            }
        }
        if (all && core.ringsIdle()) {
            // A fresher verdict than the loops' periodic one; their next refresh confirms or revises it.
            for (IngestLoop l : core.loops()) {
                l.confirmCaughtUp();
            }
            return 1;
        }
        return 0;
    }
}
