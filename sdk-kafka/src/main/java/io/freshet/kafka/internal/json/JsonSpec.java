package io.freshet.kafka.internal.json;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The compiled field declarations of a JSON decoder: the fields by index, and the paths as a trie of object keys so
 * that a document is matched key by key in one pass (a key is compared as raw UTF-8 bytes when it has no escape).
 *
 * <p>Threading: immutable, shared by every thread of a decoder. Allocation: none after construction.
 */
public final class JsonSpec {
    /** A JSON integer into a long. */
    public static final int LONG = 0;
    /** Any JSON number into a double (exactly {@code Double.parseDouble} of the token). */
    public static final int DOUBLE = 1;
    /** {@code true} or {@code false}. */
    public static final int BOOLEAN = 2;
    /** A string, decoded into a caller-owned {@code StringBuilder}. */
    public static final int TEXT = 3;
    /** A string, as the 64-bit hash of its chars. */
    public static final int HASH = 4;
    /** An integer epoch in a declared unit, or an RFC 3339 string, into epoch milliseconds. */
    public static final int TIMESTAMP = 5;
    /** The found-field mask is one long. */
    public static final int MAX_FIELDS = 64;

    /** One declared field. */
    public static final class Field {
        final String path;
        final int type;
        final Object setter;
        final boolean required;
        final long missingLong;
        final double missingDouble;
        final boolean missingBoolean;
        /** TIMESTAMP: milliseconds per unit (1000 for seconds), or 1. */
        final long unitMultiplier;
        /** TIMESTAMP: units per millisecond (1000 for microseconds), or 1. */
        final long unitDivisor;

        /**
         * @param path dotted path
         * @param type one of the type constants
         * @param setter the user's setter (its interface depends on the type)
         * @param required whether a missing field makes the record bad
         * @param missingLong value set when an optional long or hash is missing
         * @param missingDouble value set when an optional double is missing
         * @param missingBoolean value set when an optional boolean is missing
         * @param unitMultiplier milliseconds per unit of a numeric timestamp
         * @param unitDivisor units per millisecond of a numeric timestamp
         */
        public Field(String path, int type, Object setter, boolean required, long missingLong, double missingDouble,
            boolean missingBoolean, long unitMultiplier, long unitDivisor) {
            this.path = path;
            this.type = type;
            this.setter = setter;
            this.required = required;
            this.missingLong = missingLong;
            this.missingDouble = missingDouble;
            this.missingBoolean = missingBoolean;
            this.unitMultiplier = unitMultiplier;
            this.unitDivisor = unitDivisor;
        }

        /** @return the dotted path */
        public String path() {
            return path;
        }
    }

    /** One object level of the path trie. */
    static final class Node {
        /** The dotted path of this object ("" at the root). */
        final String path;
        final byte[][] names;
        final String[] nameStrings;
        /** Per key: the field index, or -1 when the key leads to a nested object ({@link #children}). */
        final int[] fieldIndex;
        final Node[] children;

        /**
         * By {@link #slot} of a key: the one name that may match it, {@link #NONE} or {@link #SEVERAL} (then every
         * name is compared). Most keys of a document are not declared: this rejects them after one lookup.
         */
        final int[] candidates = new int[SLOTS];

        Node(String path, byte[][] names, String[] nameStrings, int[] fieldIndex, Node[] children) {
            this.path = path;
            this.names = names;
            this.nameStrings = nameStrings;
            this.fieldIndex = fieldIndex;
            this.children = children;
            Arrays.fill(candidates, NONE);
            for (int i = 0; i < names.length; i++) {
                byte[] n = names[i];
                int s = n.length == 0 ? slot(0, (byte) 0, (byte) 0) : slot(n.length, n[0], n[n.length - 1]);
                candidates[s] = candidates[s] == NONE ? i : SEVERAL;
            }
        }
    }

    static final int SLOTS = 64;
    static final int NONE = -1;
    static final int SEVERAL = -2;

    /** The candidate slot of a raw key of {@code length} bytes with these first and last bytes. */
    static int slot(int length, byte first, byte last) {
        return (length * 7 + (first & 0xFF) * 31 + (last & 0xFF)) & (SLOTS - 1);
    }

    final Field[] fields;
    final Node root;
    final long requiredMask;

    /** @param fields the declared fields (paths validated by the caller: non-blank, no empty segment) */
    public JsonSpec(List<Field> fields) {
        if (fields.isEmpty()) {
            throw new IllegalArgumentException("no field declared: declare at least one, e.g. longField(\"user.id\","
                + " setter)");
        }
        if (fields.size() > MAX_FIELDS) {
            throw new IllegalArgumentException("fields=" + fields.size() + " > MAX_FIELDS=" + MAX_FIELDS
                + ": split the record into two decoders or declare fewer fields");
        }
        this.fields = fields.toArray(new Field[0]);
        Map<String, Object> tree = new LinkedHashMap<>();
        long mask = 0;
        for (int i = 0; i < this.fields.length; i++) {
            Field f = this.fields[i];
            if (f.required) {
                mask |= 1L << i;
            }
            insert(tree, f.path, i);
        }
        this.requiredMask = mask;
        this.root = freeze("", tree);
    }

    @SuppressWarnings("unchecked")
    private static void insert(Map<String, Object> tree, String path, int index) {
        String[] segments = path.split("\\.", -1);
        Map<String, Object> level = tree;
        for (int s = 0; s < segments.length; s++) {
            String seg = segments[s];
            Object existing = level.get(seg);
            boolean last = s == segments.length - 1;
            if (last) {
                if (existing != null) {
                    throw new IllegalArgumentException("path=" + path + " is declared twice or also holds nested"
                        + " fields: declare each path once, and a path either as a field or as an object");
                }
                level.put(seg, index);
            } else {
                if (existing instanceof Integer) {
                    throw new IllegalArgumentException("path=" + path + " goes through a declared field: declare a"
                        + " path either as a field or as an object");
                }
                if (existing == null) {
                    existing = new LinkedHashMap<String, Object>();
                    level.put(seg, existing);
                }
                level = (Map<String, Object>) existing;
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Node freeze(String path, Map<String, Object> level) {
        int n = level.size();
        byte[][] names = new byte[n][];
        String[] strings = new String[n];
        int[] index = new int[n];
        Node[] children = new Node[n];
        List<Map.Entry<String, Object>> entries = new ArrayList<>(level.entrySet());
        for (int i = 0; i < n; i++) {
            Map.Entry<String, Object> e = entries.get(i);
            strings[i] = e.getKey();
            names[i] = e.getKey().getBytes(StandardCharsets.UTF_8);
            if (e.getValue() instanceof Integer) {
                index[i] = (Integer) e.getValue();
            } else {
                index[i] = -1;
                children[i] = freeze(path.isEmpty() ? e.getKey() : path + "." + e.getKey(),
                    (Map<String, Object>) e.getValue());
            }
        }
        return new Node(path, names, strings, index, children);
    }

    /** @return the number of fields */
    public int fieldCount() {
        return fields.length;
    }
}
