package io.freshet.kafka.avro.internal;

import io.freshet.kafka.BadRecordReason;
import io.freshet.kafka.RejectedRecordException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.LogicalType;
import org.apache.avro.Schema;

/**
 * How to read the records of one writer schema into an {@link io.freshet.kafka.avro.AvroDecoder}'s declared fields:
 * one step per writer field, in the writer's order (read into a setter, or skipped), then the declared fields the
 * writer lacks set to their defaults. Compiled once per schema id (that may allocate); {@link #read} allocates
 * nothing.
 *
 * <p>A plan that could not be made (unknown id, registry down, schema that does not fit) holds the rejection every
 * record of that id gets, and when to ask the provider again.
 *
 * <p>Threading: immutable once published; shared by every consumer thread.
 */
public final class AvroPlan {
    private final Step[] steps;
    /** Declared fields the writer lacks: their defaults are set on every record. */
    private final AvroField[] absent;
    /** Non-null for a plan that failed: thrown for each record of its id. */
    final RejectedRecordException failure;
    /** For a failure that may heal (unknown or unavailable id): when to ask again, {@link System#nanoTime()}. */
    final long retryAtNanos;
    final boolean retries;

    private AvroPlan(Step[] steps, AvroField[] absent) {
        this.steps = steps;
        this.absent = absent;
        this.failure = null;
        this.retryAtNanos = 0;
        this.retries = false;
    }

    private AvroPlan(RejectedRecordException failure, boolean retries, long retryAtNanos) {
        this.steps = null;
        this.absent = null;
        this.failure = failure;
        this.retries = retries;
        this.retryAtNanos = retryAtNanos;
    }

    /**
     * @param failure the rejection for every record of the id
     * @param retryAtNanos when to ask the provider again ({@link System#nanoTime()})
     * @return a failed plan that heals by asking again
     */
    static AvroPlan unavailable(RejectedRecordException failure, long retryAtNanos) {
        return new AvroPlan(failure, true, retryAtNanos);
    }

    /**
     * @param failure the rejection for every record of the id (a schema never changes under its id)
     * @return a failed plan for good
     */
    static AvroPlan mismatch(RejectedRecordException failure) {
        return new AvroPlan(failure, false, 0);
    }

    /**
     * Reads one body.
     *
     * @param b the record value
     * @param pos where the Avro body starts
     * @param event the event to fill
     * @throws RejectedRecordException when the record is bad (reason and message say why)
     * @throws IndexOutOfBoundsException when the body is shorter than its schema says
     */
    void read(byte[] b, int pos, Object event) throws RejectedRecordException {
        final int end = b.length;
        for (Step s : steps) {
            pos = s.read(b, pos, end, event);
        }
        if (pos > end) {
            throw WireReader.TRUNCATED;
        }
        for (AvroField f : absent) {
            f.applyDefault(event);
        }
    }

    /**
     * @param schemaId the id (for messages)
     * @param writer the writer's schema
     * @param declared the decoder's fields
     * @return the plan, or a failed one naming the mismatch
     */
    static AvroPlan compile(int schemaId, Schema writer, AvroField[] declared) {
        if (writer.getType() != Schema.Type.RECORD) {
            return mismatch(new RejectedRecordException(BadRecordReason.SCHEMA_MISMATCH, "schema id " + schemaId
                + " is a " + writer.getType() + ", not a record: the decoder reads fields of a record"));
        }
        List<Schema.Field> fields = writer.getFields();
        Step[] steps = new Step[fields.size()];
        boolean[] found = new boolean[declared.length];
        for (int i = 0; i < steps.length; i++) {
            Schema.Field wf = fields.get(i);
            int d = indexOf(declared, wf.name());
            if (d < 0) {
                steps[i] = Step.skip(Skipper.of(wf.schema()));
                continue;
            }
            found[d] = true;
            Step s = Step.read(declared[d], wf.schema());
            if (s == null) {
                return mismatch(new RejectedRecordException(BadRecordReason.SCHEMA_MISMATCH, "schema id " + schemaId
                    + ": field '" + wf.name() + "' is " + describe(wf.schema()) + ", which cannot be read as "
                    + kindName(declared[d].kind) + ": declare the field as what the producer writes"));
            }
            steps[i] = s;
        }
        List<AvroField> absent = new ArrayList<>();
        for (int d = 0; d < declared.length; d++) {
            if (found[d]) {
                continue;
            }
            if (!declared[d].hasDefault) {
                return mismatch(new RejectedRecordException(BadRecordReason.SCHEMA_MISMATCH, "schema id " + schemaId
                    + " has no field '" + declared[d].name + "' and the decoder declares no default for it: declare"
                    + " a default for fields that older producers lack"));
            }
            absent.add(declared[d]);
        }
        return new AvroPlan(steps, absent.toArray(new AvroField[0]));
    }

    private static int indexOf(AvroField[] declared, String name) {
        for (int d = 0; d < declared.length; d++) {
            if (declared[d].name.equals(name)) {
                return d;
            }
        }
        return -1;
    }

    static String kindName(int kind) {
        switch (kind) {
            case AvroField.LONG:
                return "a long";
            case AvroField.TIMESTAMP_MS:
                return "a timestamp";
            case AvroField.DOUBLE:
                return "a double";
            case AvroField.BOOLEAN:
                return "a boolean";
            case AvroField.STRING:
                return "a string";
            default:
                return "an enum";
        }
    }

    private static String describe(Schema s) {
        LogicalType l = s.getLogicalType();
        return s.getType() == Schema.Type.UNION ? "a union " + s.getTypes().stream().map(t -> t.getType().getName())
            .toList() : "a " + s.getType().getName() + (l == null ? "" : " (" + l.getName() + ")");
    }

    /** One writer field (or union branch): how to read it. */
    private static final class Step {
        static final int SKIP = 0;
        /** int or long into a long setter, divided by {@link #divisor}. */
        static final int VARINT_TO_LONG = 1;
        static final int VARINT_TO_DOUBLE = 2;
        static final int FLOAT_TO_DOUBLE = 3;
        static final int DOUBLE_TO_DOUBLE = 4;
        static final int BOOLEAN = 5;
        static final int BYTES = 6;
        static final int ENUM = 7;
        static final int UNION = 8;
        /** The null branch of a union: the field's default, or the record is rejected. */
        static final int NULL = 9;
        /** A union branch the field cannot be read from: the record is rejected. */
        static final int INCOMPATIBLE = 10;

        final int kind;
        final AvroField field;
        Skipper skipper;
        long divisor = 1;
        /** ENUM: writer ordinal to the declared ordinal, -1 for a symbol not declared. */
        int[] enumMap;
        Step[] branches;
        RejectedRecordException rejection;

        private Step(int kind, AvroField field) {
            this.kind = kind;
            this.field = field;
        }

        static Step skip(Skipper skipper) {
            Step s = new Step(SKIP, null);
            s.skipper = skipper;
            return s;
        }

        /** @return how to read {@code writer} into {@code field}, or null when it cannot be */
        static Step read(AvroField field, Schema writer) {
            if (writer.getType() == Schema.Type.UNION) {
                List<Schema> types = writer.getTypes();
                Step s = new Step(UNION, field);
                s.branches = new Step[types.size()];
                boolean any = false;
                for (int i = 0; i < s.branches.length; i++) {
                    Schema t = types.get(i);
                    Step b = t.getType() == Schema.Type.NULL ? new Step(NULL, field) : read(field, t);
                    if (b == null) {
                        b = new Step(INCOMPATIBLE, field);
                        b.rejection = new RejectedRecordException(BadRecordReason.SCHEMA_MISMATCH, "field '"
                            + field.name + "' holds its union's " + t.getType().getName() + " branch, which cannot"
                            + " be read as " + kindName(field.kind));
                    } else {
                        any |= b.kind != NULL;
                    }
                    s.branches[i] = b;
                }
                return any ? s : null;
            }
            Schema.Type w = writer.getType();
            switch (field.kind) {
                case AvroField.LONG:
                    return w == Schema.Type.INT || w == Schema.Type.LONG ? new Step(VARINT_TO_LONG, field) : null;
                case AvroField.TIMESTAMP_MS: {
                    if (w != Schema.Type.INT && w != Schema.Type.LONG) {
                        return null;
                    }
                    Step s = new Step(VARINT_TO_LONG, field);
                    LogicalType l = writer.getLogicalType();
                    String name = l == null ? "" : l.getName();
                    if (name.endsWith("timestamp-micros")) {
                        s.divisor = 1_000L;
                    } else if (name.endsWith("timestamp-nanos")) {
                        s.divisor = 1_000_000L;
                    }
                    return s;
                }
                case AvroField.DOUBLE:
                    switch (w) {
                        case DOUBLE:
                            return new Step(DOUBLE_TO_DOUBLE, field);
                        case FLOAT:
                            return new Step(FLOAT_TO_DOUBLE, field);
                        case INT:
                        case LONG:
                            return new Step(VARINT_TO_DOUBLE, field);
                        default:
                            return null;
                    }
                case AvroField.BOOLEAN:
                    return w == Schema.Type.BOOLEAN ? new Step(BOOLEAN, field) : null;
                case AvroField.STRING:
                    return w == Schema.Type.STRING || w == Schema.Type.BYTES ? new Step(BYTES, field) : null;
                default: {
                    if (w != Schema.Type.ENUM) {
                        return null;
                    }
                    Step s = new Step(ENUM, field);
                    List<String> symbols = writer.getEnumSymbols();
                    s.enumMap = new int[symbols.size()];
                    for (int i = 0; i < s.enumMap.length; i++) {
                        s.enumMap[i] = List.of(field.symbols).indexOf(symbols.get(i));
                    }
                    s.rejection = new RejectedRecordException(BadRecordReason.SCHEMA_MISMATCH, "field '" + field.name
                        + "' holds an enum symbol the decoder does not declare and it declares no default: add the"
                        + " symbol or a default");
                    return s;
                }
            }
        }

        int read(byte[] b, int pos, int end, Object event) throws RejectedRecordException {
            switch (kind) {
                case SKIP:
                    return skipper.skip(b, pos, end);
                case VARINT_TO_LONG: {
                    // The varint decoded in one pass here (the most common step): value and end together.
                    long raw = 0;
                    int shift = 0;
                    int bt;
                    do {
                        if (shift > 63) {
                            throw WireReader.MALFORMED_VARINT;
                        }
                        bt = b[pos++];
                        raw |= (long) (bt & 0x7F) << shift;
                        shift += 7;
                    } while ((bt & 0x80) != 0);
                    long v = (raw >>> 1) ^ -(raw & 1);
                    field.setLong(event, divisor == 1 ? v : Math.floorDiv(v, divisor));
                    return pos;
                }
                case VARINT_TO_DOUBLE:
                    field.setDouble(event, WireReader.varLong(b, pos));
                    return WireReader.skipVarint(b, pos);
                case FLOAT_TO_DOUBLE:
                    field.setDouble(event, WireReader.readFloat(b, pos));
                    return pos + 4;
                case DOUBLE_TO_DOUBLE:
                    field.setDouble(event, WireReader.readDouble(b, pos));
                    return pos + 8;
                case BOOLEAN: {
                    int v = b[pos];
                    if ((v & ~1) != 0) {
                        throw WireReader.BAD_BOOLEAN;
                    }
                    field.setBoolean(event, v == 1);
                    return pos + 1;
                }
                case BYTES: {
                    int first = b[pos];
                    long length;
                    if (first >= 0) {
                        length = (first >>> 1) ^ -(first & 1); // a one-byte length: strings under 64 bytes
                        pos++;
                    } else {
                        length = WireReader.varLong(b, pos);
                        pos = WireReader.skipVarint(b, pos);
                    }
                    WireReader.checkLength(length, pos, end);
                    field.setBytes(event, b, pos, (int) length);
                    return pos + (int) length;
                }
                case ENUM: {
                    long ordinal = WireReader.varLong(b, pos);
                    if (ordinal < 0 || ordinal >= enumMap.length) {
                        throw WireReader.BAD_ENUM_INDEX;
                    }
                    int mapped = enumMap[(int) ordinal];
                    if (mapped >= 0) {
                        field.setInt(event, mapped);
                    } else if (field.hasDefault) {
                        field.applyDefault(event);
                    } else {
                        throw rejection;
                    }
                    return WireReader.skipVarint(b, pos);
                }
                case UNION: {
                    int first = b[pos];
                    long branch;
                    if (first >= 0) {
                        branch = (first >>> 1) ^ -(first & 1); // indexes 0..63 take one byte
                        pos++;
                    } else {
                        branch = WireReader.varLong(b, pos);
                        pos = WireReader.skipVarint(b, pos);
                    }
                    if (branch < 0 || branch >= branches.length) {
                        throw WireReader.BAD_UNION_INDEX;
                    }
                    return branches[(int) branch].read(b, pos, end, event);
                }
                case NULL:
                    field.applyDefault(event);
                    return pos;
                default:
                    throw rejection;
            }
        }
    }
}
