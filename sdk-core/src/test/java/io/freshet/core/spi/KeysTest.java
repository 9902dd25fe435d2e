package io.freshet.core.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Text keys: the hash and the UTF-8 encoding decode code points the same way, lone surrogates included. */
class KeysTest {
    @Test
    void encodesValidTextAsUtf8() {
        for (String key : new String[] {"", "plain", "ключ", "\u20ac6", "\uD83D\uDE00 émoji"}) {
            byte[] dst = new byte[64];
            int n = Keys.encodeUtf8(key, dst);
            assertThat(Arrays.copyOf(dst, n)).as(key).isEqualTo(key.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void loneSurrogatesEncodeAndHashAsTheReplacementCharacter() {
        String[][] pairs = {{"a\uD83Db", "a\uFFFDb"}, {"a\uDE00", "a\uFFFD"}, {"\uD83D", "\uFFFD"}};
        for (String[] p : pairs) {
            byte[] a = new byte[16];
            byte[] b = new byte[16];
            int na = Keys.encodeUtf8(p[0], a);
            int nb = Keys.encodeUtf8(p[1], b);
            assertThat(Arrays.copyOf(a, na)).isEqualTo(Arrays.copyOf(b, nb));
            assertThat(Keys.hash(p[0])).isEqualTo(Keys.hash(p[1]));
        }
        assertThat(Keys.hash("\uD83D\uDE00")).isNotEqualTo(Keys.hash("\uFFFD\uFFFD"));
    }

    @Test
    void refusesWhatDoesNotFit() {
        assertThat(Keys.encodeUtf8("\uD83D\uDE00", new byte[3])).isEqualTo(-1);
        assertThat(Keys.encodeUtf8("abc", new byte[3])).isEqualTo(3);
    }
}
