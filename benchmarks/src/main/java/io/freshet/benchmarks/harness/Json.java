package io.freshet.benchmarks.harness;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON the benchmarks read and write, on Jackson's streaming API: {@link #write} of maps, lists, strings,
 * numbers, booleans and null (the harnesses' result files), and a strict {@link #parse} of the same plus JMH's
 * {@code -rf json} result files (read by {@link io.freshet.benchmarks.SmokeCheck} and {@link ResultsReport}).
 * Objects parse to {@link LinkedHashMap}, arrays to {@link ArrayList}, numbers to {@link Double} (the report's
 * formatting relies on that); JMH's {@code "NaN"} strings stay strings, which {@link #number(Object)} reads as
 * numbers.
 *
 * <p>Stateless and thread-safe; allocates freely (reports only, never on a hot path).
 */
public final class Json {
    private static final JsonFactory FACTORY = new JsonFactory();
    /** Two-space indent, {@code "name": value}, and {@code {}} / {@code []} for empty containers. */
    private static final DefaultPrettyPrinter PRETTY = new DefaultPrettyPrinter(Separators.createDefaultInstance()
        .withObjectFieldValueSpacing(Separators.Spacing.AFTER).withObjectEmptySeparator("")
        .withArrayEmptySeparator(""))
        .withObjectIndenter(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE.withLinefeed("\n"))
        .withArrayIndenter(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE.withLinefeed("\n"));
    private static final String UNRECOGNIZED = "Unrecognized token '";
    /** The characters a JSON number is made of: to quote the whole of a bad number in the error. */
    private static final String NUMBER_CHARS = "+-0123456789.eE";

    private Json() {
    }

    /**
     * @param text a JSON document
     * @return its value
     * @throws IllegalArgumentException on malformed input, with the offset
     */
    public static Object parse(String text) {
        try (JsonParser p = FACTORY.createParser(text)) {
            Object v = value(p, p.nextToken());
            try {
                if (p.nextToken() != null) {
                    throw malformed(p.currentTokenLocation().getCharOffset(), "trailing characters");
                }
            } catch (JsonProcessingException e) {
                throw malformed(e.getLocation() == null ? -1 : e.getLocation().getCharOffset(), "trailing characters");
            }
            return v;
        } catch (JsonProcessingException e) {
            throw malformed(text, e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @param value a map, list, string, number, boolean or null
     * @return its JSON text, indented; NaN and infinite numbers are written as null
     */
    public static String write(Object value) {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(w)) {
            g.setPrettyPrinter(PRETTY.createInstance());
            write(g, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.append('\n').toString();
    }

    /**
     * @param v a parsed value: a number, or a string such as JMH's "NaN" or "Infinity"
     * @return it as a double, NaN when it is neither (null included)
     */
    public static double number(Object v) {
        if (v instanceof Number) {
            return ((Number) v).doubleValue();
        }
        if (v instanceof String) {
            try {
                return Double.parseDouble((String) v);
            } catch (NumberFormatException e) {
                return Double.NaN;
            }
        }
        return Double.NaN;
    }

    private static void write(JsonGenerator g, Object v) throws IOException {
        if (v == null) {
            g.writeNull();
        } else if (v instanceof Map) {
            g.writeStartObject();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                g.writeFieldName(String.valueOf(e.getKey()));
                write(g, e.getValue());
            }
            g.writeEndObject();
        } else if (v instanceof List) {
            g.writeStartArray();
            for (Object o : (List<?>) v) {
                write(g, o);
            }
            g.writeEndArray();
        } else if (v instanceof Number) {
            double d = ((Number) v).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                g.writeNull();
            } else if (v instanceof Long || v instanceof Integer) {
                g.writeNumber(((Number) v).longValue());
            } else {
                g.writeNumber(d);
            }
        } else if (v instanceof Boolean) {
            g.writeBoolean((Boolean) v);
        } else {
            g.writeString(v.toString());
        }
    }

    private static Object value(JsonParser p, JsonToken t) throws IOException {
        if (t == null) {
            throw malformed(p.currentLocation().getCharOffset(), "unexpected end");
        }
        switch (t) {
            case START_OBJECT:
                Map<String, Object> m = new LinkedHashMap<>();
                for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
                    m.put(name, value(p, p.nextToken()));
                }
                return m;
            case START_ARRAY:
                List<Object> l = new ArrayList<>();
                for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                    l.add(value(p, e));
                }
                return l;
            case VALUE_STRING:
                return p.getText();
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return p.getDoubleValue();
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_NULL:
                return null;
            default:
                throw malformed(p.currentTokenLocation().getCharOffset(), "unexpected " + t);
        }
    }

    /**
     * Says what the parser expected in the words the harnesses' messages have always used (tests and scripts match
     * them), at the character offset Jackson reports.
     */
    private static IllegalArgumentException malformed(String text, JsonProcessingException e) {
        long offset = e.getLocation() == null ? -1 : e.getLocation().getCharOffset();
        String m = e.getOriginalMessage();
        String what;
        if (m.startsWith("Unexpected end-of-input")) {
            what = "unexpected end";
        } else if (m.contains("was expecting a colon")) {
            what = "expected ':'";
        } else if (m.contains("was expecting double-quote to start field name")) {
            what = "expected a member name";
        } else if (m.startsWith(UNRECOGNIZED)) {
            String token = m.substring(UNRECOGNIZED.length(), m.indexOf('\'', UNRECOGNIZED.length()));
            what = token.startsWith("t") ? "expected true" : token.startsWith("f") ? "expected false"
                : token.startsWith("n") ? "expected null" : "unexpected character '" + token.charAt(0) + "'";
        } else if (continuesNumber(text, offset)) {
            what = "bad number " + numberAround(text, (int) offset);
        } else if (m.contains("to separate Array entries")) {
            what = "expected ']'";
        } else if (m.contains("to separate Object entries")) {
            what = "expected '}'";
        } else {
            what = m;
        }
        return malformed(offset, what);
    }

    /** @return whether the character at {@code offset} extends the number just before it, as in {@code 1-2} */
    private static boolean continuesNumber(String text, long offset) {
        return offset > 0 && offset < text.length() && NUMBER_CHARS.indexOf(text.charAt((int) offset)) >= 0
            && NUMBER_CHARS.indexOf(text.charAt((int) offset - 1)) >= 0;
    }

    private static String numberAround(String text, int at) {
        int from = at;
        while (from > 0 && NUMBER_CHARS.indexOf(text.charAt(from - 1)) >= 0) {
            from--;
        }
        int to = at;
        while (to < text.length() && NUMBER_CHARS.indexOf(text.charAt(to)) >= 0) {
            to++;
        }
        return text.substring(from, to);
    }

    private static IllegalArgumentException malformed(long offset, String what) {
        return new IllegalArgumentException("malformed JSON at offset=" + offset + ": " + what);
    }
}
