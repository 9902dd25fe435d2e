package io.freshet.kafka.avro;

import io.freshet.kafka.BadRecordReason;
import io.freshet.kafka.RecordDecoder;
import io.freshet.kafka.RecordView;
import io.freshet.kafka.RejectedRecordException;
import io.freshet.kafka.avro.internal.AvroField;
import io.freshet.kafka.avro.internal.PlanCache;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Decodes records in the Schema Registry wire format (byte 0, the writer's schema id as 4 big-endian bytes, then
 * the Avro binary body) field by field, straight from the record's bytes into a reusable event: no
 * {@code GenericRecord}, no allocation per record.
 *
 * <pre>{@code
 * AvroDecoder<Payment> decoder = AvroDecoder.builder(Payment::new,
 *         SchemaProvider.http(URI.create("http://registry:8081"), Duration.ofSeconds(2)))
 *     .longField("user_id", (p, v) -> p.userId = v)
 *     .timestampMsField("ts", (p, ms) -> p.tsMs = ms)
 *     .doubleField("amount", (p, v) -> p.amount = v)
 *     .stringField("merchant", "", (p, bytes, offset, length) -> p.setMerchant(bytes, offset, length))
 *     .build();
 * Source<Payment> payments = Source.of("payments", decoder);
 * }</pre>
 *
 * <p>The first record with a schema id the decoder has not seen asks the {@link SchemaProvider} for the writer's
 * schema (that record's consumer thread waits, at most the provider's timeout), parses it with Apache Avro and
 * compiles a plan: per writer field, read into a declared field or skip. Later records of the id use the plan.
 * {@link #prepare(int)} resolves ids ahead of the records instead.
 *
 * <p>Schema evolution, as Avro's own resolution: a declared field the writer lacks gets its declared default (without
 * one, every record of that schema is {@link BadRecordReason#SCHEMA_MISMATCH}); a writer field not declared is
 * skipped; int and long widen to long and double, float to double; string and bytes read alike; enum symbols map by
 * name. A nullable union ({@code ["null", T]}) yields the default when null, or {@link BadRecordReason#MISSING_FIELD}.
 *
 * <p>Bad records: a value not starting with byte 0 is {@link BadRecordReason#BAD_MAGIC_BYTE}; an id the provider
 * does not know, or cannot answer for in time, {@link BadRecordReason#UNKNOWN_SCHEMA_ID} ("schema id N unavailable:
 * why"; asked again after {@link Builder#retryUnavailableAfter}); a body shorter than its schema
 * {@link BadRecordReason#TRUNCATED}; other malformed bodies {@link BadRecordReason#DECODE_ERROR}. The source's
 * {@link io.freshet.kafka.BadRecordPolicy} decides what follows; no message quotes the payload.
 *
 * <p>Threading: one decoder serves every consumer thread at once; setters must only write the event they are given.
 * A string setter's byte array is the record's own: copy what you keep before returning.
 *
 * @param <E> the event type
 */
public final class AvroDecoder<E> implements RecordDecoder<E> {
    /** The Schema Registry wire format's first byte. */
    public static final byte MAGIC_BYTE = 0;
    /** Magic byte plus schema id. */
    public static final int HEADER_BYTES = 5;

    private static final RejectedRecordException BAD_MAGIC = new RejectedRecordException(
        BadRecordReason.BAD_MAGIC_BYTE, "the value does not start with the Schema Registry magic byte 0: the producer"
        + " does not use a Schema Registry serializer");
    private static final RejectedRecordException SHORT_HEADER = new RejectedRecordException(
        BadRecordReason.TRUNCATED, "the value is shorter than the Schema Registry header (magic byte and 4-byte"
        + " schema id)");

    private final Supplier<E> newEvent;
    private final PlanCache plans;

    private AvroDecoder(Builder<E> b) {
        this.newEvent = b.newEvent;
        this.plans = new PlanCache(b.provider, b.fields.toArray(new AvroField[0]), b.retryNanos);
    }

    /**
     * @param newEvent creates a mutable event (once per pipeline hand-off slot)
     * @param schemas where writer schemas come from
     * @param <E> the event type
     * @return a builder; declare at least one field
     */
    public static <E> Builder<E> builder(Supplier<E> newEvent, SchemaProvider schemas) {
        return new Builder<>(Objects.requireNonNull(newEvent, "newEvent can't be null"),
            Objects.requireNonNull(schemas, "schemas can't be null"));
    }

    @Override
    public E newReusable() {
        return newEvent.get();
    }

    @Override
    public E decode(RecordView record, E reuse) throws RejectedRecordException {
        byte[] value = record.value();
        return value == null ? null : decode(value, reuse);
    }

    /**
     * Decodes one wire-format value.
     *
     * @param value the record value (not modified, not kept)
     * @param reuse the event to fill, or null for a new one
     * @return the filled event
     * @throws RejectedRecordException when the record is bad ({@link RejectedRecordException#reason()} says why)
     */
    public E decode(byte[] value, E reuse) throws RejectedRecordException {
        if (value.length == 0 || value[0] != MAGIC_BYTE) {
            throw BAD_MAGIC;
        }
        if (value.length < HEADER_BYTES) {
            throw SHORT_HEADER;
        }
        int schemaId = (value[1] & 0xFF) << 24 | (value[2] & 0xFF) << 16 | (value[3] & 0xFF) << 8 | (value[4] & 0xFF);
        E event = reuse != null ? reuse : newEvent.get();
        plans.read(schemaId, value, HEADER_BYTES, event);
        return event;
    }

    /**
     * Resolves a schema id now, e.g. at start for the ids the producers use, so that no record waits for the
     * provider. Optional: a record with an id not prepared resolves it on its consumer thread. Thread-safe.
     *
     * @param schemaId a Schema Registry id
     * @throws RejectedRecordException the rejection records of that id would get now (unknown, unavailable, not
     *     fitting the declared fields)
     */
    public void prepare(int schemaId) throws RejectedRecordException {
        plans.plan(schemaId);
    }

    /**
     * Sets a long field of the event.
     *
     * @param <E> the event type
     */
    @FunctionalInterface
    public interface LongSetter<E> {
        /**
         * @param event the event
         * @param value the value
         */
        void set(E event, long value);
    }

    /**
     * Sets a double field of the event.
     *
     * @param <E> the event type
     */
    @FunctionalInterface
    public interface DoubleSetter<E> {
        /**
         * @param event the event
         * @param value the value
         */
        void set(E event, double value);
    }

    /**
     * Sets a boolean field of the event.
     *
     * @param <E> the event type
     */
    @FunctionalInterface
    public interface BooleanSetter<E> {
        /**
         * @param event the event
         * @param value the value
         */
        void set(E event, boolean value);
    }

    /**
     * Sets an int field of the event (an enum's ordinal among the declared symbols).
     *
     * @param <E> the event type
     */
    @FunctionalInterface
    public interface IntSetter<E> {
        /**
         * @param event the event
         * @param value the value
         */
        void set(E event, int value);
    }

    /**
     * Sets a string field of the event from UTF-8 bytes in place: {@code bytes} is the record's own array (or the
     * default's), valid for this call only.
     *
     * @param <E> the event type
     */
    @FunctionalInterface
    public interface BytesSetter<E> {
        /**
         * @param event the event
         * @param bytes the array
         * @param offset first byte
         * @param length byte count
         */
        void set(E event, byte[] bytes, int offset, int length);
    }

    /**
     * Declares the fields to read. Each field is named as in the writer's (top-level record) schema, read as one
     * kind, and set by a setter; the overloads with a default use it when the writer lacks the field or holds null.
     * Reusable: {@link #build()} copies what was declared.
     *
     * @param <E> the event type
     */
    public static final class Builder<E> {
        private final Supplier<E> newEvent;
        private final SchemaProvider provider;
        private final List<AvroField> fields = new ArrayList<>();
        private final Set<String> names = new HashSet<>();
        private long retryNanos = Duration.ofSeconds(10).toNanos();

        private Builder(Supplier<E> newEvent, SchemaProvider provider) {
            this.newEvent = newEvent;
            this.provider = provider;
        }

        /**
         * @param name field name; the writer's int or long
         * @param setter sets it
         * @return this
         */
        public Builder<E> longField(String name, LongSetter<? super E> setter) {
            return add(name, AvroField.LONG, setter, false, 0, 0, null, null);
        }

        /**
         * @param name field name; the writer's int or long
         * @param defaultValue when the writer lacks the field or holds null
         * @param setter sets it
         * @return this
         */
        public Builder<E> longField(String name, long defaultValue, LongSetter<? super E> setter) {
            return add(name, AvroField.LONG, setter, true, defaultValue, 0, null, null);
        }

        /**
         * @param name field name; the writer's long or int, epoch ms; {@code timestamp-micros} and
         *     {@code timestamp-nanos} are scaled down to ms (rounding toward negative infinity)
         * @param setter sets it
         * @return this
         */
        public Builder<E> timestampMsField(String name, LongSetter<? super E> setter) {
            return add(name, AvroField.TIMESTAMP_MS, setter, false, 0, 0, null, null);
        }

        /**
         * @param name field name, as {@link #timestampMsField(String, LongSetter)}
         * @param defaultMs when the writer lacks the field or holds null
         * @param setter sets it
         * @return this
         */
        public Builder<E> timestampMsField(String name, long defaultMs, LongSetter<? super E> setter) {
            return add(name, AvroField.TIMESTAMP_MS, setter, true, defaultMs, 0, null, null);
        }

        /**
         * @param name field name; the writer's double, float, long or int
         * @param setter sets it
         * @return this
         */
        public Builder<E> doubleField(String name, DoubleSetter<? super E> setter) {
            return add(name, AvroField.DOUBLE, setter, false, 0, 0, null, null);
        }

        /**
         * @param name field name; the writer's double, float, long or int
         * @param defaultValue when the writer lacks the field or holds null
         * @param setter sets it
         * @return this
         */
        public Builder<E> doubleField(String name, double defaultValue, DoubleSetter<? super E> setter) {
            return add(name, AvroField.DOUBLE, setter, true, 0, defaultValue, null, null);
        }

        /**
         * @param name field name; the writer's boolean
         * @param setter sets it
         * @return this
         */
        public Builder<E> booleanField(String name, BooleanSetter<? super E> setter) {
            return add(name, AvroField.BOOLEAN, setter, false, 0, 0, null, null);
        }

        /**
         * @param name field name; the writer's boolean
         * @param defaultValue when the writer lacks the field or holds null
         * @param setter sets it
         * @return this
         */
        public Builder<E> booleanField(String name, boolean defaultValue, BooleanSetter<? super E> setter) {
            return add(name, AvroField.BOOLEAN, setter, true, defaultValue ? 1 : 0, 0, null, null);
        }

        /**
         * @param name field name; the writer's string or bytes, handed over as a byte range
         * @param setter sets it
         * @return this
         */
        public Builder<E> stringField(String name, BytesSetter<? super E> setter) {
            return add(name, AvroField.STRING, setter, false, 0, 0, null, null);
        }

        /**
         * @param name field name; the writer's string or bytes, handed over as a byte range
         * @param defaultValue when the writer lacks the field or holds null (handed over as UTF-8)
         * @param setter sets it
         * @return this
         */
        public Builder<E> stringField(String name, String defaultValue, BytesSetter<? super E> setter) {
            Objects.requireNonNull(defaultValue, "defaultValue can't be null");
            return add(name, AvroField.STRING, setter, true, 0, 0, defaultValue.getBytes(StandardCharsets.UTF_8),
                null);
        }

        /**
         * @param name field name; the writer's enum, read as the ordinal of its symbol in {@code symbols} (by name,
         *     so writers may reorder or add symbols); a symbol not declared rejects the record
         *     ({@link BadRecordReason#SCHEMA_MISMATCH})
         * @param symbols the symbols, in ordinal order
         * @param setter sets the ordinal
         * @return this
         */
        public Builder<E> enumField(String name, List<String> symbols, IntSetter<? super E> setter) {
            return add(name, AvroField.ENUM, setter, false, 0, 0, null, symbols(name, symbols));
        }

        /**
         * @param name field name, as {@link #enumField(String, List, IntSetter)}
         * @param symbols the symbols, in ordinal order
         * @param defaultOrdinal when the writer lacks the field, holds null or a symbol not declared
         * @param setter sets the ordinal
         * @return this
         */
        public Builder<E> enumField(String name, List<String> symbols, int defaultOrdinal,
            IntSetter<? super E> setter) {
            String[] s = symbols(name, symbols);
            if (defaultOrdinal < 0 || defaultOrdinal >= s.length) {
                throw new IllegalArgumentException("enum field '" + name + "': defaultOrdinal=" + defaultOrdinal
                    + " is out of range: use 0.." + (s.length - 1));
            }
            return add(name, AvroField.ENUM, setter, true, defaultOrdinal, 0, null, s);
        }

        /**
         * @param interval how long records of an unknown or unavailable schema id are rejected before the provider
         *     is asked again (default 10 s); bounds the registry calls a stream of such records makes
         * @return this
         */
        public Builder<E> retryUnavailableAfter(Duration interval) {
            Objects.requireNonNull(interval, "interval can't be null");
            if (interval.isNegative()) {
                throw new IllegalArgumentException("retryUnavailableAfter=" + interval + " must not be negative");
            }
            retryNanos = interval.toNanos();
            return this;
        }

        /** @return the decoder */
        public AvroDecoder<E> build() {
            if (fields.isEmpty()) {
                throw new IllegalStateException("no fields declared: declare the fields to read, e.g."
                    + " longField(\"user_id\", (e, v) -> e.userId = v)");
            }
            return new AvroDecoder<>(this);
        }

        private static String[] symbols(String name, List<String> symbols) {
            Objects.requireNonNull(symbols, "symbols can't be null");
            // List.of(...).contains(null) throws: look for null by hand.
            if (symbols.isEmpty() || new HashSet<>(symbols).size() != symbols.size()
                || symbols.stream().anyMatch(Objects::isNull)) {
                throw new IllegalArgumentException("enum field '" + name + "': symbols=" + symbols
                    + " must be non-empty, distinct and non-null");
            }
            return symbols.toArray(new String[0]);
        }

        private Builder<E> add(String name, int kind, Object setter, boolean hasDefault, long defaultLong,
            double defaultDouble, byte[] defaultBytes, String[] symbols) {
            Objects.requireNonNull(name, "name can't be null");
            Objects.requireNonNull(setter, "setter can't be null");
            if (name.isBlank()) {
                throw new IllegalArgumentException("field name is blank: name the writer schema's field");
            }
            if (!names.add(name)) {
                throw new IllegalArgumentException("field '" + name + "' is declared twice: declare each field once");
            }
            fields.add(new AvroField(name, kind, setter, hasDefault, defaultLong, defaultDouble, defaultBytes,
                symbols));
            return this;
        }
    }
}
