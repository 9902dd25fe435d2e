package io.freshet.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MiniJsonTest {
    @Test
    void parsesNestedValuesEscapesAndNumbers() {
        Object v = MiniJson.parse(" {\"a\": [1, -2.5e3, true, false, null], \"b\\u00b7\\n\": {\"c\": \"x\\\"y\"}} ");

        assertThat(v).isEqualTo(Map.of("a", java.util.Arrays.asList(1.0, -2500.0, true, false, null),
            "b\u00b7\n", Map.of("c", "x\"y")));
    }

    @Test
    void readsJmhNanStringsAsNan() {
        assertThat(MiniJson.number("NaN")).isNaN();
        assertThat(MiniJson.number(3.0)).isEqualTo(3.0);
        assertThat(MiniJson.number(null)).isNaN();
        assertThat(MiniJson.parse("[]")).isEqualTo(List.of());
    }

    @Test
    void rejectsMalformedInputWithThePosition() {
        assertThatThrownBy(() -> MiniJson.parse("[1, 2")).hasMessageContaining("position=");
        assertThatThrownBy(() -> MiniJson.parse("{\"a\" 1}")).hasMessageContaining("expected ':'");
        assertThatThrownBy(() -> MiniJson.parse("[1] x")).hasMessageContaining("trailing");
    }
}
