package io.freshet.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * The one start-offset rule of migrations and training runs, against a made-up cluster: partition 0 holds offsets
 * 10..99 with timestamps 1000 + offset, partition 1 offsets 0..49 (timestamps 1000 + offset) and an open
 * transaction from 50 (last stable offset 50, high watermark 60), partition 2 is empty at offset 7.
 */
class StartOffsetsTest {
    private static final TopicPartition P0 = new TopicPartition("t", 0);
    private static final TopicPartition P1 = new TopicPartition("t", 1);
    private static final TopicPartition P2 = new TopicPartition("t", 2);
    private static final List<TopicPartition> ALL = List.of(P0, P1, P2);

    /** The made-up cluster, counting what it was asked. */
    private static final class Cluster implements StartOffsets.Lookup {
        final List<String> asked = new ArrayList<>();

        @Override
        public Map<TopicPartition, Long> logStart(List<TopicPartition> partitions) {
            asked.add("logStart");
            return Map.of(P0, 10L, P1, 0L, P2, 7L);
        }

        @Override
        public Map<TopicPartition, Long> firstAtOrAfter(List<TopicPartition> partitions, long timeMs) {
            asked.add("firstAtOrAfter");
            Map<TopicPartition, Long> out = new HashMap<>();
            out.put(P0, timeMs - 1000 < 10 ? 10 : timeMs - 1000 < 100 ? timeMs - 1000 : -1);
            if (timeMs - 1000 < 50) {
                out.put(P1, Math.max(0, timeMs - 1000)); // none past the stable records: absent, as a consumer says
            }
            out.put(P2, -1L); // as the admin client says
            return out;
        }

        @Override
        public Map<TopicPartition, Long> lastStable(List<TopicPartition> partitions) {
            asked.add("lastStable");
            return Map.of(P0, 100L, P1, 50L, P2, 7L);
        }
    }

    @Test
    void logStartIsEachPartitionsFirstOffset() throws Exception {
        Cluster c = new Cluster();
        assertThat(StartOffsets.resolve(ALL, null, null, c)).isEqualTo(Map.of(P0, 10L, P1, 0L, P2, 7L));
        assertThat(c.asked).containsExactly("logStart");
    }

    @Test
    void aTimeStartsAtTheFirstRecordAtOrAfterItOrAtTheStableEnd() throws Exception {
        Cluster c = new Cluster();
        assertThat(StartOffsets.resolve(ALL, Instant.ofEpochMilli(1030), null, c))
            .isEqualTo(Map.of(P0, 30L, P1, 30L, P2, 7L));
        // Past every stable record of P1 and P0: they start at their last stable offset (not the high watermark),
        // so a record of the open transaction is read if it commits.
        assertThat(StartOffsets.resolve(ALL, Instant.ofEpochMilli(1200), null, c))
            .isEqualTo(Map.of(P0, 100L, P1, 50L, P2, 7L));
    }

    @Test
    void explicitOffsetsOverrideTheLogStartAndAreChecked() throws Exception {
        Cluster c = new Cluster();
        assertThat(StartOffsets.resolve(ALL, null, Map.of(P0, 42L), c)).isEqualTo(Map.of(P0, 42L, P1, 0L, P2, 7L));
        assertThat(StartOffsets.resolve(ALL, null, Map.of(P0, 10L, P1, 60L), c))
            .isEqualTo(Map.of(P0, 10L, P1, 60L, P2, 7L));
        assertThatThrownBy(() -> StartOffsets.resolve(ALL, null, Map.of(P0, 9L), c))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("t-0 start offset=9 < log start offset=10: retention deleted that history; start at or after "
                + "it");
        assertThatThrownBy(() -> StartOffsets.resolve(ALL, null, Map.of(new TopicPartition("u", 0), 0L), c))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("u-0, which is not a partition of the topics read")
            .hasMessageContaining("name only their partitions");
        assertThatThrownBy(() -> StartOffsets.resolve(List.of(P0, P1), null, Map.of(P2, 7L), c))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("t-2, which is not a partition");
    }
}
