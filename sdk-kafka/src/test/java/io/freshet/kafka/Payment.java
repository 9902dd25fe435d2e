package io.freshet.kafka;

/** Mutable test event, reused by {@link PaymentCodec} as a flyweight target. */
final class Payment {
    long userId;
    final StringBuilder merchant = new StringBuilder();
    boolean merchantNull;
    long tsMs;
    double amount;
    boolean declined;

    Payment() {
    }

    Payment(long userId, String merchant, long tsMs, double amount, boolean declined) {
        this.userId = userId;
        this.merchantNull = merchant == null;
        if (merchant != null) {
            this.merchant.append(merchant);
        }
        this.tsMs = tsMs;
        this.amount = amount;
        this.declined = declined;
    }

    long userId() {
        return userId;
    }

    CharSequence merchant() {
        return merchantNull ? null : merchant;
    }

    long merchantId() {
        long h = 1125899906842597L;
        for (int i = 0; i < merchant.length(); i++) {
            h = 31 * h + merchant.charAt(i);
        }
        return h;
    }

    long tsMs() {
        return tsMs;
    }

    double amount() {
        return amount;
    }

    boolean declined() {
        return declined;
    }

    Payment copy() {
        return new Payment(userId, merchantNull ? null : merchant.toString(), tsMs, amount, declined);
    }
}
