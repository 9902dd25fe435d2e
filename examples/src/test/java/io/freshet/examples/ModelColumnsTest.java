package io.freshet.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.freshet.core.FeatureTestDriver;
import io.freshet.core.FeatureVector;
import io.freshet.core.VectorStatus;
import io.freshet.core.ViewReader;
import io.freshet.core.ViewRequest;
import io.freshet.core.ViewVector;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The model's columns: exactly the view's columns, read live or assembled for a training row, transformed alike. */
class ModelColumnsTest {
    private static final long T0 = 1_700_000_000_000L;

    @Test
    void columnsAreTheViewsColumnsTheUsersFeaturesThenTheRequestTimeFeatures() {
        ModelColumns c = new ModelColumns(ModelColumns.VIEW);
        assertThat(c.names()).containsExactlyElementsOf(ModelColumns.VIEW.columns());
        assertThat(c.names()).containsExactly("user_risk__last_amount", "user_risk__txn_5m", "user_risk__txn_1h",
            "user_risk__amount_1h", "user_risk__max_amount_24h", "user_risk__mean_amount", "user_risk__declines_1h",
            "user_risk__activity", "user_risk__merchants_24h", "user_risk__decline_ratio_1h",
            "user_risk__p90_amount_1h",
            // The merchant category, one-hot: the dictionary's names in order, then other (issue 19 point 1).
            "user_risk__merchant_category__grocery", "user_risk__merchant_category__travel",
            "user_risk__merchant_category__electronics", "user_risk__merchant_category__gaming",
            "user_risk__merchant_category__fuel", "user_risk__merchant_category____other__", "payment__amount",
            "payment__amount_over_mean", "payment__amount_over_max_24h", "payment__seconds_since_last");
        assertThat(c.width()).isEqualTo(ModelColumns.VIEW.width());
    }

    @Test
    void fillsTransformedValuesAndRequestTimeFeaturesFromALiveReadAsFromAnAssembledRow() {
        FeatureTestDriver<Payment> d = FeatureTestDriver.create(RiskFeatures.USER_RISK, T0);
        d.pipe(new Payment(7, T0, 10, false, 100, 250));
        d.advance(Duration.ofSeconds(1));
        d.pipe(new Payment(7, T0 + 1000, 30, true, 101, 250));
        d.advance(Duration.ofSeconds(1));
        ModelColumns c = new ModelColumns(ModelColumns.VIEW);
        List<String> names = Arrays.asList(c.names());
        ViewReader reader = ModelColumns.VIEW.reader(d.reader());
        ViewRequest request = ModelColumns.VIEW.newRequest();
        ViewVector live = ModelColumns.VIEW.newVector();
        int user = ModelColumns.VIEW.keySlot("user_id");
        int amount = ModelColumns.VIEW.paramSlot(ModelColumns.AMOUNT);
        double[] x = new double[c.width()];

        request.key(user, 7).param(amount, 80);
        reader.read(request, live);
        c.fill(live, x);
        assertThat(x[names.indexOf("user_risk__txn_5m")]).isCloseTo(Math.log1p(2), within(1e-12));
        assertThat(x[names.indexOf("user_risk__declines_1h")]).isCloseTo(Math.log1p(1), within(1e-12));
        assertThat(x[names.indexOf("user_risk__mean_amount")]).isCloseTo(Math.log1p(20), within(1e-12));
        assertThat(x[names.indexOf("payment__amount")]).isCloseTo(Math.log1p(80), within(1e-12));
        assertThat(x[names.indexOf("payment__amount_over_mean")]).isCloseTo(Math.log1p(4), within(1e-12));
        assertThat(x[names.indexOf("payment__amount_over_max_24h")]).isCloseTo(Math.log1p(80.0 / 30), within(1e-12));
        // Merchant 101 is a marketplace (101 % 6 = 5), outside the dictionary: the other column is hot.
        assertThat(x[names.indexOf("user_risk__merchant_category____other__")]).isCloseTo(Math.log1p(1),
            within(1e-12));
        assertThat(x[names.indexOf("user_risk__merchant_category__travel")]).isZero();
        // The last payment was at T0 + 1 s, the read is at T0 + 2 s.
        assertThat(x[names.indexOf("payment__seconds_since_last")]).isCloseTo(Math.log1p(1), within(1e-12));

        // A training row's assembly of the same vector and amount gives the same bits.
        FeatureVector v = d.read(7);
        ViewVector row = ModelColumns.VIEW.newVector();
        row.assemble(new FeatureVector[] {v}, request);
        double[] y = new double[c.width()];
        c.fill(row, y);
        assertThat(y).isEqualTo(x);
        assertThat(VectorImage.of(v, row)).isEqualTo(VectorImage.of(live.vectorOf(RiskFeatures.USER_RISK), live));
        // ... and the image sees the request: another amount for the same vector is not the served row.
        ViewRequest other = ModelColumns.VIEW.newRequest();
        other.param(amount, 80.01);
        ViewVector otherRow = ModelColumns.VIEW.newVector();
        otherRow.assemble(new FeatureVector[] {v}, other);
        assertThat(VectorImage.of(v, otherRow)).isNotEqualTo(VectorImage.of(v, row));

        // No amount: the request-time columns are missing, 0 to the model.
        request.param(amount, Double.NaN);
        reader.read(request, live);
        c.fill(live, x);
        assertThat(live.status(names.indexOf("payment__amount_over_mean"))).isEqualTo(VectorStatus.MISSING);
        assertThat(x[names.indexOf("payment__amount")]).isZero();
        assertThat(x[names.indexOf("payment__amount_over_mean")]).isZero();

        // A user with no row: every column 0 but the amount.
        request.key(user, 8).param(amount, 50);
        reader.read(request, live);
        c.fill(live, x);
        for (int i = 0; i < x.length; i++) {
            if (!names.get(i).equals("payment__amount")) {
                assertThat(x[i]).as(names.get(i)).isZero();
            }
        }
    }
}
