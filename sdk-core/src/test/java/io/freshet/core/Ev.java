package io.freshet.core;

/** A test event: a key, an event time, two amounts, an id and a flag to filter on. Immutable. */
final class Ev {
    final long key;
    final long timeMs;
    final double amount;
    final double other;
    final long id;
    final boolean flag;

    Ev(long key, long timeMs, double amount, double other, long id, boolean flag) {
        this.key = key;
        this.timeMs = timeMs;
        this.amount = amount;
        this.other = other;
        this.id = id;
        this.flag = flag;
    }

    Ev(long key, long timeMs, double amount) {
        this(key, timeMs, amount, 0, 0, false);
    }

    static Ev of(long key, long timeMs) {
        return new Ev(key, timeMs, 0);
    }

    long key() {
        return key;
    }

    long timeMs() {
        return timeMs;
    }

    double amount() {
        return amount;
    }

    double other() {
        return other;
    }

    long id() {
        return id;
    }

    boolean flag() {
        return flag;
    }

    /**
     * Values of the categorical features, by id: dictionary names, values outside it, characters of 1 to 4 UTF-8
     * bytes, a lone surrogate, text longer than the test widths.
     */
    static final String[] CATEGORIES = {"ios", "android", "web", "ключ", "dévice-ü", "\u20ac\u20ac\u20ac",
        "\uD83D\uDE00a\uD83D\uDE00", "tv", "lone\uD800x", "merchant-category-grocery", ""};

    /** @return a category derived from the id; null (no value) for every 13th id */
    String category() {
        return category(id);
    }

    static String category(long id) {
        return id % 13 == 12 ? null : CATEGORIES[(int) Math.floorMod(id, (long) CATEGORIES.length)];
    }

    /** The key as text, with non-ASCII characters of 2, 3 and 4 UTF-8 bytes. */
    String textKey() {
        return textKey(key);
    }

    static String textKey(long key) {
        return "dév-" + key + "-ключ-\u20ac-\uD83D\uDE00";
    }

    @Override
    public String toString() {
        return "Ev{k=" + key + ", t=" + timeMs + ", a=" + amount + ", o=" + other + ", id=" + id + ", f=" + flag + "}";
    }
}
