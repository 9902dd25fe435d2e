package io.freshet.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * {@link JsonDecoder} against Jackson's tree parser over the same random documents: random key order, noise keys
 * with nested objects and arrays, whitespace, escapes (in keys and values), unicode with surrogate pairs, integers
 * across the whole long range and beyond, doubles written in every JSON form, absent, null and wrong-typed fields,
 * and ASCII mutations that break the grammar. Where Jackson accepts the document and finds every field with its
 * type, the decoder returns the same values (doubles bit for bit equal to {@code Double.parseDouble} of the token);
 * else it throws with the reason Jackson's tree implies; where Jackson rejects the document, it throws.
 */
class JsonDecoderPropertyTest {
    private static final ObjectMapper JACKSON = new ObjectMapper()
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final String[] PATHS = {"id", "a.b.x", "a.flag", "name", "tags.cat", "when"};

    /** The decoded event. */
    static final class Row {
        long id;
        double x;
        boolean flag;
        final StringBuilder name = new StringBuilder();
        long cat;
        long when;
    }

    static final JsonDecoder<Row> DECODER = JsonDecoder.builder(Row::new)
        .longField("id", (r, v) -> r.id = v)
        .doubleField("a.b.x", (r, v) -> r.x = v)
        .booleanField("a.flag", false, (r, v) -> r.flag = v)
        .textField("name", r -> r.name)
        .hashField("tags.cat", 0L, (r, v) -> r.cat = v)
        .timestampField("when", TimeUnit.MILLISECONDS, (r, v) -> r.when = v)
        .build();

    /** Writes random JSON with random whitespace and escapes, remembering the double token it wrote. */
    static final class Writer {
        final Random rnd;
        final StringBuilder out = new StringBuilder();
        String doubleToken;

        Writer(long seed) {
            rnd = new Random(seed);
        }

        void ws() {
            int n = rnd.nextInt(8) == 0 ? rnd.nextInt(3) + 1 : 0;
            for (int i = 0; i < n; i++) {
                out.append(" \t\n\r".charAt(rnd.nextInt(4)));
            }
        }

        void string(String s) {
            out.append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                int mode = rnd.nextInt(10);
                if (Character.isHighSurrogate(c)) { // a pair is escaped whole or not at all
                    char low = s.charAt(++i);
                    if (mode == 0) {
                        out.append(String.format("\\u%04x\\u%04X", (int) c, (int) low));
                    } else {
                        out.append(c).append(low);
                    }
                } else if (c == '"' || c == '\\') {
                    out.append('\\').append(c);
                } else if (c < 0x20 || mode == 0) {
                    out.append(String.format("\\u%04x", (int) c));
                } else if (c == '/' && mode < 5) {
                    out.append("\\/");
                } else if (c == '\n' && mode < 5) {
                    out.append("\\n");
                } else {
                    out.append(c);
                }
            }
            out.append('"');
        }

        String text() {
            StringBuilder s = new StringBuilder();
            int n = rnd.nextInt(12);
            for (int i = 0; i < n; i++) {
                switch (rnd.nextInt(6)) {
                    case 0:
                        s.append((char) rnd.nextInt(0x20));
                        break;
                    case 1:
                        s.append("\"\\/é€".charAt(rnd.nextInt(5)));
                        break;
                    case 2:
                        s.appendCodePoint(0x10000 + rnd.nextInt(0xFFFFF));
                        break;
                    case 3:
                        s.append((char) (0x80 + rnd.nextInt(0xD800 - 0x80)));
                        break;
                    default:
                        s.append((char) (0x20 + rnd.nextInt(0x5F)));
                        break;
                }
            }
            return s.toString();
        }

        String integer() {
            switch (rnd.nextInt(5)) {
                case 0:
                    return Long.toString(rnd.nextLong());
                case 1:
                    return rnd.nextBoolean() ? "9223372036854775807" : "-9223372036854775808";
                case 2:
                    return new BigInteger(70, rnd).negate().toString(); // mostly past a long
                case 3:
                    return rnd.nextBoolean() ? "0" : "-0";
                default:
                    return Integer.toString(rnd.nextInt(100_000) - 50_000);
            }
        }

        String decimal() {
            switch (rnd.nextInt(8)) {
                case 0:
                    return Double.toString(rnd.nextDouble() * Math.pow(10, rnd.nextInt(40) - 20)).replace("E", "e");
                case 1:
                    return Double.toString(Double.longBitsToDouble(rnd.nextLong() & 0x7FEFFFFFFFFFFFFFL))
                        .replace("E", rnd.nextBoolean() ? "E" : "e");
                case 2:
                    return (rnd.nextBoolean() ? "-" : "") + rnd.nextInt(1_000_000) + "." + rnd.nextInt(100);
                case 3:
                    return rnd.nextInt(10_000) + "e" + (rnd.nextBoolean() ? "+" : "-") + rnd.nextInt(40);
                case 4:
                    return "0.000" + Math.abs(rnd.nextLong());
                case 5:
                    return Math.abs(rnd.nextLong()) + "" + Math.abs(rnd.nextLong()) + ".5";
                case 6:
                    return integer();
                default:
                    return rnd.nextInt(100) + "." + rnd.nextInt(10) + "E" + (rnd.nextInt(700) - 350);
            }
        }

        void noise(int depth) {
            int kind = rnd.nextInt(depth > 3 ? 5 : 7);
            switch (kind) {
                case 0:
                    string(text());
                    break;
                case 1:
                    out.append(decimal());
                    break;
                case 2:
                    out.append(rnd.nextBoolean() ? "true" : "false");
                    break;
                case 3:
                    out.append("null");
                    break;
                case 4:
                    out.append(integer());
                    break;
                case 5:
                    out.append('[');
                    ws();
                    int n = rnd.nextInt(4);
                    for (int i = 0; i < n; i++) {
                        if (i > 0) {
                            out.append(',');
                            ws();
                        }
                        noise(depth + 1);
                        ws();
                    }
                    out.append(']');
                    break;
                default:
                    object(depth + 1, new ArrayList<>());
                    break;
            }
        }

        /** Writes an object with noise keys and the given members (each a key and a value writer). */
        void object(int depth, List<Object[]> members) {
            int noise = rnd.nextInt(3);
            for (int i = 0; i < noise; i++) {
                final String key = "n" + text();
                final int d = depth;
                members.add(new Object[] {key, (Runnable) () -> noise(d)});
            }
            Collections.shuffle(members, rnd);
            out.append('{');
            ws();
            for (int i = 0; i < members.size(); i++) {
                if (i > 0) {
                    out.append(',');
                    ws();
                }
                string((String) members.get(i)[0]);
                ws();
                out.append(':');
                ws();
                ((Runnable) members.get(i)[1]).run();
                ws();
            }
            out.append('}');
        }

        /** A field's value: usually its type, sometimes null, absent (null return) or another type. */
        Runnable value(Runnable typed) {
            int r = rnd.nextInt(40);
            if (r == 0) {
                return null;
            }
            if (r == 1) {
                return () -> out.append("null");
            }
            if (r == 2) {
                return () -> noise(3);
            }
            return typed;
        }

        String document() {
            List<Object[]> top = new ArrayList<>();
            add(top, "id", value(() -> out.append(rnd.nextInt(4) == 0 ? integer() : Long.toString(rnd.nextLong()))));
            add(top, "name", value(() -> string(text())));
            add(top, "when", value(() -> out.append(Math.abs(rnd.nextLong() >> rnd.nextInt(63)))));
            List<Object[]> a = new ArrayList<>();
            List<Object[]> b = new ArrayList<>();
            add(b, "x", value(() -> {
                doubleToken = decimal();
                out.append(doubleToken);
            }));
            add(a, "b", value(() -> object(2, b)));
            add(a, "flag", value(() -> out.append(rnd.nextBoolean())));
            add(top, "a", value(() -> object(1, a)));
            List<Object[]> tags = new ArrayList<>();
            add(tags, "cat", value(() -> string(text())));
            add(top, "tags", value(() -> object(1, tags)));
            ws();
            object(0, top);
            ws();
            return out.toString();
        }

        private void add(List<Object[]> members, String key, Runnable value) {
            if (value != null) {
                members.add(new Object[] {key, value});
            }
        }
    }

    @Property(tries = 1000)
    void decodesWhatJacksonReadsFromTheSameDocument(@ForAll long seed) throws Exception {
        Writer w = new Writer(seed);
        byte[] json = w.document().getBytes(StandardCharsets.UTF_8);
        check(json, w.doubleToken, seed);
    }

    @Property(tries = 1000)
    void aMutatedDocumentIsBadExactlyWhenJacksonSaysSo(@ForAll long seed) throws Exception {
        Writer w = new Writer(seed);
        byte[] json = w.document().getBytes(StandardCharsets.UTF_8);
        Random rnd = new Random(~seed);
        int at = rnd.nextInt(json.length + 1);
        byte[] mutated;
        switch (rnd.nextInt(3)) {
            case 0: // truncate
                mutated = java.util.Arrays.copyOf(json, at);
                break;
            case 1: // delete an ASCII byte
                while (at < json.length && json[at] < 0) {
                    at++;
                }
                mutated = at >= json.length ? json.clone() : concat(json, at, at + 1, new byte[0]);
                break;
            default: // insert a grammar byte
                byte[] ins = {(byte) "{}[]:,\"\\ 0-.eEtn1".charAt(rnd.nextInt(17))};
                mutated = concat(json, at, at, ins);
                break;
        }
        check(mutated, null, seed);
    }

    private static byte[] concat(byte[] json, int cutFrom, int cutTo, byte[] insert) {
        byte[] out = new byte[json.length - (cutTo - cutFrom) + insert.length];
        System.arraycopy(json, 0, out, 0, cutFrom);
        System.arraycopy(insert, 0, out, cutFrom, insert.length);
        System.arraycopy(json, cutTo, out, cutFrom + insert.length, json.length - cutTo);
        return out;
    }

    private static void check(byte[] json, String doubleToken, long seed) throws Exception {
        String doc = new String(json, StandardCharsets.UTF_8);
        JsonNode root;
        String rejection = null;
        try {
            root = JACKSON.readTree(json);
        } catch (Exception jacksonRejects) {
            root = null;
            rejection = jacksonRejects.getMessage();
        }
        Row row = DECODER.newReusable();
        RejectedRecordException thrown = null;
        try {
            DECODER.decode(json, 0, json.length, row);
        } catch (RejectedRecordException e) {
            thrown = e;
        }
        if (root == null || root.isMissingNode()) {
            assertThat(thrown).as("Jackson rejects (%s), the decoder must too: seed=%d doc=%s", rejection, seed, doc)
                .isNotNull();
            return;
        }
        EnumSet<BadRecordReason> expected = expectedErrors(root);
        if (!expected.isEmpty()) {
            if (thrown == null) {
                fail("expected one of " + expected + ", decoded: seed=" + seed + " doc=" + doc);
            }
            assertThat(expected).as("seed=%d doc=%s message=%s", seed, doc, thrown.getMessage())
                .contains(thrown.reason());
            return;
        }
        if (thrown != null) {
            fail("Jackson reads every field, the decoder threw " + thrown.reason() + " " + thrown.getMessage()
                + ": seed=" + seed + " doc=" + doc);
        }
        assertThat(row.id).isEqualTo(root.get("id").longValue());
        JsonNode x = root.get("a").get("b").get("x");
        if (doubleToken != null) {
            assertThat(Double.doubleToLongBits(row.x)).as("x token=%s", doubleToken)
                .isEqualTo(Double.doubleToLongBits(Double.parseDouble(doubleToken)));
        }
        // Jackson's tree reads "-0" as the integer 0: equal as numbers, not as bits.
        assertThat(row.x == x.doubleValue()).as("x=%s jackson=%s", row.x, x.doubleValue()).isTrue();
        JsonNode flag = root.get("a").get("flag");
        assertThat(row.flag).isEqualTo(flag != null && flag.booleanValue());
        assertThat(row.name.toString()).isEqualTo(root.get("name").textValue());
        JsonNode cat = root.path("tags").path("cat");
        assertThat(row.cat).isEqualTo(cat.isTextual() ? JsonDecoder.textHash(cat.textValue()) : 0L);
        assertThat(row.when).isEqualTo(root.get("when").longValue());
    }

    /** What the decoder must say about a document Jackson accepts: empty when every field is there and typed. */
    private static EnumSet<BadRecordReason> expectedErrors(JsonNode root) {
        EnumSet<BadRecordReason> errors = EnumSet.noneOf(BadRecordReason.class);
        if (!root.isObject()) {
            errors.add(BadRecordReason.WRONG_TYPE);
            return errors;
        }
        boolean missing = false;
        for (String path : PATHS) {
            JsonNode n = root;
            String[] segments = path.split("\\.");
            for (int i = 0; i < segments.length && n != null; i++) {
                if (!n.isObject()) {
                    errors.add(BadRecordReason.WRONG_TYPE);
                    n = null;
                    break;
                }
                n = n.get(segments[i]);
                if (n != null && n.isNull()) {
                    n = null;
                }
            }
            if (n == null) {
                missing |= !path.equals("a.flag") && !path.equals("tags.cat");
                continue;
            }
            switch (path) {
                case "id":
                case "when":
                    if (!n.isIntegralNumber()) {
                        errors.add(BadRecordReason.WRONG_TYPE);
                    } else if (!n.canConvertToLong()) {
                        errors.add(BadRecordReason.OUT_OF_RANGE);
                    }
                    break;
                case "a.b.x":
                    if (!n.isNumber()) {
                        errors.add(BadRecordReason.WRONG_TYPE);
                    } else if (Double.isInfinite(n.doubleValue())) {
                        errors.add(BadRecordReason.OUT_OF_RANGE);
                    }
                    break;
                case "a.flag":
                    if (!n.isBoolean()) {
                        errors.add(BadRecordReason.WRONG_TYPE);
                    }
                    break;
                default:
                    if (!n.isTextual()) {
                        errors.add(BadRecordReason.WRONG_TYPE);
                    }
                    break;
            }
        }
        if (errors.isEmpty() && missing) {
            errors.add(BadRecordReason.MISSING_FIELD);
        }
        return errors;
    }
}
