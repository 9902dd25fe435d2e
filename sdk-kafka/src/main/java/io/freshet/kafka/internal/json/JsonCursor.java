package io.freshet.kafka.internal.json;

import io.freshet.kafka.BadRecordReason;
import io.freshet.kafka.RejectedRecordException;
import io.freshet.kafka.JsonDecoder;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.function.Function;
import java.util.function.ObjDoubleConsumer;
import java.util.function.ObjLongConsumer;

/**
 * One pass over a JSON document's bytes in place: keys are matched against the {@link JsonSpec}'s path trie, declared
 * fields are parsed straight into the event's setters, everything else is validated and skipped, and no tree, string
 * or boxed value is built. The whole document is checked against the JSON grammar (RFC 8259), up to
 * {@link #MAX_DEPTH} levels of nesting, every string (key or value, read or skipped) for its escapes, control
 * characters and well-formed UTF-8.
 *
 * <p>Threading: one cursor per thread (the decoder keeps one per thread). Allocation: none, except
 * {@link JsonNumbers}' documented fallback and a growing {@code StringBuilder}; a bad record allocates its
 * {@link RejectedRecordException}.
 */
public final class JsonCursor {
    /** Deeper documents are malformed for us: the parser recurses once per level. */
    public static final int MAX_DEPTH = 512;

    private final JsonSpec spec;
    private final JsonNumbers numbers = new JsonNumbers();
    private byte[] b;
    private int end;
    private int start;
    private long found;
    private Object event;

    /** @return how many numbers took the allocating fallback of {@link JsonNumbers} on this cursor */
    public long numberFallbacks() {
        return numbers.fallbacks;
    }

    /** @param spec the compiled fields */
    public JsonCursor(JsonSpec spec) {
        this.spec = spec;
    }

    /**
     * Decodes {@code length} bytes at {@code offset} into {@code event}: every field present is set, every optional
     * field absent gets its missing value.
     *
     * @param bytes the document
     * @param offset first byte
     * @param length bytes
     * @param into the event the setters fill
     * @throws RejectedRecordException naming the reason, field and offset (relative to {@code offset})
     */
    public void decode(byte[] bytes, int offset, int length, Object into) throws RejectedRecordException {
        this.b = bytes;
        this.start = offset;
        this.end = offset + length;
        this.found = 0;
        this.event = into;
        try {
            int p = skipWs(offset);
            if (p >= end) {
                throw malformed(p, "the value is empty");
            }
            if (b[p] != '{') {
                throw new RejectedRecordException(BadRecordReason.WRONG_TYPE, "offset=" + (p - start)
                    + ": the value is a "
                    + kind(p) + ", expected a JSON object");
            }
            p = skipWs(parseObject(spec.root, p, 1));
            if (p != end) {
                throw malformed(p, "content after the end of the JSON object");
            }
            long missing = spec.requiredMask & ~found;
            if (missing != 0) {
                throw new RejectedRecordException(BadRecordReason.MISSING_FIELD, "field="
                    + spec.fields[Long.numberOfTrailingZeros(missing)].path + " is missing or null: every record"
                    + " needs it (or declare it with a missing value)");
            }
            long absent = ~found;
            JsonSpec.Field[] fs = spec.fields;
            for (int i = 0; i < fs.length; i++) {
                if ((absent & (1L << i)) != 0) {
                    setMissing(fs[i]);
                }
            }
        } finally {
            this.b = null;
            this.event = null;
        }
    }

    @SuppressWarnings("unchecked")
    private void setMissing(JsonSpec.Field f) {
        switch (f.type) {
            case JsonSpec.LONG:
            case JsonSpec.HASH:
            case JsonSpec.TIMESTAMP:
                ((ObjLongConsumer<Object>) f.setter).accept(event, f.missingLong);
                break;
            case JsonSpec.DOUBLE:
                ((ObjDoubleConsumer<Object>) f.setter).accept(event, f.missingDouble);
                break;
            case JsonSpec.BOOLEAN:
                ((JsonDecoder.BooleanSetter<Object>) f.setter).set(event, f.missingBoolean);
                break;
            default:
                ((Function<Object, StringBuilder>) f.setter).apply(event).setLength(0);
                break;
        }
    }

    private int skipWs(int p) {
        // Locals: the JIT keeps them in registers across the loop (fields are reloaded after any call).
        final byte[] b = this.b;
        final int end = this.end;
        while (p < end) {
            byte c = b[p];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                return p;
            }
            p++;
        }
        return p;
    }

    /** {@code b[p] == '{'}; node null skips the object. @return the index after its '}' */
    private int parseObject(JsonSpec.Node node, int p, int depth) throws RejectedRecordException {
        if (depth > MAX_DEPTH) {
            throw malformed(p, "nesting deeper than " + MAX_DEPTH + " levels");
        }
        p = skipWs(p + 1);
        if (p < end && b[p] == '}') {
            return p + 1;
        }
        while (true) {
            if (p >= end || b[p] != '"') {
                throw malformed(p, "expected a field name in quotes");
            }
            final int keyStart = p + 1;
            final int keyEnd = scanString(null, p, KEY, null);
            final boolean escaped = stringEscaped;
            p = skipWs(keyEnd + 1);
            if (p >= end || b[p] != ':') {
                throw malformed(p, "expected ':' after a field name");
            }
            p = skipWs(p + 1);
            if (p >= end) {
                throw malformed(p, "expected a value");
            }
            int k = node == null ? -1 : match(node, keyStart, keyEnd, escaped);
            if (k < 0) {
                p = skipValue(p, depth);
            } else if (node.fieldIndex[k] >= 0) {
                p = readField(node.fieldIndex[k], p, depth);
            } else {
                p = descend(node.children[k], p, depth);
            }
            p = skipWs(p);
            if (p >= end) {
                throw malformed(p, "expected ',' or '}'");
            }
            byte c = b[p];
            if (c == ',') {
                p = skipWs(p + 1);
            } else if (c == '}') {
                return p + 1;
            } else {
                throw malformed(p, "expected ',' or '}'");
            }
        }
    }

    private int descend(JsonSpec.Node child, int p, int depth) throws RejectedRecordException {
        byte c = b[p];
        if (c == '{') {
            return parseObject(child, p, depth + 1);
        }
        if (c == 'n') {
            return literal(p, "null"); // the fields below are missing
        }
        throw new RejectedRecordException(BadRecordReason.WRONG_TYPE, "field=" + child.path + " offset=" + (p - start)
            + ": is a " + kind(p) + ", expected an object holding declared fields");
    }

    private int match(JsonSpec.Node node, int keyStart, int keyEnd, boolean escaped) {
        final byte[][] names = node.names;
        if (!escaped) {
            final int len = keyEnd - keyStart;
            final int c = node.candidates[len == 0 ? JsonSpec.slot(0, (byte) 0, (byte) 0)
                : JsonSpec.slot(len, b[keyStart], b[keyEnd - 1])];
            if (c == JsonSpec.NONE) {
                return -1;
            }
            if (c >= 0) {
                byte[] n = names[c];
                if (n.length != len) {
                    return -1;
                }
                for (int j = 0; j < len; j++) {
                    if (n[j] != b[keyStart + j]) {
                        return -1;
                    }
                }
                return c;
            }
            outer:
            for (int i = 0; i < names.length; i++) {
                byte[] n = names[i];
                if (n.length != len) {
                    continue;
                }
                for (int j = 0; j < len; j++) {
                    if (n[j] != b[keyStart + j]) {
                        continue outer;
                    }
                }
                return i;
            }
            return -1;
        }
        for (int i = 0; i < names.length; i++) {
            if (escapedKeyEquals(keyStart, keyEnd, node.nameStrings[i])) {
                return i;
            }
        }
        return -1;
    }

    /** The rare key with escapes: decoded char by char (ill-formed UTF-8 matches nothing). */
    private boolean escapedKeyEquals(int p, int keyEnd, String name) {
        int i = 0;
        final int n = name.length();
        while (p < keyEnd) {
            long r = nextChar(p);
            if (r < 0) {
                return false;
            }
            int cp = (int) (r >>> 32);
            p = (int) r;
            if (cp >= 0x10000) {
                if (i + 1 >= n || name.charAt(i) != Character.highSurrogate(cp)
                    || name.charAt(i + 1) != Character.lowSurrogate(cp)) {
                    return false;
                }
                i += 2;
            } else {
                if (i >= n || name.charAt(i) != (char) cp) {
                    return false;
                }
                i++;
            }
        }
        return i == n;
    }

    /**
     * Decodes one code point of a string's content at {@code p} (an escape, a \\u pair, or a UTF-8 sequence).
     *
     * @return (code point {@literal <<} 32) | next index, or -1 when the UTF-8 is ill-formed
     */
    private long nextChar(int p) {
        int c = b[p] & 0xFF;
        if (c == '\\') {
            byte e = b[p + 1];
            int cp;
            switch (e) {
                case 'b':
                    cp = '\b';
                    break;
                case 'f':
                    cp = '\f';
                    break;
                case 'n':
                    cp = '\n';
                    break;
                case 'r':
                    cp = '\r';
                    break;
                case 't':
                    cp = '\t';
                    break;
                case 'u':
                    cp = hex4(p + 2);
                    if (Character.isHighSurrogate((char) cp) && p + 11 < end && b[p + 6] == '\\' && b[p + 7] == 'u') {
                        int lo = hex4(p + 8);
                        if (Character.isLowSurrogate((char) lo)) {
                            return ((long) Character.toCodePoint((char) cp, (char) lo) << 32) | (p + 12);
                        }
                    }
                    return ((long) cp << 32) | (p + 6); // a lone surrogate stays one char, as Java strings allow
                default:
                    cp = e; // '"', '\\', '/': validated by skipEscape before
                    break;
            }
            return ((long) cp << 32) | (p + 2);
        }
        if (c < 0x80) {
            return ((long) c << 32) | (p + 1);
        }
        int cp;
        int extra;
        if (c >= 0xC2 && c < 0xE0) {
            cp = c & 0x1F;
            extra = 1;
        } else if (c >= 0xE0 && c < 0xF0) {
            cp = c & 0x0F;
            extra = 2;
        } else if (c >= 0xF0 && c < 0xF5) {
            cp = c & 0x07;
            extra = 3;
        } else {
            return -1;
        }
        if (p + extra >= end) {
            return -1;
        }
        for (int j = 1; j <= extra; j++) {
            int d = b[p + j] & 0xFF;
            if ((d & 0xC0) != 0x80) {
                return -1;
            }
            cp = cp << 6 | (d & 0x3F);
        }
        if (extra == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)) || extra == 3 && (cp < 0x10000
            || cp > 0x10FFFF)) {
            return -1;
        }
        return ((long) cp << 32) | (p + extra + 1);
    }

    private int hex4(int p) {
        int v = 0;
        for (int i = 0; i < 4; i++) {
            v = v << 4 | Character.digit(b[p + i], 16);
        }
        return v;
    }

    /** {@code b[p] == '\\'}: checks the escape. @return the index after it */
    private int skipEscape(int p) throws RejectedRecordException {
        if (p + 1 >= end) {
            throw malformed(p, "unterminated string");
        }
        switch (b[p + 1]) {
            case '"':
            case '\\':
            case '/':
            case 'b':
            case 'f':
            case 'n':
            case 'r':
            case 't':
                return p + 2;
            case 'u':
                if (p + 5 >= end) {
                    throw malformed(p, "unterminated string");
                }
                for (int i = 2; i < 6; i++) {
                    if (Character.digit(b[p + i], 16) < 0) {
                        throw malformed(p, "invalid \\u escape");
                    }
                }
                return p + 6;
            default:
                throw malformed(p, "invalid escape");
        }
    }

    /**
     * An escape in a key: as {@link #skipEscape}, and a \\u surrogate must be half of a pair (as Jackson requires of
     * field names; in values a lone surrogate is allowed, as in Java strings).
     */
    private int skipKeyEscape(int q) throws RejectedRecordException {
        int after = skipEscape(q);
        if (b[q + 1] != 'u') {
            return after;
        }
        int unit = hex4(q + 2);
        if (unit >= 0xDC00 && unit <= 0xDFFF) {
            throw malformed(q, "a low surrogate without its high one in a field name");
        }
        if (unit >= 0xD800 && unit <= 0xDBFF) {
            if (after + 1 >= end || b[after] != '\\' || b[after + 1] != 'u') {
                throw malformed(after, "a high surrogate without its low one in a field name");
            }
            int end2 = skipEscape(after);
            int low = hex4(after + 2);
            if (low < 0xDC00 || low > 0xDFFF) {
                throw malformed(after, "a high surrogate without its low one in a field name");
            }
            return end2;
        }
        return after;
    }

    /** What {@link #scanString} does with a string: check it (a key, a skipped value), or decode it (a read one). */
    private static final int SKIP = 0;
    /** As {@link #SKIP}, for a field name: a \\u surrogate must be half of a pair ({@link #skipKeyEscape}). */
    private static final int KEY = 1;
    /** Decodes the chars into a {@code StringBuilder}. */
    private static final int TEXT = 2;
    /** Decodes the chars into their FNV-1a hash ({@link #hash}). */
    private static final int HASH = 3;

    /** Set by {@link #scanString}: whether the string holds an escape. */
    private boolean stringEscaped;

    /**
     * The one scan of a string, whatever is done with it: plain runs are found eight bytes at a time
     * ({@link #plainRun}), every escape, control character and UTF-8 sequence is checked. {@link #TEXT} appends the
     * string's UTF-16 chars to {@code into}; {@link #HASH} leaves their FNV-1a hash, 64 bits, in {@link #hash}
     * ({@link JsonDecoder#textHash(CharSequence)} is the same). Sets {@link #stringEscaped}.
     *
     * @param f the field read ({@link #TEXT}, {@link #HASH}: named in a UTF-8 error), else null
     * @param p the opening quote, {@code b[p] == '"'}
     * @param mode {@link #SKIP}, {@link #KEY}, {@link #TEXT} or {@link #HASH}
     * @param into where {@link #TEXT} appends, else null
     * @return the index of the closing quote
     */
    private int scanString(JsonSpec.Field f, int p, int mode, StringBuilder into) throws RejectedRecordException {
        // Locals: the JIT keeps them in registers across the loop (fields are reloaded after any call).
        final byte[] b = this.b;
        final int end = this.end;
        long h = JsonDecoder.FNV_OFFSET;
        boolean escaped = false;
        int q = p + 1;
        while (true) {
            final int plainEnd = plainRun(b, q, end);
            if (mode == TEXT) {
                for (; q < plainEnd; q++) {
                    into.append((char) b[q]);
                }
            } else if (mode == HASH) {
                for (; q < plainEnd; q++) {
                    h = (h ^ b[q]) * JsonDecoder.FNV_PRIME;
                }
            }
            q = plainEnd;
            if (q >= end) {
                throw malformed(p, "unterminated string");
            }
            final byte c = b[q];
            if (c == '"') {
                stringEscaped = escaped;
                hash = h;
                return q;
            }
            escaped |= c == '\\';
            if (mode == SKIP) {
                q = c == '\\' ? skipEscape(q) : skipOther(q);
            } else if (mode == KEY) {
                q = c == '\\' ? skipKeyEscape(q) : skipOther(q);
            } else {
                q = decodeChar(f, q);
                int cp = (int) (decoded >>> 32);
                if (cp >= 0x10000) {
                    h = emit(mode, into, h, Character.highSurrogate(cp));
                    cp = Character.lowSurrogate(cp);
                }
                h = emit(mode, into, h, (char) cp);
            }
        }
    }

    /** One decoded char of {@link #scanString}. @return the hash after it ({@link #HASH}), else {@code h} */
    private static long emit(int mode, StringBuilder into, long h, char c) {
        if (mode == TEXT) {
            into.append(c);
            return h;
        }
        return (h ^ c) * JsonDecoder.FNV_PRIME;
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class,
        ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;

    /**
     * Skips string content that needs no care: eight bytes per step (SWAR). In each word, a byte is flagged when it
     * is '"' or '\\' (a zero after XOR; {@code (v - 0x01..) & ~v} sets its high bit), below 0x20 ({@code w - 0x20..}
     * borrows into its high bit) or 0x80 and above (its own high bit). A borrow can only flag bytes above a true hit,
     * so the lowest flagged byte (little-endian: the first in memory) is exact.
     *
     * @return the index of the first '"', '\\', control or non-ASCII byte at or after {@code q}, or {@code end}
     */
    static int plainRun(byte[] b, int q, int end) {
        while (q + 8 <= end) {
            long w = (long) LONGS.get(b, q);
            long quote = w ^ 0x2222222222222222L;
            long backslash = w ^ 0x5C5C5C5C5C5C5C5CL;
            long hits = (((quote - ONES) & ~quote) | ((backslash - ONES) & ~backslash) | (w - 0x2020202020202020L)
                | w) & HIGHS;
            if (hits != 0) {
                return q + (Long.numberOfTrailingZeros(hits) >>> 3);
            }
            q += 8;
        }
        while (q < end) {
            byte c = b[q];
            if (c == '"' || c == '\\' || c < 0x20) {
                return q;
            }
            q++;
        }
        return q;
    }

    /** A control character (malformed) or a UTF-8 sequence (checked) in a string. @return the index after it */
    private int skipOther(int q) throws RejectedRecordException {
        if (b[q] >= 0) {
            throw malformed(q, "control character in a string");
        }
        long r = nextChar(q);
        if (r < 0) {
            throw malformed(q, "a string is not well-formed UTF-8");
        }
        return (int) r;
    }

    private int skipValue(int p, int depth) throws RejectedRecordException {
        switch (b[p]) {
            case '{':
                return parseObject(null, p, depth + 1);
            case '[':
                return skipArray(p, depth + 1);
            case '"':
                return scanString(null, p, SKIP, null) + 1;
            case 't':
                return literal(p, "true");
            case 'f':
                return literal(p, "false");
            case 'n':
                return literal(p, "null");
            default:
                return JsonNumbers.skipNumber(b, p, end, start);
        }
    }

    private int skipArray(int p, int depth) throws RejectedRecordException {
        if (depth > MAX_DEPTH) {
            throw malformed(p, "nesting deeper than " + MAX_DEPTH + " levels");
        }
        p = skipWs(p + 1);
        if (p < end && b[p] == ']') {
            return p + 1;
        }
        while (true) {
            if (p >= end) {
                throw malformed(p, "unterminated array");
            }
            p = skipWs(skipValue(p, depth));
            if (p >= end) {
                throw malformed(p, "expected ',' or ']'");
            }
            byte c = b[p];
            if (c == ',') {
                p = skipWs(p + 1);
            } else if (c == ']') {
                return p + 1;
            } else {
                throw malformed(p, "expected ',' or ']'");
            }
        }
    }

    private int literal(int p, String word) throws RejectedRecordException {
        final int n = word.length();
        if (p + n > end) {
            throw malformed(p, "invalid literal");
        }
        for (int i = 0; i < n; i++) {
            if (b[p + i] != word.charAt(i)) {
                throw malformed(p, "invalid literal");
            }
        }
        return p + n;
    }

    @SuppressWarnings("unchecked")
    private int readField(int index, int p, int depth) throws RejectedRecordException {
        final JsonSpec.Field f = spec.fields[index];
        final byte c = b[p];
        if (c == 'n') {
            found &= ~(1L << index); // null is missing; a later duplicate key may still set it
            return literal(p, "null");
        }
        int next;
        switch (f.type) {
            case JsonSpec.LONG:
                if (c != '-' && (c < '0' || c > '9')) {
                    throw wrongType(f, p, "an integer");
                }
                next = numbers.parseLong(b, p, end, start, f.path);
                ((ObjLongConsumer<Object>) f.setter).accept(event, numbers.longValue);
                break;
            case JsonSpec.DOUBLE:
                if (c != '-' && (c < '0' || c > '9')) {
                    throw wrongType(f, p, "a number");
                }
                next = numbers.parseDouble(b, p, end, start, f.path);
                ((ObjDoubleConsumer<Object>) f.setter).accept(event, numbers.doubleValue);
                break;
            case JsonSpec.BOOLEAN:
                if (c == 't') {
                    next = literal(p, "true");
                    ((JsonDecoder.BooleanSetter<Object>) f.setter).set(event, true);
                } else if (c == 'f') {
                    next = literal(p, "false");
                    ((JsonDecoder.BooleanSetter<Object>) f.setter).set(event, false);
                } else {
                    throw wrongType(f, p, "true or false");
                }
                break;
            case JsonSpec.TEXT:
                if (c != '"') {
                    throw wrongType(f, p, "a string");
                }
                StringBuilder into = ((Function<Object, StringBuilder>) f.setter).apply(event);
                into.setLength(0);
                next = scanString(f, p, TEXT, into) + 1;
                break;
            case JsonSpec.HASH:
                if (c != '"') {
                    throw wrongType(f, p, "a string");
                }
                next = scanString(f, p, HASH, null) + 1;
                ((ObjLongConsumer<Object>) f.setter).accept(event, hash);
                break;
            default:
                next = readTimestamp(f, p);
                ((ObjLongConsumer<Object>) f.setter).accept(event, timestampMs);
                break;
        }
        found |= 1L << index;
        return next;
    }

    private long hash;
    private long timestampMs;

    private long decoded;

    /** A non-ASCII byte, an escape or a control character at {@code q} inside a decoded string. */
    private int decodeChar(JsonSpec.Field f, int q) throws RejectedRecordException {
        int c = b[q];
        if (c == '\\') {
            skipEscape(q);
        } else if (c >= 0 && c < 0x20) {
            throw malformed(q, "control character in a string");
        }
        long r = nextChar(q);
        if (r < 0) {
            throw new RejectedRecordException(BadRecordReason.MALFORMED, "field=" + f.path + " offset=" + (q - start)
                + ": the string is not well-formed UTF-8");
        }
        decoded = r;
        return (int) r;
    }

    private int readTimestamp(JsonSpec.Field f, int p) throws RejectedRecordException {
        final byte c = b[p];
        if (c == '"') {
            int close = p + 1;
            while (close < end && b[close] != '"' && b[close] != '\\') {
                close++;
            }
            if (close >= end || b[close] != '"') {
                // An escape in a timestamp: not one we parse (and a malformed string is malformed).
                int after = scanString(null, p, SKIP, null) + 1;
                throw wrongType(f, p, "an RFC 3339 timestamp such as 2026-12-05T14:30:00Z (no escapes; "
                    + (after - p) + " bytes)");
            }
            long ms = Rfc3339.parseMillis(b, p + 1, close);
            if (ms == Long.MIN_VALUE) {
                throw wrongType(f, p, "an RFC 3339 timestamp such as 2026-12-05T14:30:00Z");
            }
            timestampMs = ms;
            return close + 1;
        }
        if (c != '-' && (c < '0' || c > '9')) {
            throw wrongType(f, p, "an integer epoch or an RFC 3339 string");
        }
        int next = numbers.parseLong(b, p, end, start, f.path);
        long v = numbers.longValue;
        if (f.unitMultiplier != 1) {
            long hi = Math.multiplyHigh(v, f.unitMultiplier);
            long lo = v * f.unitMultiplier;
            if ((hi != 0 || lo < 0) && (hi != -1 || lo >= 0)) {
                throw new RejectedRecordException(BadRecordReason.OUT_OF_RANGE, "field=" + f.path + " offset="
                    + (p - start) + ": the epoch is out of range in milliseconds");
            }
            v = lo;
        } else if (f.unitDivisor != 1) {
            v = Math.floorDiv(v, f.unitDivisor);
        }
        timestampMs = v;
        return next;
    }

    private RejectedRecordException wrongType(JsonSpec.Field f, int p, String expected) {
        return new RejectedRecordException(BadRecordReason.WRONG_TYPE, "field=" + f.path + " offset=" + (p - start)
            + ": is a " + kind(p) + ", expected " + expected);
    }

    private String kind(int p) {
        switch (b[p]) {
            case '"':
                return "string";
            case '{':
                return "object";
            case '[':
                return "array";
            case 't':
            case 'f':
                return "boolean";
            case 'n':
                return "null";
            default:
                return b[p] == '-' || (b[p] >= '0' && b[p] <= '9') ? "number" : "invalid value";
        }
    }

    private RejectedRecordException malformed(int p, String what) {
        return JsonNumbers.malformed(p - start, what);
    }
}
