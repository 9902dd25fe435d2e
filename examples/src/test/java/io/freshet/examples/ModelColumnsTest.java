package io.freshet.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.freshet.core.FeatureKind;
import io.freshet.core.FeatureRef;
import io.freshet.core.FeatureTestDriver;
import io.freshet.core.FeatureVector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The model's columns: named and ordered as the training rows' feature columns, filled from a vector. */
class ModelColumnsTest {
    private static final long T0 = 1_700_000_000_000L;

    @Test
    void columnsAreTheSetsNumericFeaturesInDeclarationOrderThenTheRequestColumns() {
        List<String> expected = new ArrayList<>();
        for (FeatureRef r : RiskFeatures.USER_RISK.refs()) {
            if (r.kind() != FeatureKind.LAST_N) {
                expected.add("user_risk__" + r.name());
            }
        }
        expected.addAll(List.of("request__amount", "request__amount_vs_mean", "request__new_merchant"));
        ModelColumns c = new ModelColumns(RiskFeatures.USER_RISK);
        assertThat(c.names()).containsExactlyElementsOf(expected);
        assertThat(c.width()).isEqualTo(expected.size());
        assertThat(expected).contains("user_risk__txn_5m", "user_risk__first_seen").doesNotContain(
            "user_risk__last_merchants");
    }

    @Test
    void fillsTransformedValuesAgesAndRequestColumns() {
        FeatureTestDriver<Payment> d = FeatureTestDriver.create(RiskFeatures.USER_RISK, T0);
        d.pipe(new Payment(7, T0, 10, false, 100, 250));
        d.advance(Duration.ofSeconds(1));
        d.pipe(new Payment(7, T0 + 1000, 30, true, 101, 250));
        d.advance(Duration.ofSeconds(1));
        FeatureVector v = d.read(7);
        ModelColumns c = new ModelColumns(RiskFeatures.USER_RISK);
        List<String> names = Arrays.asList(c.names());
        double[] x = new double[c.width()];

        c.fill(v, 80, 999, x);
        assertThat(x[names.indexOf("user_risk__txn_5m")]).isCloseTo(Math.log1p(2), within(1e-12));
        assertThat(x[names.indexOf("user_risk__declines_1h")]).isCloseTo(Math.log1p(1), within(1e-12));
        assertThat(x[names.indexOf("user_risk__mean_amount")]).isCloseTo(Math.log1p(20), within(1e-12));
        // first_seen is an epoch time: the column is its age at the read, 2 s.
        assertThat(x[names.indexOf("user_risk__first_seen")]).isCloseTo(Math.log1p(2000), within(1e-12));
        assertThat(x[names.indexOf("request__amount")]).isCloseTo(Math.log1p(80), within(1e-12));
        assertThat(x[names.indexOf("request__amount_vs_mean")]).isCloseTo(Math.log(4), within(1e-12));
        assertThat(x[names.indexOf("request__new_merchant")]).isEqualTo(1);

        c.fill(v, Double.NaN, 101, x);
        assertThat(x[names.indexOf("request__amount")]).isCloseTo(Math.log1p(20), within(1e-12));
        assertThat(x[names.indexOf("request__amount_vs_mean")]).isZero();
        assertThat(x[names.indexOf("request__new_merchant")]).isZero();

        // A user with no row: every feature column 0 (missing), and a merchant is not "new" without history.
        c.fill(d.read(8), 50, 999, x);
        for (int i = 0; i < x.length; i++) {
            if (!names.get(i).equals("request__amount")) {
                assertThat(x[i]).as(names.get(i)).isZero();
            }
        }
    }
}
