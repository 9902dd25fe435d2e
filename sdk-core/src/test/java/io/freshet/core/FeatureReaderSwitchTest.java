package io.freshet.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshet.core.internal.kernel.EventPreparer;
import io.freshet.core.internal.kernel.Kernels;
import io.freshet.core.internal.kernel.PreparedEvent;
import io.freshet.core.internal.kernel.RowWriteKernel;
import io.freshet.core.spi.InMemoryRowStore;
import io.freshet.core.spi.ShardWriter;
import org.junit.jupiter.api.Test;

/**
 * A reader switched to another definition of its set (a migration's promote or rollback) reads that definition's
 * store whole; the caller's vectors and refs of the other definition keep working; anything else is refused.
 */
class FeatureReaderSwitchTest {
    private static final long NOW = 1_700_000_000_000L;
    private final FeatureSet<Ev> v1 = FeatureSet.builder("risk", Ev.class)
        .entity("user", Ev::key).eventTime(Ev::timeMs).count("n").sum("total", Ev::amount).build();
    private final FeatureSet<Ev> v2 = FeatureSet.builder("risk", Ev.class)
        .entity("user", Ev::key).eventTime(Ev::timeMs).count("n").max("largest", Ev::amount)
        .sum("total", Ev::amount).build();
    private final InMemoryRowStore store1 = new InMemoryRowStore(StoreConfig.builder(v1).capacity(10).build());
    private final InMemoryRowStore store2 = new InMemoryRowStore(StoreConfig.builder(v2).capacity(10).build());
    private final FeatureReader reader = new FeatureReader(v1, store1, new ManualClock(NOW));

    private static void apply(FeatureSet<Ev> set, InMemoryRowStore store, long key, double amount) {
        EventPreparer<Ev> preparer = Kernels.newPreparer(set);
        RowWriteKernel kernel = Kernels.newWriteKernel(set);
        PreparedEvent prepared = new PreparedEvent(Kernels.preparedCapacity(set));
        assertThat(preparer.prepare(new Ev(key, NOW - 10, amount), NOW - 10, NOW, prepared))
            .isEqualTo(EventPreparer.PREPARED);
        ShardWriter w = store.writer(0);
        assertThat(w.begin(key, ShardWriter.NO_SOURCE, 0, 0)).isEqualTo(ShardWriter.BEGIN_OK);
        kernel.apply(prepared, w.row(), NOW);
        w.commit();
    }

    @Test
    void aSwitchedReaderReadsTheOtherDefinitionIntoTheCallersVectorAndBack() {
        apply(v1, store1, 7, 2);
        apply(v2, store2, 7, 2);
        apply(v2, store2, 7, 5);
        FeatureVector v = v1.newVector();
        assertThat(reader.read(7, v)).isTrue();
        assertThat(v.getLong(v1.ref("n"))).isEqualTo(1);

        reader.switchTo(v2, store2);
        assertThat(reader.featureSet()).isSameAs(v2);
        assertThat(reader.read(7, v)).isTrue();
        assertThat(v.featureSet()).isSameAs(v2);
        assertThat(v.width()).isEqualTo(v2.vectorWidth());
        assertThat(v.getDouble(v2.ref("largest"))).isEqualTo(5);
        assertThat(v.getLong(v1.ref("n"))).as("a ref of the old definition resolves by name").isEqualTo(2);
        assertThat(v.getDouble(v1.ref("total"))).isEqualTo(7);
        FeatureVector[] batch = {v1.newVector(), v2.newVector()};
        assertThat(reader.read(new long[] {7, 8}, batch)).isEqualTo(1);
        assertThat(batch[0].featureSet()).isSameAs(v2);

        reader.switchTo(v1, store1);
        assertThat(reader.read(7, v)).isTrue();
        assertThat(v.featureSet()).isSameAs(v1);
        assertThat(v.getLong(v1.ref("n"))).isEqualTo(1);
        assertThatThrownBy(() -> v.getDouble(v2.ref("largest"))).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("largest");
    }

    @Test
    void aVectorOfAnUnrelatedSetAndAStoreOfAnotherFingerprintAreRefused() {
        FeatureSet<Ev> other = FeatureSet.builder("other", Ev.class)
            .entity("user", Ev::key).eventTime(Ev::timeMs).count("n").build();
        assertThatThrownBy(() -> reader.read(1, other.newVector())).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("vector of set=other passed to reader of set=risk");
        assertThatThrownBy(() -> reader.switchTo(v2, store1)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("fingerprint");
        FeatureSet<Ev> text = FeatureSet.builder("risk", Ev.class)
            .textEntity("user", e -> "u").eventTime(Ev::timeMs).count("n").build();
        InMemoryRowStore textStore = new InMemoryRowStore(StoreConfig.builder(text).capacity(10).build());
        assertThatThrownBy(() -> reader.switchTo(text, textStore)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("keeps the key type");
        assertThat(reader.featureSet()).isSameAs(v1);
    }
}
