package io.freshet.kafka.internal;

import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;

/**
 * The budget of a migration's backfill consumers, in records/s and bytes/s (0: no limit on that axis), changeable
 * while they run. After each poll the consumer thread is charged what it fetched and sleeps until the budget has
 * paid for it (a token bucket whose burst is {@link #PACED_CREDIT_NS} of budget).
 *
 * <p>Pacing. The suspect behind the live pipeline's freshness p99 is the backfill's bursts rather than its average
 * CPU (the budget alone did not bring the p99 within 1.5x): with the live consumer's fetch settings (e.g.
 * {@code max.poll.records=10000}, 64 MiB fetches) a throttled backfill fetched seconds of budget in one response,
 * decoded and applied a poll of 10,000 records in one go, and then slept, taking both cores of a small machine for
 * milliseconds at a time. So under a budget the backfill consumers' fetch sizes
 * are derived from it ({@link #sizeConsumer}): a poll holds about {@link #POLL_SLICE_NS} of budget and a fetch about
 * {@link #FETCH_SLICE_NS}, and the credit an idle spell banks is one poll's worth; the backfill's CPU then comes in
 * slices of a few hundred microseconds every {@link #POLL_SLICE_NS}. The appliers follow: they apply what a poll
 * handed over, so their bursts shrink with the polls. Unthrottled (0, 0 at start) nothing is resized.
 *
 * <p>A budget changed while running ({@link #set}) paces the next poll at once; the fetch sizes stay those derived at
 * start (a consumer's settings are fixed once built). A budget raised later is still met: smaller polls just come
 * more often (BackfillHarness {@code --raise-to 0}: a migration paced at 50,000-200,000 records/s, then unlimited,
 * read 0.95-0.98M records/s, unpaced 0.90-1.08M in the same run); to re-derive the sizes, close the migration and
 * start the same {@code migrate(...)} again, which resumes from the shadow store's offsets.
 *
 * <p>Threading: {@link #charge} from the backfill consumer threads (the pacing state is shared, so several threads
 * split one budget); {@link #set} from any thread. Only backfill consumers are charged: live consumers never see it.
 */
public final class BackfillThrottle {
    /**
     * Set to {@code false} to measure the backfill unpaced (fetch sizes as the live pipeline's, 100 ms of burst
     * credit): a switch for {@code BackfillHarness}, read when a migration starts.
     */
    public static final String PACING_PROP_NAME = "freshet.backfill.pacing";
    /** The budget one poll holds when paced. */
    static final long POLL_SLICE_NS = TimeUnit.MILLISECONDS.toNanos(2);
    /** The budget one fetch holds when paced (several polls, so fetch round trips do not limit the rate). */
    static final long FETCH_SLICE_NS = TimeUnit.MILLISECONDS.toNanos(20);
    /** Record size (key, value, batch overhead) assumed to size fetches under a records/s budget. */
    static final int ASSUMED_RECORD_BYTES = 256;
    /** Fewest records per poll: below it the per-poll overhead would dominate. */
    static final int MIN_POLL_RECORDS = 16;
    /** Most records per poll, as the live pipeline's tuned consumers. */
    static final int MAX_POLL_RECORDS = 10_000;
    /** Smallest fetch: the broker returns at least one record batch per fetch anyway. */
    static final int MIN_FETCH_BYTES = 64 * 1024;
    /** Burst credit when paced: an idle spell banks one poll's worth, so polls stay evenly spaced after it. */
    static final long PACED_CREDIT_NS = POLL_SLICE_NS;
    /** Burst credit when unpaced (the behaviour before pacing). */
    static final long UNPACED_CREDIT_NS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long SLICE_NS = TimeUnit.MILLISECONDS.toNanos(20);
    private static final long KAFKA_DEFAULT_FETCH_MAX_BYTES = ConsumerConfig.DEFAULT_FETCH_MAX_BYTES;
    private static final long KAFKA_DEFAULT_PARTITION_FETCH_BYTES = ConsumerConfig.DEFAULT_MAX_PARTITION_FETCH_BYTES;
    private static final long KAFKA_DEFAULT_MAX_POLL_RECORDS = ConsumerConfig.DEFAULT_MAX_POLL_RECORDS;

    private final boolean paced;
    /** Debt older than this is forgiven: an idle spell does not bank an unbounded burst. */
    private final long maxCreditNs;
    private volatile long recordsPerSecond;
    private volatile long bytesPerSecond;
    private long nextFreeNs = Long.MIN_VALUE / 2;
    /** Bumped by every {@link #set}: a waiting consumer re-reads the budget. */
    private volatile int generation;

    /**
     * A paced budget.
     *
     * @param recordsPerSecond records/s budget, 0 for none
     * @param bytesPerSecond bytes/s budget (keys plus values), 0 for none
     */
    public BackfillThrottle(long recordsPerSecond, long bytesPerSecond) {
        this(recordsPerSecond, bytesPerSecond, true);
    }

    /**
     * @param recordsPerSecond records/s budget, 0 for none
     * @param bytesPerSecond bytes/s budget (keys plus values), 0 for none
     * @param paced false: the consumers keep the pipeline's fetch sizes and an idle spell banks 100 ms of budget
     */
    public BackfillThrottle(long recordsPerSecond, long bytesPerSecond, boolean paced) {
        set(recordsPerSecond, bytesPerSecond);
        this.paced = paced;
        this.maxCreditNs = paced ? PACED_CREDIT_NS : UNPACED_CREDIT_NS;
    }

    /** @return whether pacing is on unless {@value #PACING_PROP_NAME}{@code =false} */
    public static boolean pacingByDefault() {
        return !"false".equalsIgnoreCase(System.getProperty(PACING_PROP_NAME, "true").trim());
    }

    /** @return whether this budget sizes the consumers' fetches and keeps a small burst */
    public boolean paced() {
        return paced;
    }

    /**
     * Sizes the backfill consumers' polls and fetches to the budget now (see the class comment), never above what
     * {@code kafka} already says: {@code max.poll.records} to {@link #POLL_SLICE_NS} of budget,
     * {@code fetch.max.bytes} and {@code max.partition.fetch.bytes} to {@link #FETCH_SLICE_NS}. Does nothing when
     * unpaced or without a budget.
     *
     * @param kafka the backfill consumers' properties, changed in place
     */
    public void sizeConsumer(Properties kafka) {
        // Beyond these every size is at its upper clamp; the cap keeps the products below from overflowing.
        long rps = Math.min(recordsPerSecond, 1_000_000_000L);
        long bps = Math.min(bytesPerSecond, 100_000_000_000L);
        if (!paced || rps == 0 && bps == 0) {
            return;
        }
        long pollRecords = Long.MAX_VALUE;
        long fetchBytes = Long.MAX_VALUE;
        if (rps > 0) {
            pollRecords = ceilDiv(rps * POLL_SLICE_NS, 1_000_000_000L);
            fetchBytes = ceilDiv(rps * FETCH_SLICE_NS, 1_000_000_000L) * ASSUMED_RECORD_BYTES;
        }
        if (bps > 0) {
            pollRecords = Math.min(pollRecords, ceilDiv(bps * POLL_SLICE_NS, 1_000_000_000L * ASSUMED_RECORD_BYTES));
            fetchBytes = Math.min(fetchBytes, ceilDiv(bps * FETCH_SLICE_NS, 1_000_000_000L));
        }
        pollRecords = Math.max(MIN_POLL_RECORDS, Math.min(MAX_POLL_RECORDS, pollRecords));
        fetchBytes = Math.max(MIN_FETCH_BYTES, Math.min(Integer.MAX_VALUE, fetchBytes));
        lower(kafka, ConsumerConfig.MAX_POLL_RECORDS_CONFIG, KAFKA_DEFAULT_MAX_POLL_RECORDS, pollRecords);
        lower(kafka, ConsumerConfig.FETCH_MAX_BYTES_CONFIG, KAFKA_DEFAULT_FETCH_MAX_BYTES, fetchBytes);
        lower(kafka, ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, KAFKA_DEFAULT_PARTITION_FETCH_BYTES,
            fetchBytes);
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    /** Sets {@code key} to {@code want} unless the properties already say less. */
    private static void lower(Properties kafka, String key, long kafkaDefault, long want) {
        long now = kafkaDefault;
        Object v = kafka.get(key);
        if (v != null) {
            try {
                now = Long.parseLong(v.toString().trim());
            } catch (NumberFormatException e) {
                return; // KafkaConsumer's constructor rejects it with a clear message.
            }
        }
        if (want < now) {
            kafka.put(key, Long.toString(want));
        }
    }

    /**
     * Changes the budget; the next poll is paced by it, and a consumer waiting out its last poll at the old budget
     * stops waiting (that poll's debt is forgiven: at most one poll's records, while a wait at a much lower old budget
     * could last minutes).
     *
     * @param recordsPerSecond records/s, 0 for no limit
     * @param bytesPerSecond bytes/s, 0 for no limit
     */
    public void set(long recordsPerSecond, long bytesPerSecond) {
        set(recordsPerSecond, bytesPerSecond, System.nanoTime());
    }

    /** {@link #set(long, long)} at a given {@link System#nanoTime()}. */
    synchronized void set(long recordsPerSecond, long bytesPerSecond, long nowNs) {
        if (recordsPerSecond < 0 || bytesPerSecond < 0) {
            throw new IllegalArgumentException("throttle recordsPerSecond=" + recordsPerSecond + " bytesPerSecond="
                + bytesPerSecond + ": use 0 for no limit, a positive budget otherwise");
        }
        this.recordsPerSecond = recordsPerSecond;
        this.bytesPerSecond = bytesPerSecond;
        nextFreeNs = Math.min(nextFreeNs, nowNs);
        generation++;
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
        // Credit from an idle spell is capped: a burst after it is at most maxCreditNs of the budget.
        nextFreeNs = Math.max(nextFreeNs, nowNs - maxCreditNs) + costNs;
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
        int budgetAtReserve = generation;
        long waitUntil = reserve(n, bytes, System.nanoTime());
        long left;
        while ((left = waitUntil - System.nanoTime()) > 0 && running.getAsBoolean()
            && budgetAtReserve == generation) {
            LockSupport.parkNanos(Math.min(left, SLICE_NS));
        }
    }
}
