package io.freshet.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.FeatureSet;
import io.freshet.core.internal.kernel.Kernels;
import io.freshet.core.spi.InMemoryRowStore;
import io.freshet.core.spi.RowStore;
import io.freshet.core.StoreConfig;
import io.freshet.kafka.BadRecordReason;
import io.freshet.kafka.RecordDecoder;
import io.freshet.kafka.Source;
import io.freshet.kafka.TombstonePolicy;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * The consumer-side extraction: every user call (decode, key, time, values) happens here, a rejection or a throw is
 * a reason rather than an exception, the event is validated once, and a good record is prepared without
 * allocating.
 */
class EventExtractorTest {
    private static final long NOW = 1_700_000_000_000L;

    /** A text-keyed event decoded in place: value = [amount double][time long]. */
    static final class Ev {
        String merchant;
        double amount;
        long timeMs;
    }

    private static final java.lang.invoke.VarHandle LONG = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(
        long[].class, java.nio.ByteOrder.BIG_ENDIAN);

    static final RecordDecoder<Ev> DECODER = new RecordDecoder<>() {
        @Override
        public Ev decode(io.freshet.kafka.RecordView record, Ev reuse) {
            byte[] v = record.value();
            reuse.amount = Double.longBitsToDouble((long) LONG.get(v, 0));
            reuse.timeMs = (long) LONG.get(v, 8);
            return reuse;
        }

        @Override
        public Ev newReusable() {
            Ev e = new Ev();
            e.merchant = "m-1";
            return e;
        }
    };

    static final FeatureSet<Ev> SET = FeatureSet.builder("extractor_test", Ev.class)
        .textEntity("merchant", e -> e.merchant)
        .eventTime(e -> e.timeMs)
        .sum("amount", EventExtractorTest::amount)
        .build();

    static double amount(Ev e) {
        if (e.amount == -42) {
            throw new IllegalStateException("poison");
        }
        return e.amount;
    }

    private final RowStore store = new InMemoryRowStore(StoreConfig.builder(SET).capacity(16).shards(4)
        .build());
    private final SetRuntime set = new SetRuntime(0, SET, store, null, null);
    private final Binding binding = set.addBinding(0, Source.of("in", DECODER));
    private final EventExtractor extractor;

    EventExtractorTest() {
        set.bindStore(store);
        extractor = new EventExtractor(new Binding[] {binding}, List.of(set), Kernels.preparedCapacity(SET));
    }

    private static ConsumerRecord<byte[], byte[]> record(double amount, long timeMs) {
        byte[] v = ByteBuffer.allocate(16).putDouble(amount).putLong(timeMs).array();
        return new ConsumerRecord<>("in", 0, 7, new byte[0], v);
    }

    @Test
    void aGoodRecordIsPreparedForItsShard() {
        assertThat(extractor.extract(binding, record(2.5, NOW - 10), NOW)).isNull();
        assertThat(extractor.shard).isEqualTo(store.shardOf("m-1"));
        assertThat(extractor.textKey.toString()).isEqualTo("m-1");
        assertThat(extractor.prepared.eventTimeMs()).isEqualTo(NOW - 10);
    }

    @Test
    void rejectionsAndThrowsBecomeReasons() {
        assertThat(extractor.extract(binding, record(Double.NaN, NOW), NOW)).isEqualTo(
            BadRecordReason.NON_FINITE_VALUE);
        assertThat(extractor.shard).as("known: the duplicate check needs it").isEqualTo(store.shardOf("m-1"));
        assertThat(extractor.extract(binding, record(-42, NOW), NOW)).isEqualTo(BadRecordReason.EXTRACTOR_ERROR);
        assertThat(extractor.cause).hasMessage("poison");
        assertThat(extractor.extract(binding, record(1, -1), NOW)).isEqualTo(BadRecordReason.NEGATIVE_TIME);
        assertThat(extractor.extract(binding, record(1, NOW + 3_600_000L * 24 * 365), NOW)).isEqualTo(
            BadRecordReason.FUTURE_TIME);
        assertThat(extractor.extract(binding, new ConsumerRecord<>("in", 0, 7, new byte[0], null), NOW))
            .isEqualTo(BadRecordReason.TOMBSTONE);
    }

    @Test
    void aTombstoneOfADeletingSourceNamesItsKeyFromTheKafkaKey() {
        Binding deleting = set.addBinding(1, Source.of("in", DECODER).tombstones(TombstonePolicy.DELETE));
        EventExtractor x = new EventExtractor(new Binding[] {binding, deleting}, List.of(set),
            Kernels.preparedCapacity(SET));
        byte[] key = "caf\u00e9-\uD83D\uDE00".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(x.extract(deleting, new ConsumerRecord<>("in", 0, 1, key, null), NOW)).isNull();
        assertThat(x.tombstone).isTrue();
        assertThat(x.textKey.toString()).isEqualTo("caf\u00e9-\uD83D\uDE00");
        assertThat(x.shard).isEqualTo(store.shardOf("caf\u00e9-\uD83D\uDE00"));
        // Not UTF-8 (a lone continuation byte, an overlong form, a surrogate), or no key: bad records.
        byte[][] malformed = {{(byte) 0x80}, {(byte) 0xC0, (byte) 0xAF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
            {(byte) 0xE2, (byte) 0x82}};
        for (byte[] bad : malformed) {
            assertThat(x.extract(deleting, new ConsumerRecord<>("in", 0, 2, bad, null), NOW))
                .isEqualTo(BadRecordReason.KEY_INVALID);
            assertThat(x.cause).hasMessageContaining("UTF-8");
        }
        assertThat(x.extract(deleting, new ConsumerRecord<>("in", 0, 3, null, null), NOW))
            .isEqualTo(BadRecordReason.NULL_KEY);
        // The default source keeps a tombstone a bad record.
        assertThat(x.extract(binding, new ConsumerRecord<>("in", 0, 4, key, null), NOW))
            .isEqualTo(BadRecordReason.TOMBSTONE);
        assertThat(x.tombstone).isFalse();
    }

    @Test
    void aSlotCopiesTheTextKeyAndSwapsThePreparedEvent() {
        HandOffRing ring = new HandOffRing(2, Kernels.preparedCapacity(SET), true);
        Slot slot = ring.claim();
        assertThat(extractor.extract(binding, record(1, NOW), NOW)).isNull();
        var mine = extractor.prepared;
        var theirs = slot.prepared;
        assertThat(slot.textKey.copyOf(extractor.textKey)).isTrue();
        extractor.handOver(slot);
        assertThat(slot.prepared).isSameAs(mine);
        assertThat(extractor.prepared).isSameAs(theirs);
        assertThat(slot.textKey.toString()).isEqualTo("m-1").isNotSameAs(extractor.textKey);
    }

    @Test
    void extractionAllocatesNothingPerRecord() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        ConsumerRecord<byte[], byte[]> rec = record(3.0, NOW - 5);
        int n = 200_000;
        for (int i = 0; i < 5 * n; i++) {
            extractor.extract(binding, rec, NOW);
        }
        long before = mx.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < n; i++) {
            extractor.extract(binding, rec, NOW);
        }
        long bytes = mx.getCurrentThreadAllocatedBytes() - before;
        assertThat((double) bytes / n).as("bytes per record").isLessThan(1.0);
    }
}
