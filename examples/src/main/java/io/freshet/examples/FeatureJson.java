package io.freshet.examples;

import io.freshet.core.FeatureKind;
import io.freshet.core.FeatureRef;
import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureVector;
import io.freshet.core.VectorStatus;
import java.util.List;

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
 * <p>Threading: stateless, thread-safe. Allocation: builds strings (off the ingest path, once per HTTP request).
 */
public final class FeatureJson {
    private FeatureJson() {
    }

    /**
     * @param user the entity key read
     * @param v the vector read for it
     * @return the {@code /features} document
     */
    public static String features(long user, FeatureVector v) {
        FeatureSet<?> set = v.featureSet();
        StringBuilder b = new StringBuilder(1024);
        b.append("{\"set\":");
        string(b, set.name());
        b.append(",\"user\":").append(user);
        b.append(",\"status\":");
        string(b, v.status().name());
        b.append(",\"readTimeMs\":").append(v.readTimeMs());
        b.append(",\"rowUpdatedAgeMs\":");
        if (v.status() == VectorStatus.MISSING || v.rowUpdatedMs() == FeatureVector.NO_TIME) {
            b.append("null");
        } else {
            b.append(v.readTimeMs() - v.rowUpdatedMs());
        }
        b.append(",\"features\":{");
        List<FeatureRef> refs = set.refs();
        for (int i = 0; i < refs.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            feature(b, v, refs.get(i));
        }
        return b.append("}}").toString();
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
        double z = RiskScore.INTERCEPT;
        StringBuilder b = new StringBuilder(1024);
        b.append("{\"user\":").append(user);
        b.append(",\"status\":");
        string(b, v.status().name());
        b.append(",\"score\":");
        number(b, score);
        b.append(",\"band\":");
        string(b, RiskScore.band(score));
        StringBuilder terms = new StringBuilder(512);
        for (int i = 0; i < x.length; i++) {
            RiskScore.Term t = RiskScore.TERMS.get(i);
            double contribution = t.weight() * x[i];
            z += contribution;
            terms.append(i == 0 ? "" : ",").append("{\"name\":");
            string(terms, t.name());
            terms.append(",\"input\":");
            string(terms, t.input());
            terms.append(",\"x\":");
            number(terms, x[i]);
            terms.append(",\"weight\":");
            number(terms, t.weight());
            terms.append(",\"contribution\":");
            number(terms, contribution);
            terms.append(",\"meaning\":");
            string(terms, t.meaning());
            terms.append('}');
        }
        b.append(",\"z\":");
        number(b, z);
        b.append(",\"intercept\":");
        number(b, RiskScore.INTERCEPT);
        b.append(",\"terms\":[").append(terms).append("],\"features\":{");
        FeatureSet<?> set = v.featureSet();
        for (int i = 0; i < RiskScore.FEATURES_USED.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            feature(b, v, set.ref(RiskScore.FEATURES_USED.get(i)));
        }
        return b.append("}}").toString();
    }

    private static void feature(StringBuilder b, FeatureVector v, FeatureRef ref) {
        string(b, ref.name());
        b.append(":{\"value\":");
        if (ref.kind() == FeatureKind.LAST_N) {
            b.append('[');
            for (int p = 0; p < v.size(ref); p++) {
                b.append(p == 0 ? "" : ",").append(v.getLong(ref, p));
            }
            b.append(']');
        } else if (!v.isPresent(ref)) {
            b.append("null");
        } else if (ref.kind().valueType() == FeatureKind.ValueType.LONG) {
            b.append(v.getLong(ref));
        } else {
            number(b, v.getDouble(ref));
        }
        long age = v.ageMs(ref);
        b.append(",\"ageMs\":");
        if (age < 0) {
            b.append("null");
        } else {
            b.append(age);
        }
        b.append('}');
    }

    /**
     * Indents a compact JSON document for people: objects and arrays that hold objects get one member per line; the
     * others (e.g. {@code {"value":[7,8],"ageMs":12}}) stay on one line.
     *
     * @param json a valid compact JSON document (as this class writes)
     * @param indent prefix of every line
     * @return the indented text
     */
    public static String pretty(String json, String indent) {
        StringBuilder b = new StringBuilder(json.length() * 2);
        b.append(indent);
        prettyValue(json, 0, json.length(), indent, b);
        return b.toString();
    }

    /** Writes the value in {@code [from, to)} of {@code s}. */
    private static void prettyValue(String s, int from, int to, String indent, StringBuilder b) {
        char open = s.charAt(from);
        if ((open != '{' && open != '[') || !hasNestedObject(s, from + 1, to - 1)) {
            b.append(s, from, to);
            return;
        }
        String inner = indent + "  ";
        b.append(open).append('\n');
        int i = from + 1;
        while (i < to - 1) {
            int end = memberEnd(s, i, to - 1);
            if (i > from + 1) {
                b.append(",\n");
            }
            b.append(inner);
            int colon = open == '{' ? keyEnd(s, i) : -1;
            if (colon > 0) {
                b.append(s, i, colon).append(": ");
                prettyValue(s, colon + 1, end, inner, b);
            } else {
                prettyValue(s, i, end, inner, b);
            }
            i = end + 1;
        }
        b.append('\n').append(indent).append(s.charAt(to - 1));
    }

    private static boolean hasNestedObject(String s, int from, int to) {
        boolean inString = false;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{') {
                return true;
            }
        }
        return false;
    }

    /** @return the index of the ',' or closing bracket ending the member that starts at {@code from} */
    private static int memberEnd(String s, int from, int to) {
        int depth = 0;
        boolean inString = false;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                depth--;
            } else if (c == ',' && depth == 0) {
                return i;
            }
        }
        return to;
    }

    /** @return the index of the ':' after the key string starting at {@code from} */
    private static int keyEnd(String s, int from) {
        for (int i = from + 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '"') {
                return i + 1;
            }
        }
        return -1;
    }

    /** JSON has no NaN or infinity: those become null. */
    private static void number(StringBuilder b, double d) {
        if (Double.isFinite(d)) {
            b.append(d);
        } else {
            b.append("null");
        }
    }

    /**
     * @param b target
     * @param s text to append as a JSON string, escaped
     */
    static void string(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        b.append('"');
    }
}
