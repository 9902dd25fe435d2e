package io.freshet.core;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

/**
 * How a categorical feature ({@link FeatureSetBuilder#latestCategory}, {@link FeatureSetBuilder#lastNCategories})
 * stores its values and how {@link FeatureVector#copyTo(double[])} hands them to a model. Two storages:
 * <ul>
 *   <li>a declared dictionary ({@link #of(String...)}, {@link #of(Class)}): a value is stored as its id, the
 *       position of its name in the declaration (0, 1, ...); a value not in the dictionary is stored as
 *       {@link #otherId()} ({@code size()}, read as the name {@link #OTHER}) and counted in
 *       {@link FeatureVector#categoryMisses}. 8 bytes per value in the row. Model input: the id ({@link #index()},
 *       the default: one column) or one-hot ({@link #oneHot()}: {@code size() + 1} columns, the declared names in
 *       order, then {@link #OTHER}).</li>
 *   <li>fixed-width UTF-8 ({@link #utf8(int)}): any text, stored as up to {@code maxBytes} UTF-8 bytes; a longer
 *       value is cut at the last whole code point that fits (never mid-character) and counted in
 *       {@link FeatureVector#categoryMisses}. {@code 8 + maxBytes} bytes per value (padded to 8). It has no model
 *       form: its column in {@code copyTo} is NaN, and asking for {@link #index()} or {@link #oneHot()} is refused
 *       when the feature is declared.</li>
 * </ul>
 *
 * <p>Immutable and thread-safe. {@link #idOf(CharSequence)} allocates nothing (it hashes the characters and compares
 * them in place), so an extractor may return a reused {@code StringBuilder} or a decoder's flyweight; for an enum
 * field return {@code e.field().name()}, which is the constant's own string.
 */
public final class Categories {
    /** The name a value outside the dictionary reads as (a dictionary may not declare it). */
    public static final String OTHER = "__other__";
    /** At most this many names in a dictionary. */
    public static final int MAX_DICTIONARY = 1024;
    /** The largest {@link #utf8(int)} width, in bytes. */
    public static final int MAX_UTF8_BYTES = 256;

    /** Model input form. */
    enum Encoding {
        INDEX, ONE_HOT, NONE
    }

    private final String[] names;
    private final int maxBytes;
    private final Encoding encoding;
    /** Whether the caller asked for a model form explicitly (refused for UTF-8). */
    private final boolean encodingRequested;
    /** Open addressing: slot -> id + 1 (0 = empty), a power of two at least twice the names. */
    private final int[] table;

    private Categories(String[] names, int maxBytes, Encoding encoding, boolean encodingRequested) {
        this.names = names;
        this.maxBytes = maxBytes;
        this.encoding = encoding;
        this.encodingRequested = encodingRequested;
        if (names == null) {
            table = null;
        } else {
            int cap = Integer.highestOneBit(Math.max(2, names.length) * 2 - 1) << 1;
            table = new int[cap];
            for (int id = 0; id < names.length; id++) {
                int s = hash(names[id]) & (cap - 1);
                while (table[s] != 0) {
                    s = (s + 1) & (cap - 1);
                }
                table[s] = id + 1;
            }
        }
    }

    /**
     * A dictionary of names; a value's id is its position here.
     *
     * @param names 1 to {@value #MAX_DICTIONARY} distinct, non-empty names, not {@link #OTHER}
     * @return index-form dictionary storage
     * @throws FeatureDefinitionException when the names are empty, repeated or too many
     */
    public static Categories of(String... names) {
        Objects.requireNonNull(names, "names can't be null");
        if (names.length == 0 || names.length > MAX_DICTIONARY) {
            throw new FeatureDefinitionException("categories count=" + names.length + " is out of range: declare 1.."
                + MAX_DICTIONARY + " names, or use Categories.utf8(maxBytes) for open-ended text");
        }
        Set<String> seen = new HashSet<>();
        for (String n : names) {
            Objects.requireNonNull(n, "category name can't be null");
            if (n.isEmpty() || OTHER.equals(n)) {
                throw new FeatureDefinitionException("category name=\"" + n + "\" is reserved: values outside the "
                    + "dictionary read as " + OTHER + "; drop it from the list");
            }
            if (!seen.add(n)) {
                throw new FeatureDefinitionException("category name=\"" + n + "\" is declared twice: ids are "
                    + "positions, so each name must appear once");
            }
        }
        return new Categories(names.clone(), 0, Encoding.INDEX, false);
    }

    /**
     * A dictionary of an enum's constant names, in ordinal order (so a constant's id is its ordinal).
     *
     * @param type the enum
     * @param <T> its type
     * @return index-form dictionary storage
     */
    public static <T extends Enum<T>> Categories of(Class<T> type) {
        Objects.requireNonNull(type, "enum type can't be null");
        T[] constants = type.getEnumConstants();
        String[] n = new String[constants.length];
        for (int i = 0; i < n.length; i++) {
            n[i] = constants[i].name();
        }
        return of(n);
    }

    /**
     * Fixed-width UTF-8 text storage.
     *
     * @param maxBytes 1 to {@value #MAX_UTF8_BYTES}: longer values are cut at a code point boundary and counted
     * @return UTF-8 storage (no model form)
     */
    public static Categories utf8(int maxBytes) {
        if (maxBytes < 1 || maxBytes > MAX_UTF8_BYTES) {
            throw new FeatureDefinitionException("utf8 maxBytes=" + maxBytes + " is out of range: use 1.."
                + MAX_UTF8_BYTES);
        }
        return new Categories(null, maxBytes, Encoding.NONE, false);
    }

    /** @return the same storage, handed to models as one 0/1 column per name plus one for {@link #OTHER} */
    public Categories oneHot() {
        return new Categories(names, maxBytes, names == null ? Encoding.NONE : Encoding.ONE_HOT, true);
    }

    /** @return the same storage, handed to models as the id in one column */
    public Categories index() {
        return new Categories(names, maxBytes, names == null ? Encoding.NONE : Encoding.INDEX, true);
    }

    /** @return true for a dictionary, false for fixed-width UTF-8 */
    public boolean isDictionary() {
        return names != null;
    }

    /** @return true when a dictionary goes to models one-hot */
    public boolean isOneHot() {
        return encoding == Encoding.ONE_HOT;
    }

    /** @return the dictionary's size (0 for UTF-8) */
    public int size() {
        return names == null ? 0 : names.length;
    }

    /** @return the UTF-8 width in bytes (0 for a dictionary) */
    public int maxBytes() {
        return maxBytes;
    }

    /** @return the id values outside the dictionary get: {@link #size()} */
    public int otherId() {
        return size();
    }

    /**
     * @param id 0 to {@link #size()}
     * @return the name of an id ({@link #OTHER} for {@link #otherId()})
     */
    public String name(int id) {
        if (names == null || id < 0 || id > names.length) {
            throw new IllegalArgumentException("id=" + id + " is not in this dictionary of size=" + size());
        }
        return id == names.length ? OTHER : names[id];
    }

    /**
     * The id of a value, without allocating.
     *
     * @param value the value
     * @return its id, or {@link #otherId()} when it is not in the dictionary
     */
    public int idOf(CharSequence value) {
        if (names == null) {
            throw new IllegalStateException("utf8 storage has no ids");
        }
        final int mask = table.length - 1;
        int s = hash(value) & mask;
        int e;
        while ((e = table[s]) != 0) {
            if (names[e - 1].contentEquals(value)) {
                return e - 1;
            }
            s = (s + 1) & mask;
        }
        return names.length;
    }

    /** String.hashCode over any CharSequence, then spread: no allocation. */
    private static int hash(CharSequence cs) {
        int h = 0;
        for (int i = 0, n = cs.length(); i < n; i++) {
            h = 31 * h + cs.charAt(i);
        }
        return h ^ (h >>> 16);
    }

    boolean encodingRequested() {
        return encodingRequested;
    }

    @Override
    public String toString() {
        return names == null ? "Categories.utf8(" + maxBytes + ")"
            : "Categories.of(" + String.join(", ", Arrays.asList(names)) + ")" + (isOneHot() ? ".oneHot()" : "");
    }
}
