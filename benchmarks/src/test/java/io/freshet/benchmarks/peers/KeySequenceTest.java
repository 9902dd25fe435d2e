package io.freshet.benchmarks.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KeySequenceTest {
    private static final int KEYS = 10_000;

    @Test
    void keyOfIsInjectiveOnTheStoredRange() {
        Set<Long> seen = new HashSet<>();
        for (long i = 0; i < 100_000; i++) {
            assertThat(seen.add(KeySequence.keyOf(i))).isTrue();
        }
    }

    @Test
    void zipfConcentratesOnTheHottestRanksAndUniformDoesNot() {
        Map<Long, Integer> zipf = counts(KeySequence.of(KeySequence.ZIPF, KEYS, 1));
        Map<Long, Integer> uniform = counts(KeySequence.of(KeySequence.UNIFORM, KEYS, 1));
        // Rank 0 of Zipf(0.99) over 10k keys has probability ~1/H(10k) ~ 0.1; uniform keys ~1/10k each.
        double hottestShare = zipf.getOrDefault(KeySequence.keyOf(0), 0) / (double) KeySequence.LENGTH;
        assertThat(hottestShare).isBetween(0.08, 0.12);
        assertThat(zipf.getOrDefault(KeySequence.keyOf(0), 0)).isGreaterThan(zipf.getOrDefault(
            KeySequence.keyOf(100), 0) * 20);
        int maxUniform = uniform.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
        assertThat(maxUniform).isLessThan(3 * KeySequence.LENGTH / KEYS);
        assertThat(uniform).hasSize(KEYS);
        for (Long k : zipf.keySet()) {
            assertThat(uniform).containsKey(k);
        }
    }

    @Test
    void sameSeedSameSequenceAndBadInputIsRefused() {
        KeySequence a = KeySequence.of(KeySequence.ZIPF, KEYS, 7);
        KeySequence b = KeySequence.of(KeySequence.ZIPF, KEYS, 7);
        for (int i = 0; i < 1000; i++) {
            assertThat(a.key(i)).isEqualTo(b.key(i));
        }
        assertThat(a.key(KeySequence.LENGTH + 3)).isEqualTo(a.key(3));
        assertThatThrownBy(() -> KeySequence.of("pareto", KEYS, 1)).hasMessageContaining("distribution=pareto");
        assertThatThrownBy(() -> KeySequence.of(KeySequence.UNIFORM, 0, 1)).hasMessageContaining("keyCount=0");
    }

    private static Map<Long, Integer> counts(KeySequence s) {
        Map<Long, Integer> m = new HashMap<>();
        for (int i = 0; i < s.length(); i++) {
            m.merge(s.key(i), 1, Integer::sum);
        }
        return m;
    }
}
