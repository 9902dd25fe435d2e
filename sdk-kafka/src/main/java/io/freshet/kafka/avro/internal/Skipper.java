package io.freshet.kafka.avro.internal;

import io.freshet.kafka.RejectedRecordException;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * Skips one value of a writer's type that the decoder does not read: compiled once from the writer's schema into a
 * tree of these nodes, then walked per record without allocation.
 *
 * <p>Threading: immutable after {@link #of}. A recursive writer schema (a record containing itself through a union
 * or array) compiles to a cyclic tree; skipping terminates because every level consumes bytes.
 */
final class Skipper {
    private static final int NULL = 0;
    private static final int FIXED_SIZE = 1;
    private static final int VARINT = 2;
    private static final int LENGTH_PREFIXED = 3;
    private static final int RECORD = 4;
    private static final int UNION = 5;
    private static final int ARRAY = 6;
    private static final int MAP = 7;

    private final int kind;
    /** FIXED_SIZE: bytes per value; for any kind, the constant size of a value, or -1 when it varies. */
    private int constantSize;
    private Skipper[] children;

    private Skipper(int kind, int constantSize) {
        this.kind = kind;
        this.constantSize = constantSize;
    }

    /**
     * @param schema a writer's type
     * @return its skipper
     */
    static Skipper of(Schema schema) {
        return of(schema, new IdentityHashMap<>());
    }

    private static Skipper of(Schema schema, Map<Schema, Skipper> records) {
        switch (schema.getType()) {
            case NULL:
                return new Skipper(NULL, 0);
            case BOOLEAN:
                return new Skipper(FIXED_SIZE, 1);
            case FLOAT:
                return new Skipper(FIXED_SIZE, 4);
            case DOUBLE:
                return new Skipper(FIXED_SIZE, 8);
            case FIXED:
                return new Skipper(FIXED_SIZE, schema.getFixedSize());
            case INT:
            case LONG:
            case ENUM:
                return new Skipper(VARINT, -1);
            case STRING:
            case BYTES:
                return new Skipper(LENGTH_PREFIXED, -1);
            case UNION: {
                Skipper s = new Skipper(UNION, -1);
                List<Schema> branches = schema.getTypes();
                s.children = new Skipper[branches.size()];
                for (int i = 0; i < s.children.length; i++) {
                    s.children[i] = of(branches.get(i), records);
                }
                return s;
            }
            case ARRAY: {
                Skipper s = new Skipper(ARRAY, -1);
                s.children = new Skipper[] {of(schema.getElementType(), records)};
                return s;
            }
            case MAP: {
                Skipper s = new Skipper(MAP, -1);
                s.children = new Skipper[] {new Skipper(LENGTH_PREFIXED, -1), of(schema.getValueType(), records)};
                return s;
            }
            case RECORD: {
                Skipper known = records.get(schema);
                if (known != null) {
                    return known; // recursion: the same node, its size left variable
                }
                Skipper s = new Skipper(RECORD, -1);
                records.put(schema, s);
                List<Schema.Field> fields = schema.getFields();
                s.children = new Skipper[fields.size()];
                int size = 0;
                for (int i = 0; i < s.children.length; i++) {
                    s.children[i] = of(fields.get(i).schema(), records);
                    int c = s.children[i].constantSize;
                    size = size < 0 || c < 0 ? -1 : size + c;
                }
                s.constantSize = size;
                return s;
            }
            default:
                throw new IllegalArgumentException("unsupported Avro type " + schema.getType());
        }
    }

    /**
     * @param b the value
     * @param pos where this node's value starts
     * @param end the value's end
     * @return the position after it (may exceed {@code end} for fixed sizes: the caller checks at the end)
     * @throws RejectedRecordException when malformed or truncated
     */
    int skip(byte[] b, int pos, int end) throws RejectedRecordException {
        switch (kind) {
            case NULL:
                return pos;
            case FIXED_SIZE:
                if (constantSize > end - pos) {
                    throw WireReader.TRUNCATED;
                }
                return pos + constantSize;
            case VARINT:
                return WireReader.skipVarint(b, pos);
            case LENGTH_PREFIXED: {
                long length = WireReader.varLong(b, pos);
                pos = WireReader.skipVarint(b, pos);
                WireReader.checkLength(length, pos, end);
                return pos + (int) length;
            }
            case RECORD:
                if (constantSize >= 0) {
                    if (constantSize > end - pos) {
                        throw WireReader.TRUNCATED;
                    }
                    return pos + constantSize;
                }
                for (Skipper c : children) {
                    pos = c.skip(b, pos, end);
                }
                return pos;
            case UNION: {
                long branch = WireReader.varLong(b, pos);
                pos = WireReader.skipVarint(b, pos);
                if (branch < 0 || branch >= children.length) {
                    throw WireReader.BAD_UNION_INDEX;
                }
                return children[(int) branch].skip(b, pos, end);
            }
            default:
                return skipBlocks(b, pos, end);
        }
    }

    /** Arrays and maps: blocks of (count, items), a negative count followed by the block's size in bytes. */
    private int skipBlocks(byte[] b, int pos, int end) throws RejectedRecordException {
        final Skipper item = children[children.length - 1];
        while (true) {
            long count = WireReader.varLong(b, pos);
            pos = WireReader.skipVarint(b, pos);
            if (count == 0) {
                return pos;
            }
            if (count < 0) {
                long size = WireReader.varLong(b, pos);
                pos = WireReader.skipVarint(b, pos);
                WireReader.checkLength(size, pos, end);
                pos += (int) size;
                continue;
            }
            if (kind == ARRAY && item.constantSize >= 0) {
                // Items of one constant size (nulls take none): no loop, so a huge count cannot spin.
                long bytes = count * item.constantSize;
                if (count > Integer.MAX_VALUE || bytes > end - pos) {
                    throw WireReader.TRUNCATED;
                }
                pos += (int) bytes;
                continue;
            }
            for (long i = 0; i < count; i++) {
                if (pos >= end) {
                    throw WireReader.TRUNCATED; // every item here takes at least one byte
                }
                if (kind == MAP) {
                    pos = children[0].skip(b, pos, end);
                }
                pos = item.skip(b, pos, end);
            }
        }
    }
}
