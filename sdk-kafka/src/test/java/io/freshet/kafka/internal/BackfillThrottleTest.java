package io.freshet.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The backfill budget's pacing arithmetic, on a given clock: no sleeping, no timing. */
class BackfillThrottleTest {
    private static final long S = 1_000_000_000L;
    private static final long MS = 1_000_000L;

    /** The live pipeline's tuned consumer (the benchmarks' harnesses use these). */
    private static Properties tunedLiveConsumer() {
        Properties p = new Properties();
        p.put("max.poll.records", "10000");
        p.put("fetch.max.bytes", Integer.toString(64 * 1024 * 1024));
        p.put("max.partition.fetch.bytes", Integer.toString(16 * 1024 * 1024));
        return p;
    }

    @Test
    void pollsArePacedToTheRecordBudgetAndAChangeAppliesToTheNextPoll() {
        BackfillThrottle t = new BackfillThrottle(1_000, 0);
        long now = 10 * S;
        long start = now - BackfillThrottle.PACED_CREDIT_NS; // a fresh budget has one poll's worth of credit
        assertThat(t.reserve(500, 0, now)).isEqualTo(start + S / 2);
        assertThat(t.reserve(500, 0, now)).as("the second poll queues behind the first").isEqualTo(start + S);
        assertThat(t.reserve(500, 0, now)).isEqualTo(start + S + S / 2);
        long later = now + S / 10;
        t.set(2_000, 0, later);
        assertThat(t.reserve(1_000, 0, later)).as("the debt at the old budget is forgiven, the new one paces")
            .isEqualTo(later + S / 2);
        assertThat(t.reserve(1_000, 0, later)).isEqualTo(later + S);
    }

    @Test
    void aBudgetRaisedAfterAVeryLowOneTakesEffectAtOnce() {
        BackfillThrottle t = new BackfillThrottle(1, 0);
        long now = 10 * S;
        assertThat(t.reserve(200, 0, now)).as("200 records at 1 record/s").isGreaterThan(now + 100 * S);
        t.set(100_000, 0, now + S);
        assertThat(t.reserve(200, 0, now + S)).isEqualTo(now + S + 2 * MS);
    }

    @Test
    void theTighterOfRecordsAndBytesWinsAndZeroMeansNoLimit() {
        BackfillThrottle t = new BackfillThrottle(1_000, 10_000);
        long now = 5 * S;
        assertThat(t.reserve(10, 50_000, now)).as("50 KB at 10 KB/s: 5 s")
            .isEqualTo(now - BackfillThrottle.PACED_CREDIT_NS + 5 * S);
        BackfillThrottle none = new BackfillThrottle(0, 0);
        assertThat(none.reserve(1_000_000, 1L << 30, now)).isLessThanOrEqualTo(now);
    }

    @Test
    void pacedPermitsComeEvenlySpacedAndAnIdleSpellBanksOnlyOnePollOfBudget() {
        BackfillThrottle t = new BackfillThrottle(100_000, 0);
        long now = 100 * S;
        t.reserve(200, 0, now);
        long later = now + 60 * S;
        // After a minute idle, polls of 200 records (2 ms of a 100,000 records/s budget) each wait 2 ms more than
        // the one before: the first goes at once, none bunch up on banked credit.
        for (int i = 0; i < 50; i++) {
            assertThat(t.reserve(200, 0, later)).as("poll %d", i).isEqualTo(later + i * 2 * MS);
        }
    }

    @Test
    void unpacedAnIdleSpellBanksAHundredMillisecondsOfBudget() {
        BackfillThrottle t = new BackfillThrottle(1_000, 0, false);
        long now = 100 * S;
        t.reserve(1, 0, now);
        long later = now + 60 * S;
        assertThat(t.reserve(1_000, 0, later)).isEqualTo(later - S / 10 + S);
        assertThat(t.reserve(50, 0, later)).as("a burst of 100 ms worth: the poll after still waits")
            .isEqualTo(later - S / 10 + S + S / 20);
    }

    @Test
    void pacedConsumersFetchAndPollSmallSlicesOfTheRecordBudget() {
        Properties p = tunedLiveConsumer();
        new BackfillThrottle(100_000, 0).sizeConsumer(p);
        // 2 ms of 100,000 records/s per poll; 20 ms of it per fetch at 256 bytes a record.
        assertThat(p.getProperty("max.poll.records")).isEqualTo("200");
        assertThat(p.getProperty("fetch.max.bytes")).isEqualTo(Integer.toString(2_000 * 256));
        assertThat(p.getProperty("max.partition.fetch.bytes")).isEqualTo(Integer.toString(2_000 * 256));

        Properties slow = tunedLiveConsumer();
        new BackfillThrottle(1_000, 0).sizeConsumer(slow);
        assertThat(slow.getProperty("max.poll.records")).as("at least 16 records a poll").isEqualTo("16");
        assertThat(slow.getProperty("fetch.max.bytes")).as("at least 64 KiB a fetch")
            .isEqualTo(Integer.toString(64 * 1024));
    }

    @Test
    void aBytesBudgetSizesTheFetchesByItsBytesAndTheTighterAxisWins() {
        Properties p = tunedLiveConsumer();
        new BackfillThrottle(0, 50_000_000).sizeConsumer(p);
        // 2 ms of 50 MB/s = 100,000 bytes: 391 records of 256 bytes; 20 ms of it = 1,000,000 bytes a fetch.
        assertThat(p.getProperty("max.poll.records")).isEqualTo("391");
        assertThat(p.getProperty("fetch.max.bytes")).isEqualTo("1000000");

        Properties both = tunedLiveConsumer();
        new BackfillThrottle(100_000, 50_000_000).sizeConsumer(both);
        assertThat(both.getProperty("max.poll.records")).isEqualTo("200");
        assertThat(both.getProperty("fetch.max.bytes")).isEqualTo(Integer.toString(2_000 * 256));
    }

    @Test
    void sizingNeverRaisesWhatTheUserSetAndLowersKafkasDefaults() {
        Properties p = new Properties();
        p.put("max.poll.records", "50");
        new BackfillThrottle(1_000_000, 0).sizeConsumer(p);
        assertThat(p.getProperty("max.poll.records")).isEqualTo("50");
        assertThat(p.getProperty("fetch.max.bytes")).as("below Kafka's 50 MiB default")
            .isEqualTo(Integer.toString(20_000 * 256));
        assertThat(p.getProperty("max.partition.fetch.bytes")).as("Kafka's 1 MiB default is lower").isNull();
    }

    @Test
    void unthrottledOrUnpacedConsumersKeepThePipelinesFetchSizes() {
        Properties unthrottled = tunedLiveConsumer();
        new BackfillThrottle(0, 0).sizeConsumer(unthrottled);
        assertThat(unthrottled).isEqualTo(tunedLiveConsumer());
        Properties unpaced = tunedLiveConsumer();
        new BackfillThrottle(100_000, 0, false).sizeConsumer(unpaced);
        assertThat(unpaced).isEqualTo(tunedLiveConsumer());
    }

    @Test
    void aNegativeBudgetIsRefusedWithTheFix() {
        assertThatThrownBy(() -> new BackfillThrottle(-1, 0)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("use 0 for no limit");
    }
}
