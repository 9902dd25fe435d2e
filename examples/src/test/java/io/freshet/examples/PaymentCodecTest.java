package io.freshet.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The demo's wire format: every generated payment round-trips; malformed values throw and name the field. */
class PaymentCodecTest {
    @Test
    void generatedPaymentsRoundTripIntoTheReusedInstance() {
        PaymentGenerator gen = new PaymentGenerator(7, 1000, 1.1);
        Payment reuse = new Payment();
        for (int i = 0; i < 10_000; i++) {
            Payment p = gen.next(1_800_000_000_000L + i);
            byte[] v = PaymentCodec.encode(p);
            assertThat(v).hasSize(PaymentCodec.SIZE_BYTES);
            assertThat(PaymentCodec.decodeValue(v, reuse)).isSameAs(reuse).isEqualTo(p);
        }
    }

    @Test
    void extremeValuesRoundTrip() {
        Payment p = new Payment(Long.MAX_VALUE, -1, -0.0, true, Long.MIN_VALUE, Integer.MIN_VALUE);
        assertThat(PaymentCodec.decodeValue(PaymentCodec.encode(p), new Payment())).isEqualTo(p);
        Payment nan = new Payment(1, 2, Double.NaN, false, 3, 4);
        assertThat(Double.isNaN(PaymentCodec.decodeValue(PaymentCodec.encode(nan), new Payment()).amount())).isTrue();
    }

    @Test
    void malformedValuesAreRejectedWithTheFieldNamed() {
        byte[] good = PaymentCodec.encode(new Payment(1, 2, 3.5, false, 4, 250));
        assertThatThrownBy(() -> PaymentCodec.decodeValue(null, new Payment())).hasMessageContaining("tombstone");
        assertThatThrownBy(() -> PaymentCodec.decodeValue(Arrays.copyOf(good, good.length - 1), new Payment()))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("length=38");
        assertThatThrownBy(() -> PaymentCodec.decodeValue(Arrays.copyOf(good, good.length + 1), new Payment()))
            .hasMessageContaining("length=40");
        byte[] magic = good.clone();
        magic[0] = 'F';
        assertThatThrownBy(() -> PaymentCodec.decodeValue(magic, new Payment())).hasMessageContaining("magic=70");
        byte[] version = good.clone();
        version[1] = 2;
        assertThatThrownBy(() -> PaymentCodec.decodeValue(version, new Payment())).hasMessageContaining("version=2");
        byte[] declined = good.clone();
        declined[26] = 2;
        assertThatThrownBy(() -> PaymentCodec.decodeValue(declined, new Payment())).hasMessageContaining("declined=2");
    }
}
