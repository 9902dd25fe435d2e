package io.freshet.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The hidden fraud rule's generator (deterministic, visible behaviour) and the outcome's wire format. */
class FraudPaymentGeneratorTest {
    private static final long T0 = 1_700_000_000_000L;

    @Test
    void sameSeedSamePaymentsAndLabels() {
        FraudPaymentGenerator a = new FraudPaymentGenerator(42, 2000);
        FraudPaymentGenerator b = new FraudPaymentGenerator(42, 2000);
        FraudPaymentGenerator c = new FraudPaymentGenerator(43, 2000);
        Payment pa = new Payment();
        Payment pb = new Payment();
        Payment pc = new Payment();
        int differ = 0;
        for (int i = 0; i < 10_000; i++) {
            a.next(T0 + i, pa);
            b.next(T0 + i, pb);
            c.next(T0 + i, pc);
            assertThat(pa).isEqualTo(pb);
            assertThat(a.lastFraud()).isEqualTo(b.lastFraud());
            differ += pa.equals(pc) ? 0 : 1;
        }
        assertThat(differ).isGreaterThan(9000);
    }

    @Test
    void episodesAreMostlyFraudAndShowAsNewMerchantsAndAmountSpikes() {
        FraudPaymentGenerator g = new FraudPaymentGenerator(7, 2000);
        Payment p = new Payment();
        int payments = 200_000;
        int episode = 0;
        int episodeFraud = 0;
        int ordinaryFraud = 0;
        int episodeDeclines = 0;
        Set<Long> episodeUsers = new HashSet<>();
        for (int i = 0; i < payments; i++) {
            g.next(T0 + i, p);
            if (g.lastEpisode()) {
                episode++;
                episodeFraud += g.lastFraud() ? 1 : 0;
                episodeDeclines += p.declined() ? 1 : 0;
                episodeUsers.add(p.userId());
                // A merchant no ordinary payment uses, at four times the user's usual amount or more.
                assertThat(p.merchantId()).isGreaterThanOrEqualTo(10_000);
                assertThat(p.amount()).isGreaterThanOrEqualTo(
                    Math.floor(FraudPaymentGenerator.typicalAmount(p.userId()) * 4 * 100) / 100);
            } else {
                ordinaryFraud += g.lastFraud() ? 1 : 0;
                assertThat(p.merchantId()).isLessThan(10_000);
            }
            assertThat(p.timestampMs()).isEqualTo(T0 + i);
        }
        assertThat(episode).isBetween(payments / 100, payments / 10);
        assertThat(episodeUsers.size()).isGreaterThan(100);
        assertThat(episodeFraud / (double) episode).isBetween(0.85, 0.97);
        assertThat(episodeDeclines / (double) episode).isBetween(0.3, 0.5);
        assertThat(ordinaryFraud / (double) (payments - episode)).isBetween(0.001, 0.004);
    }

    @Test
    void outcomesRoundTripAndBadValuesAreNamed() {
        FraudOutcome o = new FraudOutcome(97, T0, 123.45, 77_777, true);
        assertThat(FraudOutcome.decode(o.encode())).isEqualTo(o);
        byte[] v = o.encode();
        v[0] = 'X';
        assertThatThrownBy(() -> FraudOutcome.decode(v)).hasMessage("magic=88 != 76: not a fraud outcome");
        assertThatThrownBy(() -> FraudOutcome.decode(new byte[3])).hasMessage("length=3 != 35: not a fraud outcome");
        byte[] w = o.encode();
        w[34] = 2;
        assertThatThrownBy(() -> FraudOutcome.decode(w)).hasMessage("fraud=2 is not 0 or 1");
    }
}
