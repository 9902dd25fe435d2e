package io.freshet.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicBoolean;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** Interval snapshots of a stage recorder: nothing lost or counted twice, even while the writer records. */
class StageRecorderTest {
    @Test
    void intervalsHoldWhatWasRecordedSinceThePreviousOneAndClampOutOfRangeValues() {
        StageRecorder r = new StageRecorder(1_000);
        r.beginBatch();
        r.record(5);
        r.record(-3);
        r.record(5_000);
        r.endBatch();
        Histogram first = r.intervalHistogram();
        assertThat(first.getTotalCount()).isEqualTo(3);
        assertThat(first.getMinValue()).isZero();
        assertThat(first.getMaxValue()).isEqualTo(first.highestEquivalentValue(1_000));
        r.beginBatch();
        r.record(7);
        r.endBatch();
        Histogram second = r.intervalHistogram();
        assertThat(second.getTotalCount()).isEqualTo(1);
        assertThat(second.getMaxValue()).isEqualTo(7);
        assertThat(r.intervalHistogram().getTotalCount()).isZero();
    }

    @Test
    void lanesKeepTheirValuesApartAndSwapTogether() {
        StageRecorder r = new StageRecorder(1_000, 3, 1);
        r.beginBatch();
        r.record(0, 10);
        r.record(2, 20);
        r.record(2, 30);
        r.endBatch();
        Histogram[] first = r.intervalHistograms();
        assertThat(first).hasSize(3);
        assertThat(first[0].getTotalCount()).isEqualTo(1);
        assertThat(first[1].getTotalCount()).isZero();
        assertThat(first[2].getTotalCount()).isEqualTo(2);
        assertThat(first[2].getMaxValue()).isEqualTo(30);
        r.beginBatch();
        r.record(1, 40);
        r.endBatch();
        Histogram[] second = r.intervalHistograms();
        assertThat(second[0].getTotalCount()).isZero();
        assertThat(second[1].getTotalCount()).isEqualTo(1);
        assertThat(second[2].getTotalCount()).isZero();
        assertThatThrownBy(r::intervalHistogram).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("lanes=3");
    }

    @Test
    void concurrentIntervalsAddUpToEveryRecordedValue() throws Exception {
        StageRecorder r = new StageRecorder(1_000_000);
        final long batches = 20_000;
        final int perBatch = 50;
        AtomicBoolean done = new AtomicBoolean();
        Thread writer = new Thread(() -> {
            for (long b = 0; b < batches; b++) {
                r.beginBatch();
                try {
                    for (int i = 0; i < perBatch; i++) {
                        r.record(b % 1_000 + i);
                    }
                } finally {
                    r.endBatch();
                }
            }
            done.set(true);
        }, "stage-writer");
        writer.start();
        long total = 0;
        int intervals = 0;
        while (!done.get()) {
            total += r.intervalHistogram().getTotalCount();
            intervals++;
        }
        writer.join();
        total += r.intervalHistogram().getTotalCount();
        assertThat(total).isEqualTo(batches * perBatch);
        assertThat(intervals).isPositive();
    }

    @Test
    void samplingCountsEveryRecordAndMeasuresTheFirstOfEachBatchThenEveryNth() {
        StageRecorder r = new StageRecorder(1_000_000, 4);
        // A batch of 10 records valued 100..109: measured are the 1st, 5th and 9th (100, 104, 108), standing for
        // 4, 4 and 2 records; a second batch of 3 (valued 7): its first, standing for all 3.
        int measured = 0;
        r.beginBatch();
        for (int i = 0; i < 10; i++) {
            if (r.due()) {
                r.record(100 + i);
                measured++;
            }
        }
        r.endBatch();
        r.beginBatch();
        for (int i = 0; i < 3; i++) {
            if (r.due()) {
                r.record(7);
                measured++;
            }
        }
        r.endBatch();
        assertThat(measured).isEqualTo(4);
        Histogram h = r.intervalHistogram();
        assertThat(h.getTotalCount()).isEqualTo(13);
        assertThat(h.getCountAtValue(100)).isEqualTo(4);
        assertThat(h.getCountAtValue(104)).isEqualTo(4);
        assertThat(h.getCountAtValue(108)).isEqualTo(2);
        assertThat(h.getCountAtValue(7)).isEqualTo(3);
        assertThat(h.getCountAtValue(101)).isZero();
    }

    @Test
    void samplingEveryRecordMeasuresEachOneAndZeroMeasuresNone() {
        StageRecorder every = new StageRecorder(1_000, 1);
        StageRecorder none = new StageRecorder(1_000, 0);
        every.beginBatch();
        none.beginBatch();
        for (int i = 0; i < 5; i++) {
            assertThat(every.due()).isTrue();
            every.record(i);
            assertThat(none.due()).isFalse();
        }
        none.endBatch();
        every.endBatch();
        Histogram h = every.intervalHistogram();
        assertThat(h.getTotalCount()).isEqualTo(5);
        for (int i = 0; i < 5; i++) {
            assertThat(h.getCountAtValue(i)).isEqualTo(1);
        }
        assertThat(none.intervalHistogram().getTotalCount()).isZero();
    }

    @Test
    void aBadSamplingPropertyIsRefusedWithTheFix() {
        String before = System.getProperty(StageRecorder.SAMPLE_EVERY_PROP_NAME);
        System.setProperty(StageRecorder.SAMPLE_EVERY_PROP_NAME, "often");
        try {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> new StageRecorder(1_000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("freshet.stages.sampleEvery=often")
                .hasMessageContaining("set it to 1");
        } finally {
            if (before == null) {
                System.clearProperty(StageRecorder.SAMPLE_EVERY_PROP_NAME);
            } else {
                System.setProperty(StageRecorder.SAMPLE_EVERY_PROP_NAME, before);
            }
        }
    }
}
