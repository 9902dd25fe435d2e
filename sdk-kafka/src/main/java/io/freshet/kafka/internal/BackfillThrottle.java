package io.freshet.kafka.internal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;

/**
 * The budget of a migration's backfill consumers, in records/s and bytes/s (0: no limit on that axis), changeable
 * while they run. After each poll the consumer thread is charged what it fetched and sleeps until the budget has
 * paid for it, so the long-run rate keeps to the budget with bursts of at most one poll ({@code max.poll.records}).
 *
 * <p>Threading: {@link #charge} from the backfill consumer threads (the pacing state is shared, so several threads
 * split one budget); {@link #set} from any thread. Only backfill consumers are charged: live consumers never see it.
 */
public final class BackfillThrottle {
    /** Debt older than this is forgiven: an idle spell does not bank an unbounded burst. */
    private static final long MAX_CREDIT_NS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long SLICE_NS = TimeUnit.MILLISECONDS.toNanos(20);

    private volatile long recordsPerSecond;
    private volatile long bytesPerSecond;
    private long nextFreeNs = Long.MIN_VALUE / 2;

    /**
     * @param recordsPerSecond records/s budget, 0 for none
     * @param bytesPerSecond bytes/s budget (keys plus values), 0 for none
     */
    public BackfillThrottle(long recordsPerSecond, long bytesPerSecond) {
        set(recordsPerSecond, bytesPerSecond);
    }

    /**
     * Changes the budget; the next poll is paced by it.
     *
     * @param recordsPerSecond records/s, 0 for no limit
     * @param bytesPerSecond bytes/s, 0 for no limit
     */
    public void set(long recordsPerSecond, long bytesPerSecond) {
        if (recordsPerSecond < 0 || bytesPerSecond < 0) {
            throw new IllegalArgumentException("throttle recordsPerSecond=" + recordsPerSecond + " bytesPerSecond="
                + bytesPerSecond + ": use 0 for no limit, a positive budget otherwise");
        }
        this.recordsPerSecond = recordsPerSecond;
        this.bytesPerSecond = bytesPerSecond;
    }

    /** @return records/s budget, 0 for none */
    public long recordsPerSecond() {
        return recordsPerSecond;
    }

    /** @return bytes/s budget, 0 for none */
    public long bytesPerSecond() {
        return bytesPerSecond;
    }

    /**
     * Books a poll on the budget: the pacing arithmetic, apart from the waiting.
     *
     * @param records records fetched
     * @param bytes their key and value bytes
     * @param nowNs {@link System#nanoTime()} now
     * @return the nanoTime until which the poller waits (at most {@code nowNs} when the budget has credit)
     */
    synchronized long reserve(long records, long bytes, long nowNs) {
        long rps = recordsPerSecond;
        long bps = bytesPerSecond;
        long costNs = Math.max(rps > 0 ? records * 1_000_000_000L / rps : 0,
            bps > 0 ? bytes * 1_000_000_000L / bps : 0);
        // Credit from an idle spell is capped: a burst after it is at most MAX_CREDIT_NS of the budget.
        nextFreeNs = Math.max(nextFreeNs, nowNs - MAX_CREDIT_NS) + costNs;
        return nextFreeNs;
    }

    /**
     * Charges a poll and waits until the budget covers it.
     *
     * @param records what the poll returned
     * @param running false stops the wait early (the pipeline is closing)
     */
    public void charge(ConsumerRecords<byte[], byte[]> records, BooleanSupplier running) {
        long rps = recordsPerSecond;
        long bps = bytesPerSecond;
        if (rps == 0 && bps == 0) {
            return;
        }
        long n = records.count();
        long bytes = 0;
        if (bps > 0) {
            for (ConsumerRecord<byte[], byte[]> r : records) {
                bytes += Math.max(0, r.serializedKeySize()) + Math.max(0, r.serializedValueSize());
            }
        }
        long waitUntil = reserve(n, bytes, System.nanoTime());
        long left;
        while ((left = waitUntil - System.nanoTime()) > 0 && running.getAsBoolean()) {
            LockSupport.parkNanos(Math.min(left, SLICE_NS));
        }
    }
}
