package io.freshet.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The fill warning is raised at the threshold and logged once per upward crossing, kept while the fill hovers just
 * below it, and re-armed only 5 points below; shards waiting for room are counted once each.
 */
class StoreFillWatchTest {
    @Test
    void warnsOncePerCrossingWithHysteresis() {
        StoreFillWatch w = new StoreFillWatch("s");
        w.warningFill(0.8);
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            assertThat(w.checkNow(790, 1000)).isFalse();
            assertThat(w.checkNow(800, 1000)).isTrue();
            for (int i = 0; i < 100; i++) {
                assertThat(w.checkNow(800 + i, 1000)).isTrue();
            }
            assertThat(w.checkNow(760, 1000)).as("within 5 points below: still warning").isTrue();
            assertThat(w.checkNow(749, 1000)).as("re-armed").isFalse();
            assertThat(w.warning()).isFalse();
            assertThat(w.checkNow(1200, 1000)).as("crossed again").isTrue();
        } finally {
            System.setErr(err);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        assertThat(log.split("passed the warning", -1)).as(log).hasSize(3);
        assertThat(log).contains("set=s store fill 80.0% (800 of 1000 rows) passed the warning at 80.0%")
            .contains("set=s store fill 74.9% (749 of 1000 rows) is back below the warning at 80.0%");
        assertThat(w.lastRows()).isEqualTo(1200);
        assertThat(w.lastCapacity()).isEqualTo(1000);
    }

    @Test
    void countsEachWaitingShardOnce() {
        StoreFillWatch w = new StoreFillWatch("s");
        w.bind(4);
        assertThat(w.anyWaiting()).isFalse();
        assertThat(w.firstWaitingShard()).isEqualTo(-1);
        w.waiting(2, 5);
        w.waiting(2, 6);
        w.waiting(3, 7);
        assertThat(w.waitingShards()).isEqualTo(2);
        assertThat(w.firstWaitingShard()).isEqualTo(2);
        assertThat(w.waitingSinceMs(2)).as("since the first").isEqualTo(5);
        w.roomFound(2);
        w.roomFound(2);
        assertThat(w.waitingShards()).isEqualTo(1);
        assertThat(w.firstWaitingShard()).isEqualTo(3);
        w.roomFound(3);
        assertThat(w.anyWaiting()).isFalse();
        assertThat(w.waitingSinceMs(3)).isZero();
    }
}
