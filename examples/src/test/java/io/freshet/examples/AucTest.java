package io.freshet.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The baseline's metrics on cases small enough to count by hand, and against the pairwise definition. */
class AucTest {
    @Test
    void rocAucOfAKnownSmallCase() {
        // Positives 0.35 and 0.8 against negatives 0.1 and 0.4: 3 of the 4 pairs ordered right.
        assertThat(Auc.rocAuc(new double[] {0.1, 0.4, 0.35, 0.8}, new boolean[] {false, false, true, true}))
            .isEqualTo(0.75);
        assertThat(Auc.rocAuc(new double[] {1, 2}, new boolean[] {false, true})).isEqualTo(1.0);
        assertThat(Auc.rocAuc(new double[] {1, 2}, new boolean[] {true, false})).isEqualTo(0.0);
    }

    @Test
    void tiesCountHalf() {
        assertThat(Auc.rocAuc(new double[] {0.5, 0.5}, new boolean[] {true, false})).isEqualTo(0.5);
        // Pairs: (p=0.5, n=0.5) half, (p=0.5, n=0.1) one, (p=0.9, n=0.5) one, (p=0.9, n=0.1) one: 3.5 / 4.
        assertThat(Auc.rocAuc(new double[] {0.5, 0.5, 0.1, 0.9}, new boolean[] {true, false, false, true}))
            .isEqualTo(0.875);
    }

    @Test
    void rocAucEqualsThePairwiseCountOnRandomScores() {
        SplittableRandom r = new SplittableRandom(7);
        for (int run = 0; run < 20; run++) {
            int n = 2 + r.nextInt(200);
            double[] s = new double[n];
            boolean[] p = new boolean[n];
            for (int i = 0; i < n; i++) {
                s[i] = r.nextInt(20) / 4.0;   // coarse, so ties are common
                p[i] = r.nextBoolean();
            }
            p[0] = true;
            p[1] = false;
            double pairs = 0;
            double wins = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    if (p[i] && !p[j]) {
                        pairs++;
                        wins += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0;
                    }
                }
            }
            assertThat(Auc.rocAuc(s, p)).isCloseTo(wins / pairs, within(1e-12));
        }
    }

    @Test
    void precisionAtAnAlertRateCountsTheTopScores() {
        double[] s = {0.9, 0.1, 0.8, 0.2, 0.7, 0.3, 0.6, 0.4, 0.5, 0.05};
        boolean[] p = {true, false, false, false, true, false, false, false, false, true};
        assertThat(Auc.precisionAt(s, p, 0.1)).isEqualTo(1.0);        // top 1: 0.9
        assertThat(Auc.precisionAt(s, p, 0.2)).isEqualTo(0.5);        // 0.9, 0.8
        assertThat(Auc.precisionAt(s, p, 0.3)).isCloseTo(2 / 3.0, within(1e-12));
        assertThat(Auc.precisionAt(s, p, 0.25)).isCloseTo(2 / 3.0, within(1e-12));   // ceil(2.5) = 3
        assertThat(Auc.precisionAt(s, p, 1.0)).isEqualTo(0.3);
    }

    @Test
    void refusesOneClassAndMismatchedLengths() {
        assertThatThrownBy(() -> Auc.rocAuc(new double[] {1, 2}, new boolean[] {true, true}))
            .hasMessage("positives=2 negatives=0: the AUC needs both classes");
        assertThatThrownBy(() -> Auc.rocAuc(new double[] {1}, new boolean[] {true, false}))
            .hasMessageStartingWith("scores.length=1 positive.length=2");
        assertThatThrownBy(() -> Auc.precisionAt(new double[] {1}, new boolean[] {true}, 0))
            .hasMessage("alertRate=0.0 is not in (0, 1]");
    }
}
