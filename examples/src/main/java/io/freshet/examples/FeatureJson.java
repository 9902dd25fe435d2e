package io.freshet.examples;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.freshet.core.FeatureKind;
import io.freshet.core.FeatureRef;
import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureVector;
import io.freshet.core.VectorStatus;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * Renders feature vectors and risk scores as the demo's JSON responses.
 *
 * <p>{@code /features}: {@code {"set", "user", "status", "readTimeMs", "rowUpdatedAgeMs", "features": {name:
 * {"value", "ageMs"}}}}. A value is a number, an array of ids for last-N features (newest first), or {@code null}
 * when the feature has no value (NaN is not JSON). {@code ageMs} is the read time minus the newest event time that
 * contributed to the value, {@code null} when none did.
 *
 * <p>{@code /score}: {@code {"user", "status", "score", "band", "z", "intercept", "terms": [{"name", "input", "x",
 * "weight", "contribution", "meaning"}], "features": {...the features the model read...}}}.
 *
 * <p>Written with Jackson's streaming generator: compact, numbers as Java prints them ({@link Double#toString}).
 *
 * <p>Threading: stateless, thread-safe. Allocation: builds strings (off the ingest path, once per HTTP request).
 */
public final class FeatureJson {
    /** Thread-safe once configured; its factory makes every generator and parser here. */
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private FeatureJson() {
    }

    /**
     * @param user the entity key read
     * @param v the vector read for it
     * @return the {@code /features} document
     */
    public static String features(long user, FeatureVector v) {
        FeatureSet<?> set = v.featureSet();
        StringWriter w = new StringWriter(1024);
        try (JsonGenerator g = MAPPER.getFactory().createGenerator(w)) {
            g.writeStartObject();
            g.writeStringField("set", set.name());
            g.writeNumberField("user", user);
            g.writeStringField("status", v.status().name());
            g.writeNumberField("readTimeMs", v.readTimeMs());
            g.writeFieldName("rowUpdatedAgeMs");
            if (v.status() == VectorStatus.MISSING || v.rowUpdatedMs() == FeatureVector.NO_TIME) {
                g.writeNull();
            } else {
                g.writeNumber(v.readTimeMs() - v.rowUpdatedMs());
            }
            g.writeObjectFieldStart("features");
            List<FeatureRef> refs = set.refs();
            for (int i = 0; i < refs.size(); i++) {
                feature(g, v, refs.get(i));
            }
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    /**
     * @param user the entity key read
     * @param v the vector read for it
     * @param model the model
     * @return the {@code /score} document
     */
    public static String score(long user, FeatureVector v, RiskScore model) {
        double[] x = new double[RiskScore.TERMS.size()];
        double score = model.evaluate(v, x);
        StringWriter w = new StringWriter(2048);
        try (JsonGenerator g = MAPPER.getFactory().createGenerator(w)) {
            g.writeStartObject();
            g.writeNumberField("user", user);
            g.writeStringField("status", v.status().name());
            g.writeFieldName("score");
            number(g, score);
            g.writeStringField("band", RiskScore.band(score));
            // z is the sum of the contributions: written before the terms, so added up first.
            double z = RiskScore.INTERCEPT;
            for (int i = 0; i < x.length; i++) {
                z += RiskScore.TERMS.get(i).weight() * x[i];
            }
            g.writeFieldName("z");
            number(g, z);
            g.writeFieldName("intercept");
            number(g, RiskScore.INTERCEPT);
            g.writeArrayFieldStart("terms");
            for (int i = 0; i < x.length; i++) {
                RiskScore.Term t = RiskScore.TERMS.get(i);
                g.writeStartObject();
                g.writeStringField("name", t.name());
                g.writeStringField("input", t.input());
                g.writeFieldName("x");
                number(g, x[i]);
                g.writeFieldName("weight");
                number(g, t.weight());
                g.writeFieldName("contribution");
                number(g, t.weight() * x[i]);
                g.writeStringField("meaning", t.meaning());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeObjectFieldStart("features");
            FeatureSet<?> set = v.featureSet();
            for (int i = 0; i < RiskScore.FEATURES_USED.size(); i++) {
                feature(g, v, set.ref(RiskScore.FEATURES_USED.get(i)));
            }
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    /**
     * @param message what went wrong
     * @return the error document {@code {"error": message}}
     */
    public static String error(String message) {
        return MAPPER.createObjectNode().put("error", message).toString();
    }

    /** A category as its text (a dictionary name, or {@code __other__}); last-N categories as an array of them. */
    private static void categories(JsonGenerator g, FeatureVector v, FeatureRef ref) throws IOException {
        StringBuilder text = new StringBuilder();
        if (ref.kind() == FeatureKind.LATEST_CATEGORY) {
            if (v.category(ref, text)) {
                g.writeString(text.toString());
            } else {
                g.writeNull();
            }
            return;
        }
        g.writeStartArray();
        for (int p = 0; p < v.size(ref); p++) {
            text.setLength(0);
            v.category(ref, p, text);
            g.writeString(text.toString());
        }
        g.writeEndArray();
    }

    private static void feature(JsonGenerator g, FeatureVector v, FeatureRef ref) throws IOException {
        g.writeObjectFieldStart(ref.name());
        g.writeFieldName("value");
        if (ref.kind() == FeatureKind.LATEST_CATEGORY || ref.kind() == FeatureKind.LAST_N_CATEGORIES) {
            categories(g, v, ref);
        } else if (ref.kind() == FeatureKind.LAST_N || ref.kind() == FeatureKind.TOP_K) {
            g.writeStartArray();
            for (int p = 0; p < v.size(ref); p++) {
                g.writeNumber(v.getLong(ref, p));
            }
            g.writeEndArray();
            if (ref.kind() == FeatureKind.TOP_K) {
                g.writeArrayFieldStart("counts");
                for (int p = 0; p < v.size(ref); p++) {
                    g.writeNumber(v.getCount(ref, p));
                }
                g.writeEndArray();
            }
        } else if (!v.isPresent(ref)) {
            g.writeNull();
        } else if (ref.kind().valueType() == FeatureKind.ValueType.LONG) {
            g.writeNumber(v.getLong(ref));
        } else {
            number(g, v.getDouble(ref));
        }
        long age = v.ageMs(ref);
        g.writeFieldName("ageMs");
        if (age < 0) {
            g.writeNull();
        } else {
            g.writeNumber(age);
        }
        g.writeEndObject();
    }

    /** JSON has no NaN or infinity: those become null. */
    private static void number(JsonGenerator g, double d) throws IOException {
        if (Double.isFinite(d)) {
            g.writeNumber(d);
        } else {
            g.writeNull();
        }
    }

    /**
     * Indents a compact JSON document for people: objects and arrays that hold objects get one member per line; the
     * others (e.g. {@code {"value":[7,8],"ageMs":12}}) stay on one line.
     *
     * @param json a valid compact JSON document (as this class writes)
     * @param indent prefix of every line
     * @return the indented text
     * @throws IllegalArgumentException when {@code json} is not valid JSON
     */
    public static String pretty(String json, String indent) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a JSON document: " + e.getOriginalMessage(), e);
        }
        StringBuilder b = new StringBuilder(json.length() * 2);
        b.append(indent);
        prettyValue(root, indent, b);
        return b.toString();
    }

    private static void prettyValue(JsonNode node, String indent, StringBuilder b) {
        if (!hasNestedObject(node)) {
            b.append(node);
            return;
        }
        String inner = indent + "  ";
        b.append(node.isObject() ? '{' : '[').append('\n');
        boolean first = true;
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                b.append(first ? "" : ",\n").append(inner).append(MAPPER.getNodeFactory().textNode(e.getKey()))
                    .append(": ");
                prettyValue(e.getValue(), inner, b);
                first = false;
            }
        } else {
            for (JsonNode element : node) {
                b.append(first ? "" : ",\n").append(inner);
                prettyValue(element, inner, b);
                first = false;
            }
        }
        b.append('\n').append(indent).append(node.isObject() ? '}' : ']');
    }

    /** @return whether an object or array holds an object at any depth */
    private static boolean hasNestedObject(JsonNode node) {
        for (JsonNode child : node) {
            if (child.isObject() || hasNestedObject(child)) {
                return true;
            }
        }
        return false;
    }
}
