package io.freshet.store.chronicle.internal;

import static io.freshet.core.internal.UnsafeAccess.BYTE_ARRAY_BASE;
import static io.freshet.core.internal.UnsafeAccess.UNSAFE;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.SplittableRandom;
import net.openhft.chronicle.algo.hashing.LongHashFunction;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.hash.Data;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;
import net.openhft.chronicle.map.ExternalMapQueryContext;
import net.openhft.chronicle.map.MapEntry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer's key {@link Data} must be indistinguishable, to Chronicle, from the bytes key it replaces: the same
 * hash as Chronicle's generic hashing of the same bytes, the same equality, and the same entries found and inserted
 * in a map filled through Chronicle's plain API.
 */
class KeyDataTest {
    @TempDir
    Path tmp;

    @BeforeAll
    static void gate() {
        ChronicleGate.requireReady();
    }

    /** Chronicle's default {@link Data#hash} over the same bytes (what queryContext(BytesStore...) computes). */
    private static long genericHash(BytesStore<?, byte[]> store, int length) {
        Data<Object> plain = new Data<>() {
            @Override
            public net.openhft.chronicle.bytes.RandomDataInput bytes() {
                return store;
            }

            @Override
            public long offset() {
                return 0;
            }

            @Override
            public long size() {
                return length;
            }

            @Override
            public Object get() {
                throw new UnsupportedOperationException();
            }

            @Override
            public Object getUsing(Object using) {
                throw new UnsupportedOperationException();
            }
        };
        return plain.hash(LongHashFunction.xx_r39());
    }

    @Test
    void numericAndTextHashesEqualChroniclesGenericHash() {
        byte[] key = new byte[64];
        BytesStore<?, byte[]> store = BytesStore.wrap(key);
        KeyData numeric = new KeyData(key, store, true);
        KeyData text = new KeyData(key, store, false);
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 10_000; i++) {
            long k = i < 100 ? i - 50 : r.nextLong();
            UNSAFE.putLong(key, BYTE_ARRAY_BASE, k);
            assertThat(numeric.numericKey(k).hash(LongHashFunction.xx_r39())).isEqualTo(genericHash(store, 8));
            int len = r.nextInt(1, 65);
            for (int j = 0; j < len; j++) {
                key[j] = (byte) r.nextInt();
            }
            assertThat(text.textKey(len).hash(LongHashFunction.xx_r39())).isEqualTo(genericHash(store, len));
        }
        assertThat(text.textKey(5).hash(LongHashFunction.xx_r39(1)))
            .as("another function gets the generic computation").isEqualTo(LongHashFunction.xx_r39(1)
                .hashBytes(key, 0, 5));
    }

    @Test
    void numericKeysAreFoundAndInsertedLikeBoxedOnes() throws Exception {
        byte[] key = new byte[8];
        KeyData data = new KeyData(key, BytesStore.wrap(key), true);
        try (ChronicleMap<Long, byte[]> map = ChronicleMapBuilder.of(Long.class, byte[].class).entries(2_000)
            .constantValueSizeBySample(new byte[8]).checksumEntries(true)
            .createPersistedTo(tmp.resolve("n.cmap").toFile())) {
            for (long k = -500; k < 500; k += 2) {
                map.put(k, longBytes(k));
            }
            @SuppressWarnings({"unchecked", "rawtypes"})
            ChronicleMap<Object, byte[]> raw = (ChronicleMap) map;
            for (long k = -500; k < 500; k++) {
                UNSAFE.putLong(key, BYTE_ARRAY_BASE, k);
                try (ExternalMapQueryContext<Object, byte[], ?> c = raw.queryContext(data.numericKey(k))) {
                    c.writeLock().lock();
                    MapEntry<Object, byte[]> e = c.entry();
                    assertThat(e != null).as("key %d", k).isEqualTo((k & 1) == 0);
                    if (e == null) {
                        c.absentEntry().doInsert(c.wrapValueAsData(longBytes(-k)));
                    }
                }
            }
            for (long k = -500; k < 500; k++) {
                assertThat(map.get(k)).as("key %d", k).isEqualTo(longBytes((k & 1) == 0 ? k : -k));
            }
            assertThat(map.size()).isEqualTo(1000);
        }
    }

    @Test
    void textKeysAreFoundAndInsertedLikeByteArrayOnes() throws Exception {
        byte[] key = new byte[32];
        KeyData data = new KeyData(key, BytesStore.wrap(key), false);
        try (ChronicleMap<byte[], byte[]> map = ChronicleMapBuilder.of(byte[].class, byte[].class).entries(2_000)
            .averageKeySize(12).constantValueSizeBySample(new byte[8])
            .createPersistedTo(tmp.resolve("t.cmap").toFile())) {
            for (int i = 0; i < 1000; i += 2) {
                map.put(("key-" + i).getBytes(StandardCharsets.UTF_8), longBytes(i));
            }
            @SuppressWarnings({"unchecked", "rawtypes"})
            ChronicleMap<Object, byte[]> raw = (ChronicleMap) map;
            for (int i = 0; i < 1000; i++) {
                byte[] k = ("key-" + i).getBytes(StandardCharsets.UTF_8);
                System.arraycopy(k, 0, key, 0, k.length);
                try (ExternalMapQueryContext<Object, byte[], ?> c = raw.queryContext(data.textKey(k.length))) {
                    c.writeLock().lock();
                    MapEntry<Object, byte[]> e = c.entry();
                    assertThat(e != null).as("key %d", i).isEqualTo((i & 1) == 0);
                    if (e == null) {
                        c.absentEntry().doInsert(c.wrapValueAsData(longBytes(-i)));
                    }
                }
            }
            for (int i = 0; i < 1000; i++) {
                assertThat(map.get(("key-" + i).getBytes(StandardCharsets.UTF_8))).as("key %d", i)
                    .isEqualTo(longBytes((i & 1) == 0 ? i : -i));
            }
        }
    }

    private static byte[] longBytes(long v) {
        byte[] b = new byte[8];
        UNSAFE.putLong(b, BYTE_ARRAY_BASE, v);
        return b;
    }
}
