package io.freshet.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The applier's commit-stamp ring: order, wrap, torn-copy detection with a concurrent writer, no allocation. */
class CommitStampsTest {

    @Test
    void drainReturnsEveryStampOnceInOrder() {
        CommitStamps ring = new CommitStamps(8);
        List<long[]> got = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ring.record(1000 + i, i % 4, 500 + i, 2000 + i, 3000 + i);
        }
        assertThat(ring.drain((t, part, off, p, r) -> got.add(new long[] {t, part, off, p, r}))).isEqualTo(5);
        ring.record(1005, 1, 505, 2005, 3005);
        assertThat(ring.drain((t, part, off, p, r) -> got.add(new long[] {t, part, off, p, r}))).isEqualTo(1);
        assertThat(ring.drain((t, part, off, p, r) -> got.add(new long[] {t, part, off, p, r}))).isZero();
        assertThat(got).hasSize(6);
        for (int i = 0; i < 6; i++) {
            assertThat(got.get(i)).containsExactly(1000 + i, i % 4, 500 + i, 2000 + i, 3000 + i);
        }
        assertThat(ring.lost()).isZero();
        assertThat(ring.written()).isEqualTo(6);
    }

    @Test
    void aLappedReaderGetsTheNewestCapacityMinusOneAndCountsTheRestLost() {
        CommitStamps ring = new CommitStamps(8);
        for (int i = 0; i < 8 + 10; i++) {
            ring.record(i, i & 3, i, i, i);
        }
        List<Long> got = new ArrayList<>();
        assertThat(ring.drain((t, part, off, p, r) -> got.add(t))).isEqualTo(7);
        assertThat(got).containsExactly(11L, 12L, 13L, 14L, 15L, 16L, 17L);
        assertThat(ring.lost()).isEqualTo(11);
        // After the lap it continues where the writer is.
        ring.record(18, 2, 18, 18, 18);
        got.clear();
        ring.drain((t, part, off, p, r) -> got.add(t));
        assertThat(got).containsExactly(18L);
        assertThat(ring.lost()).isEqualTo(11);
    }

    @Test
    void stampsOverwrittenWhileADrainRunsAreDroppedNotHandedOver() {
        // Deterministic: the sink itself writes a whole ring's worth after the first stamp it gets, as a writer
        // would between the reader's copies. The stamps still to be copied in that drain are then gone.
        CommitStamps ring = new CommitStamps(8);
        long[] written = {0};
        for (int i = 0; i < 5; i++) {
            ring.record(written[0], 0, written[0], written[0], written[0]);
            written[0]++;
        }
        List<Long> got = new ArrayList<>();
        boolean[] lapped = {false};
        CommitStamps.Sink sink = (t, part, off, p, r) -> {
            got.add(t);
            if (!lapped[0]) {
                lapped[0] = true;
                for (int i = 0; i < 8; i++) {
                    ring.record(written[0], 0, written[0], written[0], written[0]);
                    written[0]++;
                }
            }
        };
        assertThat(ring.drain(sink)).isEqualTo(1);
        assertThat(got).containsExactly(0L);
        assertThat(ring.lost()).isEqualTo(4);
        ring.drain(sink);
        // Seq 5 was overwritten by the time of the second drain's start (13 written, 8 places): 6..12 remain.
        assertThat(got).containsExactly(0L, 6L, 7L, 8L, 9L, 10L, 11L, 12L);
        assertThat(got.size() + ring.lost()).isEqualTo(written[0]);
    }

    @Test
    void aConcurrentWriterNeverHandsOverATornStampAndEveryStampIsReadOrLost() throws Exception {
        // A small ring so that the writer laps the reader often: each stamp's fields encode its sequence, so a copy
        // mixing two stamps shows.
        CommitStamps ring = new CommitStamps(16);
        long total = 2_000_000;
        AtomicBoolean torn = new AtomicBoolean();
        long[] lastSeen = {-1};
        Thread writer = new Thread(() -> {
            for (long s = 0; s < total; s++) {
                ring.record(s, (int) (s & 7), s + 1, s * 3, ~s);
            }
        }, "stamp-writer");
        writer.start();
        long read = 0;
        CommitStamps.Sink check = (t, part, off, p, r) -> {
            if (part != (t & 7) || off != t + 1 || p != t * 3 || r != ~t || t <= lastSeen[0]) {
                torn.set(true);
            }
            lastSeen[0] = t;
        };
        while (writer.isAlive()) {
            read += ring.drain(check);
        }
        writer.join();
        read += ring.drain(check);
        assertThat(torn).as("a torn or out-of-order stamp was handed over").isFalse();
        assertThat(read + ring.lost()).isEqualTo(total);
        assertThat(lastSeen[0]).isEqualTo(total - 1);
    }

    @Test
    void recordAndDrainAllocateNothing() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        CommitStamps ring = new CommitStamps(1024);
        long[] sum = {0};
        CommitStamps.Sink sink = (t, part, off, p, r) -> sum[0] += t + part + off + p + r;
        // Warm: compiled before the measured loop (the interpreter does not allocate here either, but be sure).
        for (int i = 0; i < 200_000; i++) {
            ring.record(i, i & 3, i, i, i);
            if ((i & 255) == 0) {
                ring.drain(sink);
            }
        }
        long tid = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 1_000_000; i++) {
            ring.record(i, i & 3, i, i, i);
            if ((i & 255) == 0) {
                ring.drain(sink);
            }
        }
        long bytes = mx.getThreadAllocatedBytes(tid) - before;
        assertThat(sum[0]).isPositive();
        // The counter read itself may allocate a few bytes once; per stamp it must be nothing.
        assertThat(bytes).as("bytes allocated over 1M stamps").isLessThan(1024);
    }

    @Test
    void capacityMustBeAPowerOfTwo() {
        assertThatThrownBy(() -> new CommitStamps(1000)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("power of two");
    }
}
