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
 * The batch read's arguments and its per-key results on the in-memory store; that a batch equals single reads on
 * every engine (with each engine's read-ahead) is in the store contract test (RowStoreContractTest).
 */
class FeatureReaderBatchTest {
    private static final long NOW = 1_700_000_000_000L;
    private final FeatureSet<Ev> set = FeatureSet.builder("batch", Ev.class)
        .entity("user", Ev::key).eventTime(Ev::timeMs).count("n").sum("total", Ev::amount).build();
    private final FeatureSet<Ev> textSet = FeatureSet.builder("batch_text", Ev.class)
        .textEntity("user", e -> Long.toString(e.key())).eventTime(Ev::timeMs).count("n").build();
    private final InMemoryRowStore store = new InMemoryRowStore(StoreConfig.builder(set).capacity(100).build());
    private final FeatureReader reader = new FeatureReader(set, store, new ManualClock(NOW));

    private void apply(long key, double amount) {
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

    private FeatureVector[] vectors(FeatureSet<?> of, int n) {
        FeatureVector[] v = new FeatureVector[n];
        for (int i = 0; i < n; i++) {
            v[i] = of.newVector();
        }
        return v;
    }

    @Test
    void eachVectorReadsWhatASingleReadOfItsKeyReads() {
        apply(1, 2.5);
        apply(2, 4);
        apply(1, 1);
        FeatureVector[] into = vectors(set, 4);

        assertThat(reader.read(new long[] {1, 3, 2, 1}, into)).isEqualTo(3);

        assertThat(into[0].getLong(set.ref("n"))).isEqualTo(2);
        assertThat(into[0].getDouble(set.ref("total"))).isEqualTo(3.5);
        assertThat(into[1].status()).isEqualTo(VectorStatus.MISSING);
        assertThat(into[2].getDouble(set.ref("total"))).isEqualTo(4);
        assertThat(into[3].toString()).isEqualTo(into[0].toString());
        assertThat(reader.read(new long[0], new FeatureVector[0])).isZero();
    }

    @Test
    void aBadBatchIsRefusedBeforeAnyVectorIsWritten() {
        apply(1, 2.5);
        FeatureVector[] into = vectors(set, 3);
        String untouched = into[0].toString();
        FeatureVector[] mixed = {set.newVector(), textSet.newVector()};
        FeatureVector[] withNull = {set.newVector(), null};

        assertThatThrownBy(() -> reader.read(new long[] {1, 1, 1, 1}, into))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("into.length=3 < keys.length=4: pass one vector per key (set.newVector())");
        assertThatThrownBy(() -> reader.read(new long[] {1, 1}, mixed))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("vector of set=batch_text");
        assertThatThrownBy(() -> reader.read(new long[] {1, 1}, withNull))
            .isInstanceOf(NullPointerException.class).hasMessageContaining("into[1] is null");
        assertThatThrownBy(() -> reader.read((long[]) null, into)).isInstanceOf(NullPointerException.class)
            .hasMessage("keys can't be null");
        assertThatThrownBy(() -> reader.read(new CharSequence[] {"1"}, into))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has a LONG key");
        assertThat(into[0].toString()).isEqualTo(untouched);
        assertThat(mixed[0].status()).isEqualTo(VectorStatus.MISSING);
        assertThat(withNull[0].status()).isEqualTo(VectorStatus.MISSING);
    }

    @Test
    void aTextBatchRefusesANullKeyAndALongKeyedSet() {
        InMemoryRowStore textStore = new InMemoryRowStore(StoreConfig.builder(textSet).capacity(10).build());
        FeatureReader textReader = new FeatureReader(textSet, textStore, new ManualClock(NOW));
        FeatureVector[] into = vectors(textSet, 2);

        assertThat(textReader.read(new CharSequence[] {"a", "b"}, into)).isZero();
        assertThat(into[1].status()).isEqualTo(VectorStatus.MISSING);
        assertThatThrownBy(() -> textReader.read(new CharSequence[] {"a", null}, into))
            .isInstanceOf(NullPointerException.class).hasMessageContaining("keys[1] is null");
        assertThatThrownBy(() -> textReader.read(new long[] {1}, into))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has a TEXT key");
    }
}
