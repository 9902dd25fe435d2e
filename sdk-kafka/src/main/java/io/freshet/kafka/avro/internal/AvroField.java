package io.freshet.kafka.avro.internal;

import io.freshet.kafka.BadRecordReason;
import io.freshet.kafka.RejectedRecordException;
import io.freshet.kafka.avro.AvroDecoder;

/**
 * One field an {@link AvroDecoder} declares: its name, what it is read as, the user's setter and the default used
 * when the writer's schema lacks the field or the record holds null for it. Built once by the decoder's builder.
 *
 * <p>Threading: immutable, shared by every consumer thread. Allocation: none after construction.
 */
public final class AvroField {
    /** Read as a long (writer int or long). */
    public static final int LONG = 0;
    /** Read as epoch milliseconds (writer long or int; timestamp-micros/-nanos scaled down). */
    public static final int TIMESTAMP_MS = 1;
    /** Read as a double (writer double, float, long or int). */
    public static final int DOUBLE = 2;
    /** Read as a boolean. */
    public static final int BOOLEAN = 3;
    /** Read as a UTF-8 byte range (writer string or bytes). */
    public static final int STRING = 4;
    /** Read as the ordinal of its symbol among the declared symbols (writer enum). */
    public static final int ENUM = 5;

    final String name;
    final int kind;
    private final Object setter;
    final boolean hasDefault;
    private final long defaultLong;
    private final double defaultDouble;
    private final byte[] defaultBytes;
    /** ENUM only: the reader's symbols, in ordinal order. */
    final String[] symbols;
    /** Thrown for a null value when there is no default; one instance, never allocated per record. */
    final RejectedRecordException nullRejection;

    /**
     * @param name field name in the writer's schema
     * @param kind one of the kind constants
     * @param setter the user's setter matching the kind
     * @param hasDefault whether the default values below apply
     * @param defaultLong default of LONG, TIMESTAMP_MS, ENUM (ordinal) and BOOLEAN (0/1)
     * @param defaultDouble default of DOUBLE
     * @param defaultBytes default of STRING (UTF-8)
     * @param symbols ENUM symbols, else null
     */
    public AvroField(String name, int kind, Object setter, boolean hasDefault, long defaultLong, double defaultDouble,
        byte[] defaultBytes, String[] symbols) {
        this.name = name;
        this.kind = kind;
        this.setter = setter;
        this.hasDefault = hasDefault;
        this.defaultLong = defaultLong;
        this.defaultDouble = defaultDouble;
        this.defaultBytes = defaultBytes;
        this.symbols = symbols;
        this.nullRejection = new RejectedRecordException(BadRecordReason.MISSING_FIELD, "field '" + name
            + "' is null and the decoder declares no default for it: declare one, or make the producer set it");
    }

    /** @return the field's name */
    public String name() {
        return name;
    }

    @SuppressWarnings("unchecked")
    void setLong(Object event, long value) {
        ((AvroDecoder.LongSetter<Object>) setter).set(event, value);
    }

    @SuppressWarnings("unchecked")
    void setDouble(Object event, double value) {
        ((AvroDecoder.DoubleSetter<Object>) setter).set(event, value);
    }

    @SuppressWarnings("unchecked")
    void setBoolean(Object event, boolean value) {
        ((AvroDecoder.BooleanSetter<Object>) setter).set(event, value);
    }

    @SuppressWarnings("unchecked")
    void setInt(Object event, int value) {
        ((AvroDecoder.IntSetter<Object>) setter).set(event, value);
    }

    @SuppressWarnings("unchecked")
    void setBytes(Object event, byte[] bytes, int offset, int length) {
        ((AvroDecoder.BytesSetter<Object>) setter).set(event, bytes, offset, length);
    }

    /**
     * Sets the default, or rejects the record when there is none.
     *
     * @param event the event
     * @throws RejectedRecordException {@link BadRecordReason#MISSING_FIELD} without a default
     */
    void applyDefault(Object event) throws RejectedRecordException {
        if (!hasDefault) {
            throw nullRejection;
        }
        switch (kind) {
            case LONG, TIMESTAMP_MS -> setLong(event, defaultLong);
            case DOUBLE -> setDouble(event, defaultDouble);
            case BOOLEAN -> setBoolean(event, defaultLong != 0);
            case STRING -> setBytes(event, defaultBytes, 0, defaultBytes.length);
            default -> setInt(event, (int) defaultLong);
        }
    }
}
