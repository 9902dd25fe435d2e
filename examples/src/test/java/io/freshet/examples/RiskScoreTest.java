package io.freshet.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.freshet.core.FeatureTestDriver;
import io.freshet.core.FeatureVector;
import io.freshet.core.VectorStatus;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The demo's risk model and JSON over real vectors from the in-memory test driver: declines raise the score, the
 * terms add up to the score, a missing user scores the prior, and the documents are valid JSON with every feature.
 */
class RiskScoreTest {
    private static final long T0 = 1_800_000_000_000L;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static FeatureTestDriver<Payment> driver() {
        FeatureTestDriver<Payment> d = FeatureTestDriver.create(RiskFeatures.USER_RISK, T0);
        for (int i = 0; i < 40; i++) {
            long t = T0 + i * 1000L;
            d.setTime(t);
            d.pipe(new Payment(1, t, 20 + i % 3, false, 7 + i % 2, 250));
            d.pipe(new Payment(2, t, 20 + i % 3, i % 2 == 0, 7 + i % 2, 250));
        }
        return d.advance(Duration.ofSeconds(1));
    }

    @Test
    void declinesRaiseTheScoreAndTermsExplainIt() throws Exception {
        FeatureTestDriver<Payment> d = driver();
        RiskScore model = new RiskScore(RiskFeatures.USER_RISK);
        double[] x = new double[RiskScore.TERMS.size()];
        double clean = model.evaluate(d.read(1), x);
        double declining = model.evaluate(d.read(2), x);
        assertThat(clean).isBetween(0.0, 1.0);
        assertThat(declining).isGreaterThan(clean).isGreaterThan(RiskScore.HIGH);
        assertThat(RiskScore.band(declining)).isEqualTo("high");

        JsonNode doc = JSON.readTree(FeatureJson.score(2, d.read(2), model));
        assertThat(doc.get("user").asLong()).isEqualTo(2);
        assertThat(doc.get("status").asText()).isEqualTo("FRESH");
        assertThat(doc.get("score").asDouble()).isCloseTo(declining, within(1e-12));
        double z = doc.get("intercept").asDouble();
        for (JsonNode t : doc.get("terms")) {
            assertThat(t.get("contribution").asDouble())
                .isCloseTo(t.get("weight").asDouble() * t.get("x").asDouble(), within(1e-9));
            z += t.get("contribution").asDouble();
        }
        assertThat(doc.get("z").asDouble()).isCloseTo(z, within(1e-9));
        assertThat(1 / (1 + Math.exp(-z))).isCloseTo(declining, within(1e-9));
        assertThat(doc.get("terms")).hasSize(RiskScore.TERMS.size());
        assertThat(doc.get("features").fieldNames()).toIterable()
            .containsExactlyElementsOf(RiskScore.FEATURES_USED);
        assertThat(doc.get("features").get("declines_1h").get("value").asLong()).isEqualTo(20);
    }

    @Test
    void aMissingUserScoresThePriorAndServesNulls() throws Exception {
        FeatureTestDriver<Payment> d = driver();
        FeatureVector v = d.read(999);
        assertThat(v.status()).isEqualTo(VectorStatus.MISSING);
        double[] x = new double[RiskScore.TERMS.size()];
        double score = new RiskScore(RiskFeatures.USER_RISK).evaluate(v, x);
        double z = RiskScore.INTERCEPT + RiskScore.TERMS.get(0).weight() * 0.03;
        assertThat(score).isCloseTo(1 / (1 + Math.exp(-z)), within(1e-12));
        JsonNode doc = JSON.readTree(FeatureJson.features(999, v));
        assertThat(doc.get("status").asText()).isEqualTo("MISSING");
        assertThat(doc.get("rowUpdatedAgeMs").isNull()).isTrue();
        assertThat(doc.get("features").get("last_amount").get("value").isNull()).isTrue();
        assertThat(doc.get("features").get("last_amount").get("ageMs").isNull()).isTrue();
    }

    @Test
    void featuresDocumentListsEveryFeatureAndPrettyFormKeepsTheSameJson() throws Exception {
        FeatureTestDriver<Payment> d = driver();
        String compact = FeatureJson.features(1, d.read(1));
        JsonNode doc = JSON.readTree(compact);
        assertThat(doc.get("set").asText()).isEqualTo("user_risk");
        assertThat(doc.get("features").fieldNames()).toIterable().containsExactlyElementsOf(
            RiskFeatures.USER_RISK.refs().stream().map(r -> r.name()).toList());
        assertThat(doc.get("features").get("txn_1h").get("value").asLong()).isEqualTo(40);
        assertThat(doc.get("features").get("txn_1h").get("ageMs").asLong()).isEqualTo(1000);
        assertThat(doc.get("features").get("last_merchants").get("value")).hasSize(5);
        String pretty = FeatureJson.pretty(compact, "  ");
        assertThat(pretty.lines().count()).isGreaterThan(RiskFeatures.USER_RISK.refs().size());
        assertThat(JSON.readTree(pretty)).isEqualTo(doc);
        String score = FeatureJson.score(1, d.read(1), new RiskScore(RiskFeatures.USER_RISK));
        assertThat(JSON.readTree(FeatureJson.pretty(score, ""))).isEqualTo(JSON.readTree(score));
    }
}
