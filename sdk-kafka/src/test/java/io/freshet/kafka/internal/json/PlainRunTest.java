package io.freshet.kafka.internal.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/** The eight-bytes-a-step scan of string content equals the byte-by-byte definition on random bytes. */
class PlainRunTest {
    @Property(tries = 2000)
    void findsTheFirstQuoteBackslashControlOrNonAsciiByte(@ForAll long seed) {
        Random r = new Random(seed);
        byte[] b = new byte[r.nextInt(40)];
        for (int i = 0; i < b.length; i++) {
            // Mostly plain ASCII, so that runs are long; each special kind now and then.
            int k = r.nextInt(40);
            b[i] = (byte) (k == 0 ? '"' : k == 1 ? '\\' : k == 2 ? r.nextInt(0x20) : k == 3 ? 0x80 + r.nextInt(0x80)
                : 0x20 + r.nextInt(0x60));
        }
        int from = b.length == 0 ? 0 : r.nextInt(b.length + 1);
        int end = from + r.nextInt(b.length - from + 1);
        int expected = from;
        while (expected < end && b[expected] != '"' && b[expected] != '\\' && b[expected] >= 0x20) {
            expected++;
        }
        assertThat(JsonCursor.plainRun(b, from, end)).isEqualTo(expected);
    }
}
