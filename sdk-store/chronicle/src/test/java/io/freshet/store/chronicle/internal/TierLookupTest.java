package io.freshet.store.chronicle.internal;

import static io.freshet.core.internal.UnsafeAccess.BYTE_ARRAY_BASE;
import static io.freshet.core.internal.UnsafeAccess.UNSAFE;
import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.spi.RowBuffer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;
import net.openhft.chronicle.map.VanillaChronicleMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The direct look-up against Chronicle's own {@code getUsing} on maps filled through Chronicle's plain API: numeric
 * and text keys, present and absent keys, and a map overfilled far past its configured entries so that segments
 * chain extra tiers (the look-up must follow them).
 */
class TierLookupTest {
    private static final int ROW = 40;

    @TempDir
    Path tmp;

    @BeforeAll
    static void gate() {
        ChronicleGate.requireReady();
    }

    private static byte[] value(long seed) {
        byte[] v = new byte[ROW];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < ROW; i++) {
            v[i] = (byte) r.nextInt();
        }
        return v;
    }

    private static byte[] copy(RowBuffer row) {
        byte[] out = new byte[ROW];
        for (int i = 0; i < ROW; i++) {
            out[i] = row.getByte(i);
        }
        return out;
    }

    @Test
    void numericKeysAreFoundAcrossExtraTiersAndAbsentKeysAreNot() throws IOException {
        // 64 configured entries, 20,000 inserted: Chronicle allocates many extra tiers per segment.
        try (ChronicleMap<Long, byte[]> map = ChronicleMapBuilder.of(Long.class, byte[].class).entries(64)
            .maxBloatFactor(1000).constantValueSizeBySample(new byte[ROW]).checksumEntries(true)
            .createPersistedTo(tmp.resolve("n.cmap").toFile())) {
            int n = 20_000;
            for (long k = 0; k < n; k++) {
                map.put(k * 7919, value(k));
            }
            assertThat(Arrays.stream(map.segmentStats()).mapToInt(ChronicleMap.SegmentStats::tiers).max()
                .orElse(0)).as("tiers of the fullest segment").isGreaterThanOrEqualTo(3);
            TierLookup lookup = new TierLookup((VanillaChronicleMap<?, ?, ?>) map, ROW);
            byte[] key = new byte[8];
            RowBuffer row = RowBuffer.allocateHeap(ROW);
            for (long k = 0; k < n; k++) {
                long stored = k * 7919;
                UNSAFE.putLong(key, BYTE_ARRAY_BASE, stored);
                assertThat(lookup.read(TierLookup.hash(stored), key, 8, row)).as("key " + stored).isTrue();
                assertThat(copy(row)).isEqualTo(map.getUsing(stored, new byte[ROW])).isEqualTo(value(k));
            }
            for (long k = 0; k < 2_000; k++) {
                long absent = k * 7919 + 1;
                UNSAFE.putLong(key, BYTE_ARRAY_BASE, absent);
                assertThat(lookup.read(TierLookup.hash(absent), key, 8, row)).as("key " + absent).isFalse();
            }
        }
    }

    @Test
    void textKeysOfEveryLengthAreFoundAndPrefixesAreNot() throws IOException {
        try (ChronicleMap<byte[], byte[]> map = ChronicleMapBuilder.of(byte[].class, byte[].class).entries(64)
            .averageKeySize(12).maxBloatFactor(1000).constantValueSizeBySample(new byte[ROW])
            .checksumEntries(true).createPersistedTo(tmp.resolve("t.cmap").toFile())) {
            int n = 5_000;
            for (int i = 0; i < n; i++) {
                map.put(text(i), value(i));
            }
            map.put(new byte[0], value(-1));
            TierLookup lookup = new TierLookup((VanillaChronicleMap<?, ?, ?>) map, ROW);
            byte[] key = new byte[64];
            RowBuffer row = RowBuffer.allocateHeap(ROW);
            for (int i = 0; i < n; i++) {
                byte[] k = text(i);
                System.arraycopy(k, 0, key, 0, k.length);
                assertThat(lookup.read(TierLookup.hash(key, k.length), key, k.length, row)).isTrue();
                assertThat(copy(row)).isEqualTo(value(i));
                // Same leading bytes, one byte shorter: a different key, absent unless it is itself a stored key.
                int shorter = k.length - 1;
                boolean stored = map.containsKey(Arrays.copyOf(k, shorter));
                assertThat(lookup.read(TierLookup.hash(key, shorter), key, shorter, row)).isEqualTo(stored);
            }
            assertThat(lookup.read(TierLookup.hash(key, 0), key, 0, row)).isTrue();
            assertThat(copy(row)).isEqualTo(value(-1));
        }
    }

    private static byte[] text(int i) {
        return ("key-" + i + "-é".repeat(i % 9)).getBytes(StandardCharsets.UTF_8);
    }
}
