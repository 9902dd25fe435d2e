package io.freshet.examples;

/**
 * A card payment event, as a payments service would publish it.
 *
 * <p>Mutable on purpose: the Kafka pipeline hands each decoder a reusable instance per hand-off slot
 * ({@link PaymentCodec#newReusable()}), so decoding a record allocates nothing. Not thread-safe; an instance
 * belongs to one slot (or one caller) at a time.
 */
public final class Payment {
    private long userId;
    private long timestampMs;
    private double amount;
    private boolean declined;
    private long merchantId;
    private int country;

    /** Creates an empty payment for {@link #set} to fill. */
    public Payment() {
    }

    /**
     * @param userId paying user
     * @param timestampMs event time, epoch ms
     * @param amount amount in the account currency
     * @param declined whether the issuer declined it
     * @param merchantId merchant
     * @param country ISO numeric country code of the merchant
     */
    public Payment(long userId, long timestampMs, double amount, boolean declined, long merchantId, int country) {
        set(userId, timestampMs, amount, declined, merchantId, country);
    }

    /**
     * Overwrites every field.
     *
     * @param userId paying user
     * @param timestampMs event time, epoch ms
     * @param amount amount in the account currency
     * @param declined whether the issuer declined it
     * @param merchantId merchant
     * @param country ISO numeric country code of the merchant
     * @return this
     */
    public Payment set(long userId, long timestampMs, double amount, boolean declined, long merchantId,
        int country) {
        this.userId = userId;
        this.timestampMs = timestampMs;
        this.amount = amount;
        this.declined = declined;
        this.merchantId = merchantId;
        this.country = country;
        return this;
    }

    /** @return paying user */
    public long userId() {
        return userId;
    }

    /** @return event time, epoch ms */
    public long timestampMs() {
        return timestampMs;
    }

    /** @return amount in the account currency */
    public double amount() {
        return amount;
    }

    /** @return whether the issuer declined it */
    public boolean declined() {
        return declined;
    }

    /** @return merchant */
    public long merchantId() {
        return merchantId;
    }

    /** @return ISO numeric country code of the merchant */
    public int country() {
        return country;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Payment)) {
            return false;
        }
        Payment p = (Payment) o;
        return userId == p.userId && timestampMs == p.timestampMs
            && Double.doubleToLongBits(amount) == Double.doubleToLongBits(p.amount) && declined == p.declined
            && merchantId == p.merchantId && country == p.country;
    }

    @Override
    public int hashCode() {
        long h = userId * 31 + timestampMs;
        h = h * 31 + Double.doubleToLongBits(amount);
        h = h * 31 + (declined ? 1 : 0);
        h = h * 31 + merchantId;
        h = h * 31 + country;
        return Long.hashCode(h);
    }

    @Override
    public String toString() {
        return "Payment{userId=" + userId + ", timestampMs=" + timestampMs + ", amount=" + amount + ", declined="
            + declined + ", merchantId=" + merchantId + ", country=" + country + "}";
    }
}
