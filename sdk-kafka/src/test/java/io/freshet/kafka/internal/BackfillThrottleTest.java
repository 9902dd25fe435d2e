package io.freshet.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The backfill budget's pacing arithmetic, on a given clock: no sleeping, no timing. */
class BackfillThrottleTest {
    private static final long S = 1_000_000_000L;

    @Test
    void pollsArePacedToTheRecordBudgetAndAChangeAppliesToTheNextPoll() {
        BackfillThrottle t = new BackfillThrottle(1_000, 0);
        long now = 10 * S;
        long start = now - S / 10; // a fresh budget has the idle credit of 100 ms
        assertThat(t.reserve(500, 0, now)).isEqualTo(start + S / 2);
        assertThat(t.reserve(500, 0, now)).as("the second poll queues behind the first").isEqualTo(start + S);
        t.set(2_000, 0);
        assertThat(t.reserve(1_000, 0, now)).isEqualTo(start + S + S / 2);
    }

    @Test
    void theTighterOfRecordsAndBytesWinsAndZeroMeansNoLimit() {
        BackfillThrottle t = new BackfillThrottle(1_000, 10_000);
        long now = 5 * S;
        assertThat(t.reserve(10, 50_000, now)).as("50 KB at 10 KB/s: 5 s").isEqualTo(now - S / 10 + 5 * S);
        BackfillThrottle none = new BackfillThrottle(0, 0);
        assertThat(none.reserve(1_000_000, 1L << 30, now)).isLessThanOrEqualTo(now);
    }

    @Test
    void anIdleSpellBanksAtMostAHundredMillisecondsOfBudget() {
        BackfillThrottle t = new BackfillThrottle(1_000, 0);
        long now = 100 * S;
        t.reserve(1, 0, now);
        long later = now + 60 * S;
        assertThat(t.reserve(1_000, 0, later)).isEqualTo(later - S / 10 + S);
    }

    @Test
    void aNegativeBudgetIsRefusedWithTheFix() {
        assertThatThrownBy(() -> new BackfillThrottle(-1, 0)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("use 0 for no limit");
    }
}
