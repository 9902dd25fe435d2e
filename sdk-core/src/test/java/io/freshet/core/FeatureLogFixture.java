package io.freshet.core;

import java.time.Duration;
import java.util.SplittableRandom;

/** A set with every kind of feature, fed a fixed random stream: shared by the log tests and their crash child. */
final class FeatureLogFixture {
    static final long START = 1_000_000_000L;
    static final int KEYS = 50;
    /**
     * Merchant names of the categorical features: ASCII, 2-, 3- and 4-byte UTF-8, some longer than the widths (cut at
     * a code point). An event's names come from its id, so the extractors allocate nothing.
     */
    static final String[] MERCHANTS = {
        "shop", "caf\u00e9", "\u20acuro-mart", "a\uD83D\uDE00b", "x", "na\u00efve-store"};

    private FeatureLogFixture() {
    }

    /** The set the log tests serve: {@link #numericSet()} and categorical features, UTF-8 and dictionary. */
    static FeatureSet<Ev> longKeySet() {
        return numeric()
            .latestCategory("merchant", (Ev e) -> MERCHANTS[(int) (e.id % MERCHANTS.length)], Categories.utf8(6))
            .lastNCategories("recent_merchants", (Ev e) -> MERCHANTS[(int) (e.id / 7 % MERCHANTS.length)],
                Categories.utf8(4), 3)
            .latestCategory("merchant_id", (Ev e) -> MERCHANTS[(int) (e.id % MERCHANTS.length)],
                Categories.of("shop", "caf\u00e9"))
            .staleAfter(Duration.ofSeconds(30))
            .build();
    }

    /** The set without categorical features: the one whose format-1 segment is a fixture (featurelog-v1/numeric). */
    static FeatureSet<Ev> numericSet() {
        return numeric().staleAfter(Duration.ofSeconds(30)).build();
    }

    private static FeatureSetBuilder<Ev> numeric() {
        return FeatureSet.builder("served", Ev.class)
            .entity("user", Ev::key)
            .eventTime(Ev::timeMs)
            .latest("last_amount", Ev::amount)
            .count("n")
            .sum("total", Ev::amount)
            .min("smallest", Ev::amount, Window.sliding(Duration.ofSeconds(10)))
            .lastN("recent", Ev::id, 3)
            .firstSeen("first")
            .derived("avg_by_hand", d -> d.ratio("total", "n"));
    }

    /** Keys 0 .. KEYS-1 get a few events each; key KEYS and above are never seen (MISSING reads). */
    static FeatureTestDriver<Ev> fed(FeatureSet<Ev> set, long seed) {
        FeatureTestDriver<Ev> d = FeatureTestDriver.create(set, START);
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < KEYS * 6; i++) {
            long key = r.nextInt(KEYS);
            d.pipe(new Ev(key, START - r.nextInt(60_000), r.nextDouble(-100, 100), 0, r.nextInt(1000), false));
            if (i % 40 == 0) {
                d.advance(Duration.ofSeconds(7));
            }
        }
        return d;
    }
}
