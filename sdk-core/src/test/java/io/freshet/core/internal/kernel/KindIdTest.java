package io.freshet.core.internal.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.FeatureKind;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The kernels switch on int kind ids: this pins every id to its {@link FeatureKind}, so a kind added to the enum
 * without a kernel, or a renumbered constant, fails here instead of running another kind's code.
 */
class KindIdTest {
    @Test
    void everyKindHasAKernelIdEqualToItsOrdinal() {
        Set<Integer> ids = new HashSet<>();
        for (FeatureKind k : FeatureKind.values()) {
            int id = CompiledLayout.kindId(k);
            assertThat(id).as(k.name()).isEqualTo(k.ordinal());
            assertThat(ids.add(id)).as("unique id of " + k).isTrue();
        }
    }

    @Test
    void constantsNameTheirKinds() {
        assertThat(CompiledLayout.K_LATEST).isEqualTo(FeatureKind.LATEST.ordinal());
        assertThat(CompiledLayout.K_COUNT).isEqualTo(FeatureKind.COUNT.ordinal());
        assertThat(CompiledLayout.K_SUM).isEqualTo(FeatureKind.SUM.ordinal());
        assertThat(CompiledLayout.K_MIN).isEqualTo(FeatureKind.MIN.ordinal());
        assertThat(CompiledLayout.K_MAX).isEqualTo(FeatureKind.MAX.ordinal());
        assertThat(CompiledLayout.K_MEAN).isEqualTo(FeatureKind.MEAN.ordinal());
        assertThat(CompiledLayout.K_FIRST_SEEN).isEqualTo(FeatureKind.FIRST_SEEN.ordinal());
        assertThat(CompiledLayout.K_LAST_SEEN).isEqualTo(FeatureKind.LAST_SEEN.ordinal());
        assertThat(CompiledLayout.K_LAST_N).isEqualTo(FeatureKind.LAST_N.ordinal());
        assertThat(CompiledLayout.K_DECAYED_COUNT).isEqualTo(FeatureKind.DECAYED_COUNT.ordinal());
        assertThat(CompiledLayout.K_DECAYED_SUM).isEqualTo(FeatureKind.DECAYED_SUM.ordinal());
        assertThat(CompiledLayout.K_DISTINCT).isEqualTo(FeatureKind.DISTINCT_APPROX.ordinal());
        assertThat(CompiledLayout.K_RATIO).isEqualTo(FeatureKind.RATIO.ordinal());
        assertThat(CompiledLayout.K_DIFFERENCE).isEqualTo(FeatureKind.DIFFERENCE.ordinal());
        assertThat(CompiledLayout.K_TIME_SINCE).isEqualTo(FeatureKind.TIME_SINCE.ordinal());
        assertThat(CompiledLayout.K_VARIANCE).isEqualTo(FeatureKind.VARIANCE.ordinal());
        assertThat(CompiledLayout.K_STDDEV).isEqualTo(FeatureKind.STDDEV.ordinal());
        assertThat(CompiledLayout.K_TOP_K).isEqualTo(FeatureKind.TOP_K.ordinal());
    }

    @Test
    void tileEpochsFloorForEveryTime() {
        assertThat(TileRing.epochOf(0, 1000)).isZero();
        assertThat(TileRing.epochOf(999, 1000)).isZero();
        assertThat(TileRing.epochOf(1000, 1000)).isEqualTo(1);
        assertThat(TileRing.epochOf(-1, 1000)).as("a negative read time is in the tile before 0").isEqualTo(-1);
        assertThat(TileRing.epochOf(Long.MIN_VALUE, 1000)).isEqualTo(Math.floorDiv(Long.MIN_VALUE, 1000L));
    }
}
