package io.freshet.core;

import java.time.Duration;
import java.util.SplittableRandom;

/** A set with every kind of feature, fed a fixed random stream: shared by the log tests and their crash child. */
final class FeatureLogFixture {
    static final long START = 1_000_000_000L;
    static final int KEYS = 50;

    private FeatureLogFixture() {
    }

    static FeatureSet<Ev> longKeySet() {
        return FeatureSet.builder("served", Ev.class)
            .entity("user", Ev::key)
            .eventTime(Ev::timeMs)
            .latest("last_amount", Ev::amount)
            .count("n")
            .sum("total", Ev::amount)
            .min("smallest", Ev::amount, Window.sliding(Duration.ofSeconds(10)))
            .lastN("recent", Ev::id, 3)
            .firstSeen("first")
            .derived("avg_by_hand", d -> d.ratio("total", "n"))
            .staleAfter(Duration.ofSeconds(30))
            .build();
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
