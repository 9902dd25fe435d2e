package io.freshet.benchmarks;

/**
 * The event type of the benchmark feature set: one card payment. Immutable; pre-generated before a measurement so
 * that no benchmark allocates events while it runs.
 */
public final class Payment {
    private final long userId;
    private final long timeMs;
    private final double amount;
    private final long merchantId;

    /**
     * @param userId entity key
     * @param timeMs event time, epoch ms
     * @param amount payment amount
     * @param merchantId merchant id (for last-N)
     */
    public Payment(long userId, long timeMs, double amount, long merchantId) {
        this.userId = userId;
        this.timeMs = timeMs;
        this.amount = amount;
        this.merchantId = merchantId;
    }

    /** @return the entity key */
    public long userId() {
        return userId;
    }

    /** @return the event time, epoch ms */
    public long timeMs() {
        return timeMs;
    }

    /** @return the amount */
    public double amount() {
        return amount;
    }

    /** @return the merchant id */
    public long merchantId() {
        return merchantId;
    }
}
