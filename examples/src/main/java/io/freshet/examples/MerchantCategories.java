package io.freshet.examples;

import io.freshet.core.Categories;

/**
 * The demo's merchant categories: a constant table from the merchant id (so the payment codec stays as it is), and
 * the dictionary {@link RiskFeatures} stores them with. One category, {@code marketplace}, is left out of the
 * dictionary on purpose: it reads as {@link Categories#OTHER} and is counted, as an unforeseen value would be.
 */
public final class MerchantCategories {
    /** Categories by {@code merchantId % 6}. */
    private static final String[] BY_MERCHANT = {"grocery", "travel", "electronics", "gaming", "fuel", "marketplace"};
    /** The dictionary: model columns in this order, then {@link Categories#OTHER}. */
    public static final Categories DICTIONARY = Categories.of("grocery", "travel", "electronics", "gaming", "fuel")
        .oneHot();

    private MerchantCategories() {
    }

    /**
     * @param p a payment
     * @return its merchant's category: a constant string, so the extractor allocates nothing
     */
    public static String of(Payment p) {
        return BY_MERCHANT[(int) Math.floorMod(p.merchantId(), (long) BY_MERCHANT.length)];
    }
}
