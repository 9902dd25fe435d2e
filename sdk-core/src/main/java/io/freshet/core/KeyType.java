package io.freshet.core;

/** The type of a feature set's entity key. */
public enum KeyType {
    /** A 64-bit signed integer key. */
    LONG,
    /** A text key, stored as UTF-8 of bounded length. */
    TEXT
}
