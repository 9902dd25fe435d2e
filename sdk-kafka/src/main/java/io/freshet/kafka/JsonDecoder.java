package io.freshet.kafka;

import io.freshet.kafka.internal.json.JsonCursor;
import io.freshet.kafka.internal.json.JsonSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.ObjDoubleConsumer;
import java.util.function.ObjLongConsumer;
import java.util.function.Supplier;

/**
 * A zero-copy JSON decoder: declared fields are read by path straight from the record's bytes into a reusable event,
 * in one pass, without building a tree, a String or a boxed number.
 *
 * <pre>{@code
 * JsonDecoder<Payment> decoder = JsonDecoder.builder(Payment::new)
 *     .longField("user.id", (p, v) -> p.userId = v)              // {"user": {"id": 42}, ...}
 *     .doubleField("amount", (p, v) -> p.amount = v)
 *     .timestampField("ts", TimeUnit.MILLISECONDS, (p, v) -> p.tsMs = v) // or "2026-12-05T14:30:00Z"
 *     .textField("merchant", p -> p.merchant)                     // into the event's own StringBuilder
 *     .booleanField("declined", false, (p, v) -> p.declined = v) // optional: false when absent or null
 *     .build();
 * Source<Payment> payments = Source.of("payments", decoder).deadLetterTo("payments.dlq");
 * }</pre>
 *
 * <p>Fields: a path is the dotted chain of keys from the top-level object ({@code "user.id"}; a key containing a dot
 * cannot be addressed). A field without a missing value is required. JSON {@code null} counts as absent. Types:
 * long (an integer token), double (any number, exactly {@code Double.parseDouble} of its token), boolean, text
 * (decoded, escapes and UTF-8 included, into a {@code StringBuilder} the event owns), hash (the 64-bit
 * {@link #textHash} of a string: a key or category without keeping its text), timestamp (an integer epoch in a
 * declared unit, or an RFC 3339 string, into epoch milliseconds). Unknown keys, nested objects and arrays are skipped
 * (but checked); keys are compared after unescaping; a key given twice takes the last value.
 *
 * <p>Bad records: the whole document is checked against the JSON grammar, and a record is bad with a one-line
 * message naming the field or byte offset (never the payload) for {@link BadRecordReason#MALFORMED} (not JSON, or
 * text not well-formed UTF-8), {@link BadRecordReason#MISSING_FIELD}, {@link BadRecordReason#WRONG_TYPE} (e.g. a
 * string where a number is declared, a decimal where an integer is) and {@link BadRecordReason#OUT_OF_RANGE} (an
 * integer past a long, a number past a double). The source's {@link BadRecordPolicy} decides what follows.
 *
 * <p>Threading: immutable and thread-safe, as a {@link RecordDecoder} must be (the pipeline's consumer threads share
 * it): each thread parses with its own cursor (a thread-local made on its first record). Allocation: none per record,
 * except (1) a double token with more than 15-16 significant digits or an exponent past ±22, which is parsed by
 * {@code Double.parseDouble} of a new String, and (2) a text field longer than its {@code StringBuilder}'s capacity.
 */
public final class JsonDecoder<E> implements RecordDecoder<E> {
    /** FNV-1a 64-bit offset basis, the start of {@link #textHash}. */
    public static final long FNV_OFFSET = 0xcbf29ce484222325L;
    /** FNV-1a 64-bit prime. */
    public static final long FNV_PRIME = 0x100000001b3L;

    /**
     * Sets a boolean field of an event.
     *
     * @param <E> the event type
     */
    @FunctionalInterface
    public interface BooleanSetter<E> {
        /**
         * @param event the event being decoded
         * @param value the field's value
         */
        void set(E event, boolean value);
    }

    private final Supplier<E> newEvent;
    private final JsonSpec spec;
    private final ThreadLocal<JsonCursor> cursors;

    private JsonDecoder(Supplier<E> newEvent, JsonSpec spec) {
        this.newEvent = newEvent;
        this.spec = spec;
        this.cursors = ThreadLocal.withInitial(() -> new JsonCursor(spec));
    }

    /**
     * @param newEvent makes a new mutable event (once per hand-off slot, not per record)
     * @param <E> the event type
     * @return a builder to declare the fields
     */
    public static <E> Builder<E> builder(Supplier<E> newEvent) {
        return new Builder<>(Objects.requireNonNull(newEvent, "newEvent can't be null"));
    }

    /**
     * The hash a hash field gets: 64-bit FNV-1a over the UTF-16 chars of the text (each char taken as one unit).
     * Use it to compare with known values, e.g. {@code textHash("card")}.
     *
     * @param text the text
     * @return its hash
     */
    public static long textHash(CharSequence text) {
        long h = FNV_OFFSET;
        for (int i = 0; i < text.length(); i++) {
            h = (h ^ text.charAt(i)) * FNV_PRIME;
        }
        return h;
    }

    @Override
    public E newReusable() {
        return newEvent.get();
    }

    @Override
    public E decode(RecordView record, E reuse) throws RejectedRecordException {
        byte[] value = record.value();
        if (value == null) {
            throw new RejectedRecordException(BadRecordReason.MALFORMED, "the record has no value (a tombstone)");
        }
        return decode(value, 0, value.length, reuse == null ? newEvent.get() : reuse);
    }

    /**
     * Decodes a JSON document held in {@code json[offset, offset + length)} into {@code into}.
     *
     * @param json the bytes (UTF-8)
     * @param offset first byte
     * @param length bytes
     * @param into the event to fill
     * @return {@code into}
     * @throws RejectedRecordException when the record is bad: its reason and a one-line message (offsets relative to
     *     {@code offset})
     */
    public E decode(byte[] json, int offset, int length, E into) throws RejectedRecordException {
        Objects.checkFromIndexSize(offset, length, json.length);
        cursors.get().decode(json, offset, length, into);
        return into;
    }

    @Override
    public String toString() {
        return "JsonDecoder{fields=" + spec.fieldCount() + "}";
    }

    /**
     * Declares the fields of a {@link JsonDecoder}; each declaration is checked at once, the set of paths at
     * {@link #build()}. Reusable: {@code build()} copies the declarations.
     *
     * @param <E> the event type
     */
    public static final class Builder<E> {
        private final Supplier<E> newEvent;
        private final List<JsonSpec.Field> fields = new ArrayList<>();

        private Builder(Supplier<E> newEvent) {
            this.newEvent = newEvent;
        }

        /**
         * A required integer field (a JSON integer that fits a long).
         *
         * @param path dotted path, e.g. {@code "user.id"}
         * @param setter sets it on the event
         * @return this
         */
        public Builder<E> longField(String path, ObjLongConsumer<E> setter) {
            return add(path, JsonSpec.LONG, setter, true, 0, 0, false, TimeUnit.MILLISECONDS);
        }

        /**
         * An optional integer field.
         *
         * @param path dotted path
         * @param missingValue set when the field is absent or null
         * @param setter sets it on the event
         * @return this
         */
        public Builder<E> longField(String path, long missingValue, ObjLongConsumer<E> setter) {
            return add(path, JsonSpec.LONG, setter, false, missingValue, 0, false, TimeUnit.MILLISECONDS);
        }

        /**
         * A required number field (any JSON number; exactly {@code Double.parseDouble} of its token).
         *
         * @param path dotted path
         * @param setter sets it on the event
         * @return this
         */
        public Builder<E> doubleField(String path, ObjDoubleConsumer<E> setter) {
            return add(path, JsonSpec.DOUBLE, setter, true, 0, 0, false, TimeUnit.MILLISECONDS);
        }

        /**
         * An optional number field.
         *
         * @param path dotted path
         * @param missingValue set when the field is absent or null
         * @param setter sets it on the event
         * @return this
         */
        public Builder<E> doubleField(String path, double missingValue, ObjDoubleConsumer<E> setter) {
            return add(path, JsonSpec.DOUBLE, setter, false, 0, missingValue, false, TimeUnit.MILLISECONDS);
        }

        /**
         * A required boolean field ({@code true} or {@code false}).
         *
         * @param path dotted path
         * @param setter sets it on the event
         * @return this
         */
        public Builder<E> booleanField(String path, BooleanSetter<E> setter) {
            return add(path, JsonSpec.BOOLEAN, setter, true, 0, 0, false, TimeUnit.MILLISECONDS);
        }

        /**
         * An optional boolean field.
         *
         * @param path dotted path
         * @param missingValue set when the field is absent or null
         * @param setter sets it on the event
         * @return this
         */
        public Builder<E> booleanField(String path, boolean missingValue, BooleanSetter<E> setter) {
            return add(path, JsonSpec.BOOLEAN, setter, false, 0, 0, missingValue, TimeUnit.MILLISECONDS);
        }

        /**
         * A required string field, decoded into a {@code StringBuilder} the event owns (cleared first; give it the
         * capacity of the longest expected value so that it never grows).
         *
         * @param path dotted path
         * @param target returns the event's builder
         * @return this
         */
        public Builder<E> textField(String path, Function<E, StringBuilder> target) {
            return add(path, JsonSpec.TEXT, target, true, 0, 0, false, TimeUnit.MILLISECONDS);
        }

        /**
         * An optional string field: its builder is left empty when the field is absent or null.
         *
         * @param path dotted path
         * @param target returns the event's builder
         * @return this
         */
        public Builder<E> optionalTextField(String path, Function<E, StringBuilder> target) {
            return add(path, JsonSpec.TEXT, target, false, 0, 0, false, TimeUnit.MILLISECONDS);
        }

        /**
         * A required string field read as its {@link #textHash}, without keeping the text.
         *
         * @param path dotted path
         * @param setter sets the hash on the event
         * @return this
         */
        public Builder<E> hashField(String path, ObjLongConsumer<E> setter) {
            return add(path, JsonSpec.HASH, setter, true, 0, 0, false, TimeUnit.MILLISECONDS);
        }

        /**
         * An optional string field read as its {@link #textHash}.
         *
         * @param path dotted path
         * @param missingValue set when the field is absent or null
         * @param setter sets the hash on the event
         * @return this
         */
        public Builder<E> hashField(String path, long missingValue, ObjLongConsumer<E> setter) {
            return add(path, JsonSpec.HASH, setter, false, missingValue, 0, false, TimeUnit.MILLISECONDS);
        }

        /**
         * A required timestamp: an integer epoch in {@code unit} (converted to milliseconds; finer units round
         * down) or an RFC 3339 string such as {@code "2026-12-05T14:30:00.123Z"} or {@code "...+01:00"}.
         *
         * @param path dotted path
         * @param unit the unit of a numeric epoch: SECONDS, MILLISECONDS, MICROSECONDS or NANOSECONDS
         * @param setter sets epoch milliseconds on the event
         * @return this
         */
        public Builder<E> timestampField(String path, TimeUnit unit, ObjLongConsumer<E> setter) {
            Objects.requireNonNull(unit, "unit can't be null");
            if (unit.compareTo(TimeUnit.SECONDS) > 0) {
                throw new IllegalArgumentException("unit=" + unit + " for path=" + path + ": epochs are in"
                    + " SECONDS, MILLISECONDS, MICROSECONDS or NANOSECONDS");
            }
            return add(path, JsonSpec.TIMESTAMP, setter, true, 0, 0, false, unit);
        }

        /**
         * @return an immutable decoder of the fields declared so far
         */
        public JsonDecoder<E> build() {
            return new JsonDecoder<>(newEvent, new JsonSpec(new ArrayList<>(fields)));
        }

        private Builder<E> add(String path, int type, Object setter, boolean required, long missingLong,
            double missingDouble, boolean missingBoolean, TimeUnit unit) {
            Objects.requireNonNull(path, "path can't be null");
            Objects.requireNonNull(setter, "setter can't be null");
            if (path.isBlank() || path.startsWith(".") || path.endsWith(".") || path.contains("..")) {
                throw new IllegalArgumentException("path=\"" + path + "\" is not a dotted path of keys: write e.g."
                    + " \"amount\" or \"user.id\"");
            }
            for (JsonSpec.Field f : fields) {
                if (f.path().equals(path)) {
                    throw new IllegalArgumentException("path=" + path + " is already declared: declare each field"
                        + " once");
                }
            }
            if (fields.size() == JsonSpec.MAX_FIELDS) {
                throw new IllegalArgumentException("fields=" + (fields.size() + 1) + " > MAX_FIELDS="
                    + JsonSpec.MAX_FIELDS + ": split the record into two decoders or declare fewer fields");
            }
            long multiplier = unit == TimeUnit.SECONDS ? 1000 : 1;
            long divisor = unit == TimeUnit.MICROSECONDS ? 1000 : unit == TimeUnit.NANOSECONDS ? 1_000_000 : 1;
            fields.add(new JsonSpec.Field(path, type, setter, required, missingLong, missingDouble, missingBoolean,
                multiplier, divisor));
            return this;
        }
    }
}
