package io.freshet.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The train-and-serve demo, short, on its embedded broker (the test kit's): the trained model beats the hand-set
 * score on the held-out time slice, every served vector recorded equals its recomputed training row, and scoring
 * with the model's weights allocates nothing and agrees with Tribuo's predict. No timing assertions.
 */
class TrainServeDemoTest {
    @Test
    void trainedModelBeatsTheHandSetScoreAndServedVectorsEqualTheirTrainingRows() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        FraudDemoOptions options = FraudDemoOptions.parse("--train", "--duration", "5s", "--rate", "3000",
            "--users", "2000", "--partitions", "3", "--port", "0");
        TrainServeDemo.Report r = TrainServeDemo.run(options, out);
        String text = buf.toString(StandardCharsets.UTF_8);
        System.out.print(text);

        // The model's input is one view, request-time features included: its columns, in its order.
        assertThat(text).contains("model input: view payment, " + ModelColumns.VIEW.width() + " columns: "
            + String.join(", ", ModelColumns.VIEW.columns()));
        assertThat(ModelColumns.VIEW.columns()).contains("payment__amount_over_mean", "payment__seconds_since_last");
        // ... and the model's rows are the view's own training rows (TrainingSet...view, CSV), every one.
        assertThat(r.viewRowsChecked()).as(text).isEqualTo(r.rows());
        assertThat(r.viewRowsEqual()).as(text).isEqualTo(r.rows());
        assertThat(r.rows()).as(text).isGreaterThan(5000);
        assertThat(r.fraudShare()).as(text).isBetween(0.005, 0.2);
        assertThat(r.modelAuc()).as(text).isGreaterThan(r.baselineAuc());
        assertThat(r.modelPrecision()).as(text).isGreaterThan(r.baselinePrecision());
        // The own AUC and Tribuo's LabelEvaluation agree on the same held-out slice.
        assertThat(Math.abs(r.modelAuc() - r.tribuoAuc())).as(text).isLessThan(1e-9);

        assertThat(r.skewChecked()).as(text).isGreaterThan(0);
        assertThat(r.skewEqual()).as(text).isEqualTo(r.skewChecked());
        assertThat(text).contains("zero skew: checked " + r.skewChecked() + ", equal " + r.skewChecked());

        assertThat(r.bytesPerScore()).as(text).isLessThan(1.0);
        assertThat(r.tribuoBytesPerScore()).as(text).isPositive();
        assertThat(r.maxScoreDifference()).as(text).isLessThan(1e-12);
    }
}
