package io.freshet.store.chronicle.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The split whole-file CRC must be exactly the sequential CRC32C, whatever the number of parts and the lengths, or a
 * store closed by one version would be refused as corrupt by another (and a damaged one could pass).
 */
class ChronicleDataFileCrcTest {
    @TempDir
    Path tmp;

    private static long sequential(byte[] data, int from, int to) {
        CRC32C c = new CRC32C();
        c.update(data, from, to - from);
        return c.getValue();
    }

    @Test
    void combineEqualsTheCrcOfTheConcatenation() {
        SplittableRandom r = new SplittableRandom(3);
        byte[] data = new byte[1 << 16];
        r.nextBytes(data);
        int[] cuts = {0, 1, 7, 8, 9, 1000, 4096, 65535, 65536};
        for (int cut : cuts) {
            assertThat(ChronicleDataFile.combine(sequential(data, 0, cut), sequential(data, cut, data.length),
                data.length - cut)).as("cut at %d", cut).isEqualTo(sequential(data, 0, data.length));
        }
        for (int i = 0; i < 200; i++) {
            int a = r.nextInt(data.length + 1);
            int b = a + r.nextInt(data.length - a + 1);
            assertThat(ChronicleDataFile.combine(sequential(data, 0, a), sequential(data, a, b), b - a))
                .as("[0,%d) + [%d,%d)", a, a, b).isEqualTo(sequential(data, 0, b));
        }
    }

    @Test
    void aFileInAnyNumberOfPartsHasTheSequentialCrc() throws Exception {
        SplittableRandom r = new SplittableRandom(5);
        for (int size : new int[] {1, 13, 4096, 3_000_017}) {
            byte[] data = new byte[size];
            r.nextBytes(data);
            Path f = Files.write(tmp.resolve("f" + size), data);
            for (int parts = 1; parts <= 5; parts++) {
                assertThat(ChronicleDataFile.crc(f, size, parts)).as("size %d in %d parts", size, parts)
                    .isEqualTo(sequential(data, 0, size));
                assertThat(ChronicleDataFile.crc(f, size / 2, parts)).as("half of size %d in %d parts", size, parts)
                    .isEqualTo(sequential(data, 0, size / 2));
            }
        }
    }

    @Test
    void aFlippedByteInAnyPartChangesTheCrc() throws Exception {
        byte[] data = new byte[1_000_003];
        new SplittableRandom(9).nextBytes(data);
        Path f = Files.write(tmp.resolve("flip"), data);
        long clean = ChronicleDataFile.crc(f, data.length, 4);
        for (int at : new int[] {0, 250_000, 500_001, 999_999, 1_000_002}) {
            data[at] ^= 0x10;
            Files.write(f, data);
            assertThat(ChronicleDataFile.crc(f, data.length, 4)).as("flip at %d", at).isNotEqualTo(clean);
            data[at] ^= 0x10;
        }
    }
}
