package io.freshet.benchmarks.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void roundTripsWhatTheHarnessesWrite() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("suite", "x\"y\n");
        m.put("n", 5L);
        m.put("rate", 1.5);
        m.put("nan", Double.NaN);
        m.put("rows", List.of(Map.of("ok", true), List.of()));

        Object back = Json.parse(Json.write(m));

        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("suite", "x\"y\n");
        expected.put("n", 5.0);
        expected.put("rate", 1.5);
        expected.put("nan", null);
        expected.put("rows", List.of(Map.of("ok", true), List.of()));
        assertThat(back).isEqualTo(expected);
    }

    @Test
    void parsesNestedValuesEscapesAndNumbers() {
        Object v = Json.parse(" {\"a\": [1, -2.5e3, true, false, null], \"b\\u00b7\\n\": {\"c\": \"x\\\"y\"}} ");

        assertThat(v).isEqualTo(Map.of("a", Arrays.asList(1.0, -2500.0, true, false, null),
            "b\u00b7\n", Map.of("c", "x\"y")));
    }

    @Test
    void readsJmhNanStringsAsNan() {
        assertThat(Json.parse("{\"score\": \"NaN\"}")).isEqualTo(Map.of("score", "NaN"));
        assertThat(Json.number("NaN")).isNaN();
        assertThat(Json.number("Infinity")).isInfinite();
        assertThat(Json.number("not a number")).isNaN();
        assertThat(Json.number(3.0)).isEqualTo(3.0);
        assertThat(Json.number(7L)).isEqualTo(7.0);
        assertThat(Json.number(null)).isNaN();
        assertThat(Json.parse("[]")).isEqualTo(List.of());
    }

    @Test
    void rejectsMalformedInputWithTheOffset() {
        assertThatThrownBy(() -> Json.parse("[1, 2")).hasMessageContaining("offset=");
        assertThatThrownBy(() -> Json.parse("{\"a\": 1")).hasMessageContaining("offset=");
        assertThatThrownBy(() -> Json.parse("{\"a\" 1}")).hasMessageContaining("expected ':'");
        assertThatThrownBy(() -> Json.parse("[1] x")).hasMessageContaining("trailing");
        assertThatThrownBy(() -> Json.parse("[1] 2")).hasMessageContaining("trailing");
        assertThatThrownBy(() -> Json.parse("{1: 2}")).hasMessageContaining("expected a member name");
        assertThatThrownBy(() -> Json.parse("[tru]")).hasMessageContaining("expected true");
        assertThatThrownBy(() -> Json.parse("[1-2]")).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("offset=").hasMessageContaining("bad number 1-2");
    }
}
