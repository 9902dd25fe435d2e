package io.freshet.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.freshet.core.FeatureTestDriver;
import io.freshet.core.FeatureVector;
import io.freshet.core.ViewRequest;
import io.freshet.core.ViewVector;
import java.util.Arrays;
import java.util.List;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trained model without a broker: its file round trip, its two scoring paths, and {@code /score} with it over a
 * {@link FeatureTestDriver}'s reader (request-time parameters, defaults, and 400s that name the fix).
 */
class TrainedScoreTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ModelColumns COLUMNS = new ModelColumns(ModelColumns.VIEW);
    private static FraudModel model;

    /** Rows where fraud follows a request-time column (a large amount against the user's mean), with some noise. */
    @BeforeAll
    static void train() {
        SplittableRandom r = new SplittableRandom(3);
        int n = 800;
        int w = COLUMNS.width();
        List<String> names = Arrays.asList(COLUMNS.names());
        int overMean = names.indexOf("payment__amount_over_mean");
        double[] x = new double[n * w];
        boolean[] fraud = new boolean[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < w; j++) {
                x[i * w + j] = r.nextDouble();
            }
            boolean spike = r.nextInt(10) == 0;
            x[i * w + overMean] = spike ? 1.5 + r.nextDouble() : Math.log1p(Math.abs(1 + r.nextGaussian() * 0.3));
            fraud[i] = spike ? r.nextInt(10) < 9 : r.nextInt(100) == 0;
        }
        model = FraudModel.train(COLUMNS, x, fraud, 0, n);
    }

    @Test
    void theModelFileScoresAsTheModelAndBothPathsAgree(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("m.tribuo");
        model.save(file);
        FraudModel loaded = FraudModel.load(file, COLUMNS);
        FeatureTestDriver<Payment> d = driver();
        double[] x = new double[COLUMNS.width()];
        double spike = model.score(view(d.read(7), 400), x);
        double usual = model.score(view(d.read(7), 20), x);
        assertThat(spike).isGreaterThan(usual);
        assertThat(loaded.score(view(d.read(7), 400), x)).isEqualTo(spike);
        assertThat(model.scoreWithTribuo(view(d.read(7), 400), x)).isCloseTo(spike, within(1e-12));
    }

    @Test
    void scoreAnswersTheModelForTheRequestsPaymentAndRefusesBadParameters() throws Exception {
        FeatureTestDriver<Payment> d = driver();
        try (FeatureServer s = FeatureServer.start(0, d.reader(), null, model, null)) {
            JsonNode doc = JSON.readTree(get(s, "/score/7?amount=400", 200));
            double[] x = new double[COLUMNS.width()];
            FeatureVector v = d.read(7);
            assertThat(doc.get("model").asText()).isEqualTo("tribuo logistic regression");
            assertThat(doc.get("status").asText()).isEqualTo("FRESH");
            assertThat(doc.get("score").asDouble()).isEqualTo(model.score(view(v, 400), x));
            assertThat(doc.get("amount").asDouble()).isEqualTo(400);
            assertThat(doc.get("handSetScore").asDouble()).isStrictlyBetween(0.0, 1.0);

            JsonNode typical = JSON.readTree(get(s, "/score/7", 200));
            assertThat(typical.get("amount").isNull()).isTrue();
            // Without the amount the request-time columns read missing: 0 to the model, as in a training row.
            assertThat(typical.get("score").asDouble()).isEqualTo(model.score(view(v, Double.NaN), x));
            assertThat(typical.get("score").asDouble()).isNotEqualTo(doc.get("score").asDouble());

            assertThat(JSON.readTree(get(s, "/score/7?amount=-3", 400)).get("error").asText())
                .isEqualTo("amount=-3 is not a positive amount: use e.g. amount=120.5");
            assertThat(JSON.readTree(get(s, "/score/7?merchant=4711", 400)).get("error").asText())
                .isEqualTo("query parameter merchant is unknown: use amount, e.g. /score/97?amount=120.5");
        }
    }

    /** The model's view assembled from a vector of the user and the payment's amount, as a training row is. */
    private static ViewVector view(FeatureVector v, double amount) {
        ViewRequest request = ModelColumns.VIEW.newRequest();
        request.param(ModelColumns.VIEW.paramSlot(ModelColumns.AMOUNT), amount);
        ViewVector out = ModelColumns.VIEW.newVector();
        out.assemble(new FeatureVector[] {v}, request);
        return out;
    }

    private static FeatureTestDriver<Payment> driver() {
        FeatureTestDriver<Payment> d = FeatureTestDriver.create(RiskFeatures.USER_RISK, T0);
        d.pipe(new Payment(7, T0, 10, false, 100, 250));
        d.advance(Duration.ofSeconds(1));
        d.pipe(new Payment(7, T0 + 1000, 30, false, 101, 250));
        d.advance(Duration.ofSeconds(1));
        return d;
    }

    private static String get(FeatureServer s, String path, int status) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + s.port() + path)).timeout(Duration.ofSeconds(10)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        return r.body();
    }
}
