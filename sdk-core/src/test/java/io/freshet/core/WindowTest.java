package io.freshet.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Window lengths, the default tile ladder and explicit tiles. */
class WindowTest {
    @ParameterizedTest
    @CsvSource({
        "1, 1000, 1", "30, 1000, 30", "32, 2000, 16", "60, 2000, 30", "300, 10000, 30", "420, 15000, 28",
        "3600, 120000, 30", "86400, 3600000, 24", "2592000, 86400000, 30",
    })
    void defaultGranularityIsTheSmallestLadderStepWithAtMostThirtyTiles(long seconds, long tileMs, int tiles) {
        Window w = Window.sliding(Duration.ofSeconds(seconds));
        assertThat(w.tileMs()).isEqualTo(tileMs);
        assertThat(w.tileCount()).isEqualTo(tiles);
        assertThat(w.lengthMs()).isEqualTo(seconds * 1000);
        assertThat(w.isLifetime()).isFalse();
    }

    @Test
    void windowsWithoutADefaultWaitForExplicitTiles() {
        Window w = Window.sliding(Duration.ofDays(31));
        assertThat(w.tileMs()).isZero();
        assertThat(w.tileCount()).isZero();
        assertThat(w.isLifetime()).isFalse();
        assertThat(w.toString()).isEqualTo("sliding(PT744H, tile=none)");
        Window tiled = w.tiles(Duration.ofDays(1));
        assertThat(tiled.tileCount()).isEqualTo(31);
        assertThat(tiled).isNotEqualTo(w);
    }

    @Test
    void explicitTilesOverrideTheDefault() {
        Window w = Window.sliding(Duration.ofMinutes(5)).tiles(Duration.ofSeconds(1));
        assertThat(w.tileCount()).isEqualTo(300);
        assertThat(w.toString()).isEqualTo("sliding(PT5M, tile=PT1S)");
        assertThat(w).isEqualTo(Window.sliding(Duration.ofMinutes(5)).tiles(Duration.ofMillis(1000)))
            .hasSameHashCodeAs(Window.sliding(Duration.ofMinutes(5)).tiles(Duration.ofMillis(1000)))
            .isNotEqualTo(Window.sliding(Duration.ofMinutes(5)));
        assertThat(Window.sliding(Duration.ofSeconds(3)).tiles(Duration.ofMillis(1500)).tileCount()).isEqualTo(2);
    }

    @Test
    void lifetimeHasNoTiles() {
        Window w = Window.lifetime();
        assertThat(w.isLifetime()).isTrue();
        assertThat(w.lengthMs()).isZero();
        assertThat(w.tileMs()).isZero();
        assertThat(w.tileCount()).isZero();
        assertThat(w.toString()).isEqualTo("lifetime");
        assertThat(w).isSameAs(Window.lifetime());
    }
}
