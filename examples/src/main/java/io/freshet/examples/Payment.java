package io.freshet.examples;

/**
 * A card payment event, as a payments service would publish it.
 *
 * @param userId paying user
 * @param timestampMs event time, epoch ms
 * @param amount amount in the account currency
 * @param declined whether the issuer declined it
 * @param merchantId merchant
 * @param country ISO numeric country code of the merchant
 */
public record Payment(long userId, long timestampMs, double amount, boolean declined, long merchantId, int country) {
}
