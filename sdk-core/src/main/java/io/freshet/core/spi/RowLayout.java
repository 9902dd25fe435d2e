package io.freshet.core.spi;

import io.freshet.core.KeyType;
import io.freshet.core.internal.CoreInternals;
import io.freshet.core.internal.kernel.Accumulators;
import io.freshet.core.internal.kernel.CompiledLayout;

/**
 * What a store engine needs to know of a feature set: the fixed row size, how to initialise a row, the key type,
 * the fingerprint it must keep in its header, and where the row's last-update time lives (for TTL). Obtained from
 * {@code StoreConfig.layout()}; only the SDK creates one ({@code CoreInternals.newRowLayout}). Immutable and
 * thread-safe.
 */
public final class RowLayout {
    static {
        CoreInternals.registerRowLayoutFactory(RowLayout::new);
    }

    private final CompiledLayout layout;
    private final String setName;
    private final KeyType keyType;
    private final long fingerprint;
    private final String canonicalForm;
    private final long ttlMs;

    /**
     * Created for {@code FeatureSet}; engines receive it, they do not build it.
     *
     * @param layout compiled layout
     * @param setName set name
     * @param keyType key type
     * @param fingerprint fingerprint
     * @param canonicalForm canonical form
     * @param ttlMs time to live, {@code Long.MAX_VALUE} for none
     */
    private RowLayout(CompiledLayout layout, String setName, KeyType keyType, long fingerprint, String canonicalForm,
        long ttlMs) {
        this.layout = layout;
        this.setName = setName;
        this.keyType = keyType;
        this.fingerprint = fingerprint;
        this.canonicalForm = canonicalForm;
        this.ttlMs = ttlMs;
    }

    /** @return row size in bytes (a multiple of 8) */
    public int rowSizeBytes() {
        return layout.rowSizeBytes;
    }

    /** @return the feature set's name */
    public String setName() {
        return setName;
    }

    /** @return the key type */
    public KeyType keyType() {
        return keyType;
    }

    /** @return the fingerprint a store must match */
    public long fingerprint() {
        return fingerprint;
    }

    /** @return the canonical form (engines may store it beside the fingerprint, for error messages) */
    public String canonicalForm() {
        return canonicalForm;
    }

    /** @return time to live of an idle row in ms, {@code Long.MAX_VALUE} for none */
    public long ttlMs() {
        return ttlMs;
    }

    /**
     * Writes an empty row (every feature with no events).
     *
     * @param row a row of {@link #rowSizeBytes()} bytes
     */
    public void initRow(RowBuffer row) {
        Accumulators.initRow(layout, row);
    }

    /**
     * @param row a row
     * @return the applying clock at its last update, epoch ms (0 for a row never applied to)
     */
    public long lastApplyMs(RowBuffer row) {
        return row.getLong(CompiledLayout.ROW_LAST_APPLY_MS);
    }
}
