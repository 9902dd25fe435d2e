package io.freshet.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.internal.Fingerprint;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Pins the fingerprint of a fixed definition: stores keep it in their header, so a change here means every existing
 * store is refused. If this test fails, the canonical form or the hash changed: that is a file-format change, not a
 * test to update casually.
 */
class FingerprintGoldenTest {
    static final String GOLDEN_CANONICAL = "freshet.featureset.v2;name=user_risk;key=user:LONG;"
        + "f=last_amount:LATEST:w=0/0:filter=0:hl=0:p=0;"
        + "f=txn_1h:COUNT:w=3600000/120000:filter=0:hl=0:p=0;"
        + "f=declines_1h:COUNT:w=3600000/120000:filter=1:hl=0:p=0;"
        + "f=amount_5m:SUM:w=300000/10000:filter=0:hl=0:p=0;"
        + "f=recent:LAST_N:w=0/0:filter=0:hl=0:p=5;"
        + "f=decayed:DECAYED_SUM:w=0/0:filter=0:hl=600000:p=0;"
        + "f=merchants_1d:DISTINCT_APPROX:w=86400000/3600000:filter=0:hl=0:p=7;"
        + "rowBytes=4720";
    /**
     * Computed once, independently of the Java code, from GOLDEN_CANONICAL (see hashFunctionIsPinned). Changed
     * deliberately once (issue 18): canonical form v1 to v2 and rowBytes 4000 to 4720, when windowed count, sum, min,
     * max and mean gained suffix accumulators and the windowed arrays moved after the feature headers (fingerprint
     * 6fcd8257fc6aa0a8 to this): stores of the old layout are refused.
     */
    static final String GOLDEN_HEX = "a67d5812c0b93204";

    private static FeatureSet<Ev> golden(UnaryOperator<FeatureSetBuilder<Ev>> extra, Window txnWindow,
        boolean declineFilter) {
        FeatureSetBuilder<Ev> b = FeatureSet.builder("user_risk", Ev.class)
            .entity("user", Ev::key)
            .eventTime(Ev::timeMs)
            .latest("last_amount", Ev::amount)
            .count("txn_1h", txnWindow);
        FeatureSetBuilder.AggregateStep<Ev> declines = b.count("declines_1h", Window.sliding(Duration.ofHours(1)));
        if (declineFilter) {
            declines.where(Ev::flag);
        }
        b.sum("amount_5m", Ev::amount, Window.sliding(Duration.ofMinutes(5)))
            .lastN("recent", Ev::id, 5)
            .decayedSum("decayed", Ev::amount, Duration.ofMinutes(10))
            .distinctApprox("merchants_1d", Ev::id, Window.sliding(Duration.ofDays(1)));
        return extra.apply(b).build();
    }

    private static FeatureSet<Ev> golden() {
        return golden(b -> b, Window.sliding(Duration.ofHours(1)), true);
    }

    @Test
    void fixedDefinitionHasAPinnedCanonicalFormAndFingerprint() {
        FeatureSet<Ev> s = golden();
        assertThat(s.canonicalForm()).isEqualTo(GOLDEN_CANONICAL);
        assertThat(Long.toHexString(s.fingerprint())).isEqualTo(GOLDEN_HEX);
        assertThat(s.rowLayout().fingerprint()).isEqualTo(s.fingerprint());
        assertThat(s.rowLayout().canonicalForm()).isEqualTo(GOLDEN_CANONICAL);
    }

    /**
     * VARIANCE and STDDEV (issue 19 point 2): the kind names in the canonical form and their row bytes, 16 + 32
     * (lifetime: event time, 24-byte moments) + 16 (windowed header: event time, maxEpoch) + 30 tiles x 24 bytes x 2
     * (tiles and suffixes) = 1504. The hex was computed from the canonical text by an independent FNV-1a 64 + fmix64
     * (the one that reproduces GOLDEN_HEX).
     */
    @Test
    void spreadKindsHaveAPinnedCanonicalFormAndFingerprint() {
        FeatureSet<Ev> s = FeatureSet.builder("user_spread", Ev.class).entity("user", Ev::key).eventTime(Ev::timeMs)
            .variance("amount_var", Ev::amount)
            .stddev("amount_std_1h", Ev::amount, Window.sliding(Duration.ofHours(1))).where(Ev::flag)
            .build();
        assertThat(s.canonicalForm()).isEqualTo("freshet.featureset.v2;name=user_spread;key=user:LONG;"
            + "f=amount_var:VARIANCE:w=0/0:filter=0:hl=0:p=0;"
            + "f=amount_std_1h:STDDEV:w=3600000/120000:filter=1:hl=0:p=0;"
            + "rowBytes=1504");
        assertThat(s.rowSizeBytes()).isEqualTo(1504);
        assertThat(Long.toHexString(s.fingerprint())).isEqualTo("d5f47757118de76b");
    }

    @Test
    void hashFunctionIsPinned() {
        // FNV-1a 64 then fmix64. The values were computed by an independent implementation of the two published
        // algorithms, so they pin the algorithm, not just whatever the code returned once.
        assertThat(Long.toHexString(Fingerprint.of(""))).isEqualTo("efd01f60ba992926");
        assertThat(Long.toHexString(Fingerprint.of("freshet"))).isEqualTo("374c9d2f0fa209a4");
        assertThat(Long.toHexString(Fingerprint.of("ключ"))).isEqualTo("590520d718275ed5");
        assertThat(Fingerprint.mix64(0)).isZero();
        assertThat(Long.toHexString(Fingerprint.mix64(1))).isEqualTo("b456bcfc34c2cb2c");
    }

    @Test
    void whatTheStoredStateMeansChangesTheFingerprint() {
        long base = golden().fingerprint();
        assertThat(golden(b -> b, Window.sliding(Duration.ofHours(2)), true).fingerprint())
            .as("window length").isNotEqualTo(base);
        assertThat(golden(b -> b, Window.sliding(Duration.ofHours(1)).tiles(Duration.ofMinutes(1)), true)
            .fingerprint()).as("tile granularity").isNotEqualTo(base);
        assertThat(golden(b -> b, Window.lifetime(), true).fingerprint()).as("lifetime").isNotEqualTo(base);
        assertThat(golden(b -> b, Window.sliding(Duration.ofHours(1)), false).fingerprint())
            .as("filter presence").isNotEqualTo(base);
        assertThat(golden(b -> b.count("extra"), Window.sliding(Duration.ofHours(1)), true).fingerprint())
            .as("another stored feature").isNotEqualTo(base);
        assertThat(variant("txn_1h", FeatureKind.SUM)).as("kind").isNotEqualTo(variant("txn_1h", FeatureKind.COUNT));
        assertThat(variant("txn_1h", FeatureKind.VARIANCE)).as("variance is not stddev")
            .isNotEqualTo(variant("txn_1h", FeatureKind.STDDEV));
        assertThat(variant("txn_count", FeatureKind.COUNT)).as("name")
            .isNotEqualTo(variant("txn_1h", FeatureKind.COUNT));
        assertThat(FeatureSet.builder("s", Ev.class).entity("user", Ev::key).eventTime(Ev::timeMs).count("c").build()
            .fingerprint()).as("key type").isNotEqualTo(FeatureSet.builder("s", Ev.class)
                .textEntity("user", Ev::textKey).eventTime(Ev::timeMs).count("c").build().fingerprint());
        assertThat(FeatureSet.builder("s", Ev.class).entity("user", Ev::key).eventTime(Ev::timeMs)
            .lastN("r", Ev::id, 5).build().fingerprint()).as("last-N size").isNotEqualTo(FeatureSet
                .builder("s", Ev.class).entity("user", Ev::key).eventTime(Ev::timeMs).lastN("r", Ev::id, 6).build()
                .fingerprint());
    }

    /** A quantile's canonical part, pinned: existing sets' forms have no {@code q=} part, so they are unchanged. */
    @Test
    void aQuantileHasAPinnedCanonicalFormAndFingerprint() {
        FeatureSet<Ev> s = FeatureSet.builder("pay", Ev.class).entity("user", Ev::key).eventTime(Ev::timeMs)
            .quantile("amount_p90_1h", Ev::amount, Window.sliding(Duration.ofHours(1)).tiles(Duration.ofMinutes(10)),
                Quantile.of(0.9).relativeError(0.05).range(1, 1e5))
            .build();
        assertThat(s.canonicalForm()).isEqualTo(QUANTILE_CANONICAL);
        assertThat(Long.toHexString(s.fingerprint())).isEqualTo(QUANTILE_HEX);
        assertThat(s.rowLayout().fingerprint()).isEqualTo(s.fingerprint());
    }

    static final String QUANTILE_CANONICAL = "freshet.featureset.v2;name=pay;key=user:LONG;"
        + "f=amount_p90_1h:QUANTILE:w=3600000/600000:filter=0:hl=0:p=0:q=0.9/0.05/1.0/100000.0;rowBytes=1520";
    /** FNV-1a 64 then fmix64 of QUANTILE_CANONICAL, computed by an independent implementation (Python). */
    static final String QUANTILE_HEX = "a8446505ca5999b7";

    /**
     * TOP_K's canonical form and fingerprint, pinned the same way (the hex from an independent FNV-1a 64 + fmix64 of
     * the text): {@code p} packs k = 3 and m = 16 counters as m << 8 | k = 4099; rowBytes = 16 (row header) + 16
     * (event time, maxEpoch) + 24 tiles * 16 counters * 16 bytes.
     */
    @Test
    void topKHasAPinnedCanonicalFormAndFingerprint() {
        FeatureSet<Ev> s = FeatureSet.builder("top_k_golden", Ev.class).entity("user", Ev::key).eventTime(Ev::timeMs)
            .topK("top_merchants_1d", Ev::id, Window.sliding(Duration.ofDays(1)), 3, 16).build();
        assertThat(s.canonicalForm()).isEqualTo("freshet.featureset.v2;name=top_k_golden;key=user:LONG;"
            + "f=top_merchants_1d:TOP_K:w=86400000/3600000:filter=0:hl=0:p=4099;rowBytes=6176");
        assertThat(Long.toHexString(s.fingerprint())).isEqualTo("3c6898c76482576e");
        FeatureSetBuilder<Ev> other = FeatureSet.builder("top_k_golden", Ev.class).entity("user", Ev::key)
            .eventTime(Ev::timeMs);
        assertThat(other.topK("top_merchants_1d", Ev::id, Window.sliding(Duration.ofDays(1)), 3, 17).build()
            .fingerprint()).as("counters").isNotEqualTo(s.fingerprint());
    }

    private static long variant(String name, FeatureKind kind) {
        FeatureSetBuilder<Ev> b = FeatureSet.builder("s", Ev.class).entity("user", Ev::key).eventTime(Ev::timeMs);
        Window w = Window.sliding(Duration.ofHours(1));
        switch (kind) {
            case SUM:
                return b.sum(name, Ev::amount, w).build().fingerprint();
            case VARIANCE:
                return b.variance(name, Ev::amount, w).build().fingerprint();
            case STDDEV:
                return b.stddev(name, Ev::amount, w).build().fingerprint();
            default:
                return b.count(name, w).build().fingerprint();
        }
    }

    @Test
    void extractorCodeDerivedFeaturesAndServingOptionsDoNotChangeTheFingerprint() {
        long base = golden().fingerprint();
        FeatureSet<Ev> otherCode = FeatureSet.builder("user_risk", Ev.class)
            .entity("user", e -> e.key * 31)
            .eventTime(e -> e.timeMs - 1)
            .latest("last_amount", e -> -e.amount)
            .count("txn_1h", Window.sliding(Duration.ofHours(1)))
            .count("declines_1h", Window.sliding(Duration.ofHours(1))).where(e -> e.amount > 100)
            .sum("amount_5m", Ev::other, Window.sliding(Duration.ofMinutes(5)))
            .lastN("recent", e -> e.id + 1, 5)
            .decayedSum("decayed", Ev::other, Duration.ofMinutes(10))
            .distinctApprox("merchants_1d", e -> e.key, Window.sliding(Duration.ofDays(1)))
            .build();
        assertThat(otherCode.fingerprint()).as("extractor code").isEqualTo(base);
        assertThat(golden(b -> b.derived("decline_ratio", d -> d.ratio("declines_1h", "txn_1h"))
            .derived("since_last", d -> d.timeSince("last_amount")), Window.sliding(Duration.ofHours(1)), true)
            .canonicalForm()).as("derived features").isEqualTo(GOLDEN_CANONICAL);
        assertThat(golden(b -> b.staleAfter(Duration.ofSeconds(1)).ttl(Duration.ofDays(1))
            .futureSkew(Duration.ZERO), Window.sliding(Duration.ofHours(1)), true).fingerprint())
            .as("staleness, TTL and skew").isEqualTo(base);
    }
}
