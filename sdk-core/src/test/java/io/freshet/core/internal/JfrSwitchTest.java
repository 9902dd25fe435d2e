package io.freshet.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import jdk.jfr.Recording;
import org.junit.jupiter.api.Test;

/**
 * A Freshet JFR event is off (its hot-path check reads false, so nothing is timed or created) until a recording that
 * enables it runs, and off again once it stops; a recording that disables it leaves it off.
 */
class JfrSwitchTest {
    @Test
    void onOnlyWhileARecordingEnablesTheEvent() {
        JfrSwitch slowRead = JfrSwitch.of(SlowReadEvent.class.getName(), SlowReadEvent.class.getClassLoader());
        assertThat(slowRead.on()).as("no recording").isFalse();
        try (Recording r = new Recording()) {
            r.disable("io.freshet.SlowRead");
            r.start();
            assertThat(slowRead.on()).as("a recording that disables it").isFalse();
        }
        try (Recording r = new Recording()) {
            r.enable("io.freshet.SlowRead").withThreshold(Duration.ofMillis(5));
            r.start();
            assertThat(slowRead.on()).as("a recording that enables it").isTrue();
            r.stop();
            assertThat(slowRead.on()).as("stopped").isFalse();
        }
    }

    @Test
    void servedAgeBucketsAreContinuousAndAtMostOneSixteenthWide() {
        long previous = -1;
        for (int b = 0; b < ServedAges.BUCKETS; b++) {
            long low = ServedAges.lowestOf(b);
            assertThat(low).as("bucket %d", b).isGreaterThan(previous);
            assertThat(ServedAges.bucketOf(low)).isEqualTo(b);
            if (low > 0) {
                assertThat(ServedAges.bucketOf(low - 1)).isEqualTo(b - 1);
            }
            long middle = ServedAges.middleOf(b);
            assertThat(ServedAges.bucketOf(middle)).isEqualTo(b);
            previous = low;
        }
        for (long v : new long[] {0, 1, 31, 32, 33, 1_000, 123_456_789L, Long.MAX_VALUE}) {
            long low = ServedAges.lowestOf(ServedAges.bucketOf(v));
            assertThat(low).isLessThanOrEqualTo(v);
            assertThat((double) (v - low)).isLessThanOrEqualTo(Math.max(0, v / 16.0));
        }
    }
}
