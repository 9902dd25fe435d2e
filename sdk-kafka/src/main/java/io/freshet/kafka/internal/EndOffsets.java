package io.freshet.kafka.internal;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * End offsets as {@code read_committed} consumers see them (last stable offsets), read through the admin client:
 * the consumers' own connections are busy long-polling, a ListOffsets request there would queue behind the fetch.
 *
 * <p>Threading: any thread (the admin client is thread-safe). Allocation: per call.
 */
public final class EndOffsets {
    private static final Logger LOG = LoggerFactory.getLogger(EndOffsets.class);

    private EndOffsets() {
    }

    /**
     * @param admin the admin client
     * @param partitions partitions to ask for
     * @return their last stable offsets, or null when the cluster did not answer within 10 s
     * @throws InterruptedException when interrupted
     */
    public static Map<TopicPartition, Long> lastStable(Admin admin, List<TopicPartition> partitions)
        throws InterruptedException {
        Map<TopicPartition, OffsetSpec> q = new HashMap<>();
        for (TopicPartition tp : partitions) {
            q.put(tp, OffsetSpec.latest());
        }
        Map<TopicPartition, Long> out = new HashMap<>();
        if (q.isEmpty()) {
            return out;
        }
        try {
            admin.listOffsets(q, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all()
                .get(10, TimeUnit.SECONDS).forEach((tp, info) -> out.put(tp, info.offset()));
            return out;
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("end offsets unavailable: {}", e.toString());
            return null;
        }
    }
}
