package io.freshet.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshet.core.internal.CanonicalForms;
import io.freshet.core.spi.RowLayout;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A canonical form read back gives the set's row layout (same fingerprint and row size) and its stored features. */
class CanonicalFormsTest {
    record Ev(String user, long timeMs, double amount, long merchant, boolean declined) {
    }

    private static final FeatureSet<Ev> SET = FeatureSet.builder("every_kind", Ev.class)
        .textEntity("user", Ev::user)
        .eventTime(Ev::timeMs)
        .latest("last_amount", Ev::amount)
        .count("txn_1h", Window.sliding(Duration.ofHours(1)))
        .count("declines_1h", Window.sliding(Duration.ofHours(1))).where(Ev::declined)
        .sum("sum_10m", Ev::amount, Window.sliding(Duration.ofMinutes(10)).tiles(Duration.ofSeconds(20)))
        .min("min", Ev::amount)
        .max("max_1d", Ev::amount, Window.sliding(Duration.ofDays(1)))
        .mean("mean", Ev::amount)
        .firstSeen("first")
        .lastSeen("last")
        .lastN("merchants", Ev::merchant, 5)
        .decayedCount("decayed_count", Duration.ofMinutes(5))
        .decayedSum("decayed_sum", Ev::amount, Duration.ofMinutes(5))
        .distinctApprox("distinct_merchants", Ev::merchant, Window.lifetime(), 10)
        .variance("amount_var", Ev::amount)
        .stddev("amount_std_1h", Ev::amount, Window.sliding(Duration.ofHours(1))).where(Ev::declined)
        .quantile("p90_1h", Ev::amount, Window.sliding(Duration.ofHours(1)).tiles(Duration.ofMinutes(10)),
            Quantile.of(0.9).relativeError(0.05).range(1, 1e5))
        .topK("top_merchants", Ev::merchant, Window.sliding(Duration.ofHours(1)), 3)
        .derived("decline_ratio", d -> d.ratio("declines_1h", "txn_1h"))
        .build();

    @Test
    void aCanonicalFormReadBackHasTheSetsFingerprintAndRowSize() {
        RowLayout layout = CanonicalForms.rowLayout(SET.canonicalForm());
        assertThat(layout.fingerprint()).isEqualTo(SET.fingerprint());
        assertThat(layout.rowSizeBytes()).isEqualTo(SET.rowSizeBytes());
        assertThat(layout.keyType()).isEqualTo(KeyType.TEXT);
        assertThat(layout.setName()).isEqualTo("every_kind");
    }

    @Test
    void itsFeaturesAreTheStoredOnesInDeclarationOrder() {
        assertThat(CanonicalForms.features(SET.canonicalForm())).extracting(f -> f.name + ":" + f.kind + ":"
            + f.windowMs).containsExactly("last_amount:LATEST:0", "txn_1h:COUNT:3600000",
                "declines_1h:COUNT:3600000", "sum_10m:SUM:600000", "min:MIN:0", "max_1d:MAX:86400000", "mean:MEAN:0",
                "first:FIRST_SEEN:0", "last:LAST_SEEN:0", "merchants:LAST_N:0", "decayed_count:DECAYED_COUNT:0",
                "decayed_sum:DECAYED_SUM:0", "distinct_merchants:DISTINCT_APPROX:0", "amount_var:VARIANCE:0",
                "amount_std_1h:STDDEV:3600000", "p90_1h:QUANTILE:3600000", "top_merchants:TOP_K:3600000");
    }

    @Test
    void textThatIsNotACanonicalFormIsRefused() {
        assertThatThrownBy(() -> CanonicalForms.rowLayout("name=x;rowBytes=16"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("freshet.featureset.v2");
        String bad = SET.canonicalForm().replace(":COUNT:", ":NOT_A_KIND:");
        assertThatThrownBy(() -> CanonicalForms.features(bad)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("NOT_A_KIND");
        String noSketch = SET.canonicalForm().replace(":q=0.9/0.05/1.0/100000.0", "");
        assertThatThrownBy(() -> CanonicalForms.features(noSketch)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("q= part");
        String otherRow = SET.canonicalForm().replaceAll("rowBytes=\\d+", "rowBytes=8");
        assertThatThrownBy(() -> CanonicalForms.rowLayout(otherRow)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("rowBytes=8");
    }
}
