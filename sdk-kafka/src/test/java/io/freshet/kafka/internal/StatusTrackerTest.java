package io.freshet.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The RUNNING / CATCHING_UP hysteresis rule, observation by observation (times are injected, never waited for). */
class StatusTrackerTest {
    private static final long MS = 1_000_000L;

    @Test
    void entersRunningOnlyWhenFullyCaughtUp() {
        StatusTracker t = new StatusTracker(100, 1_000 * MS);
        assertThat(t.observe(false, 0, 0)).isFalse();
        assertThat(t.observe(true, 5, 1)).as("lag within tolerance is not enough to enter").isFalse();
        assertThat(t.observe(true, -1, 2)).isFalse();
        assertThat(t.observe(true, 0, 3)).isTrue();
    }

    @Test
    void runningToleratesLagThatComesBackWithinTheGrace() {
        StatusTracker t = new StatusTracker(100, 1_000 * MS);
        t.observe(true, 0, 0);
        assertThat(t.observe(false, 50, 10 * MS)).isTrue();
        assertThat(t.observe(false, 5_000, 20 * MS)).isTrue();
        assertThat(t.observe(false, 5_000, 900 * MS)).isTrue();
        assertThat(t.observe(false, 80, 1_000 * MS)).as("back within tolerance: the grace restarts").isTrue();
        assertThat(t.observe(false, 5_000, 1_100 * MS)).isTrue();
        assertThat(t.observe(false, 5_000, 2_099 * MS)).isTrue();
        assertThat(t.observe(false, 5_000, 2_100 * MS)).as("above for the whole grace").isFalse();
        assertThat(t.observe(false, 0, 2_200 * MS)).as("not fully caught up").isFalse();
        assertThat(t.observe(true, 0, 2_300 * MS)).isTrue();
    }

    @Test
    void unknownLagLeavesRunningAtOnce() {
        StatusTracker t = new StatusTracker(100, 1_000 * MS);
        t.observe(true, 0, 0);
        assertThat(t.observe(false, -1, 1)).isFalse();
    }

    @Test
    void resetForgetsRunning() {
        StatusTracker t = new StatusTracker(100, 1_000 * MS);
        t.observe(true, 0, 0);
        t.reset();
        assertThat(t.observe(false, 0, 1)).isFalse();
    }

    @Test
    void zeroToleranceAndGraceGiveTheStrictRule() {
        StatusTracker t = new StatusTracker(0, 0);
        t.observe(true, 0, 0);
        assertThat(t.observe(false, 1, 1)).isFalse();
    }

    @Test
    void rejectsNegativeBounds() {
        assertThatThrownBy(() -> new StatusTracker(-1, 0)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("toleranceRecords=-1");
    }
}
