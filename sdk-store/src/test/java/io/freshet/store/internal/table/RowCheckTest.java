package io.freshet.store.internal.table;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.spi.RowBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link RowCheck}: what its class comment promises, checked byte by byte on random slots. */
class RowCheckTest {
    private static long of(RowBuffer b, boolean text, int maxKeyBytes, int rowOffset, int rowBytes) {
        return RowCheck.of(b.base(), b.address(), text, maxKeyBytes, rowOffset, rowBytes);
    }

    @Test
    void everyOneByteChangeOfANumericKeySlotChangesTheCheck() {
        SplittableRandom random = new SplittableRandom(21);
        for (int rowBytes : new int[] {8, 44, 144, 152, 1000}) {
            int covered = 8 + rowBytes;
            RowBuffer b = RowBuffer.allocateHeap(8 + ((rowBytes + 7) & -8) + 8);
            for (int i = 0; i < covered; i++) {
                b.putByte(i, (byte) random.nextInt());
            }
            long check = of(b, false, 0, 8, rowBytes);
            for (int i = 0; i < covered; i++) {
                for (int x : new int[] {0x01, 0x80, 0xFF}) {
                    b.putByte(i, (byte) (b.getByte(i) ^ x));
                    assertThat(of(b, false, 0, 8, rowBytes)).as("rowBytes=" + rowBytes + " byte " + i + " ^ " + x)
                        .isNotEqualTo(check);
                    b.putByte(i, (byte) (b.getByte(i) ^ x));
                }
            }
            // Bytes past the row (its padding, the check word itself) are not covered.
            for (int i = covered; i < b.lengthBytes(); i++) {
                b.putByte(i, (byte) 0x5A);
            }
            assertThat(of(b, false, 0, 8, rowBytes)).isEqualTo(check);
        }
    }

    @Test
    void twoWordsSwappedInOneLaneChangeTheCheck() {
        RowBuffer b = RowBuffer.allocateHeap(8 + 144);
        for (int i = 0; i < 19; i++) {
            b.putLong(8 * i, 1000 + i);
        }
        long check = of(b, false, 0, 8, 144);
        // Words 0 and 4 go to the same lane.
        b.putLong(0, 1004);
        b.putLong(32, 1000);
        assertThat(of(b, false, 0, 8, 144)).isNotEqualTo(check);
    }

    @Test
    void aTextKeyIsCoveredUpToItsLengthAndTheBytesPastItAreNot() {
        int maxKeyBytes = 24;
        int rowOffset = 8 + maxKeyBytes;
        int rowBytes = 48;
        RowBuffer b = RowBuffer.allocateHeap(rowOffset + rowBytes + 8);
        byte[] key = "user-123456789".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        b.putByte(0, (byte) key.length);
        for (int i = 0; i < key.length; i++) {
            b.putByte(8 + i, key[i]);
        }
        for (int i = 0; i < rowBytes; i++) {
            b.putByte(rowOffset + i, (byte) (i * 7));
        }
        long check = of(b, true, maxKeyBytes, rowOffset, rowBytes);
        for (int i = 8 + key.length; i < rowOffset; i++) {
            b.putByte(i, (byte) 0x77);
        }
        assertThat(of(b, true, maxKeyBytes, rowOffset, rowBytes)).as("stale bytes of an older, longer key")
            .isEqualTo(check);
        for (int i = 0; i < 8 + key.length; i++) {
            b.putByte(i, (byte) (b.getByte(i) ^ 0x01));
            assertThat(of(b, true, maxKeyBytes, rowOffset, rowBytes)).as("key field byte " + i).isNotEqualTo(check);
            b.putByte(i, (byte) (b.getByte(i) ^ 0x01));
        }
        for (int i = rowOffset; i < rowOffset + rowBytes; i++) {
            b.putByte(i, (byte) (b.getByte(i) ^ 0x01));
            assertThat(of(b, true, maxKeyBytes, rowOffset, rowBytes)).as("row byte " + i).isNotEqualTo(check);
            b.putByte(i, (byte) (b.getByte(i) ^ 0x01));
        }
    }

    @Test
    void aZeroedSlotDoesNotPassWithTheCheckZero() {
        RowBuffer b = RowBuffer.allocateHeap(8 + 144 + 8);
        assertThat(of(b, false, 0, 8, 144)).isNotZero();
        RowBuffer t = RowBuffer.allocateHeap(8 + 64 + 144 + 8);
        assertThat(of(t, true, 64, 72, 144)).isNotZero();
    }
}
