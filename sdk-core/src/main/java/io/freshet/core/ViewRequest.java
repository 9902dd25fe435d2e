package io.freshet.core;

import java.util.Arrays;
import java.util.Objects;

/**
 * The keys and parameters of one request to a {@link FeatureView}: a caller-owned, reusable holder of primitive
 * slots (a long or a text key per key slot, a double per parameter slot), resolved once by name with
 * {@link FeatureView#keySlot} and {@link FeatureView#paramSlot}. Create with {@link FeatureView#newRequest()}.
 *
 * <p>Every key must be set (or declared absent with {@link #noKey}) before a read; a parameter left unset (or set to
 * NaN) reads as missing and makes the request-time features that use it missing. Values stay until overwritten or
 * {@link #clear()}ed, so a thread sets what changes per request. A text key is held by reference (not copied) until
 * the read returns.
 *
 * <p>Threading: not thread-safe; one per reading thread. Allocation: none.
 */
public final class ViewRequest {
    final FeatureView view;
    final long[] longKeys;
    final CharSequence[] textKeys;
    /** Per key slot: {@link #UNSET}, {@link #SET} or {@link #ABSENT}. */
    final byte[] keyState;
    static final byte UNSET = 0;
    static final byte SET = 1;
    static final byte ABSENT = 2;
    final double[] params;

    ViewRequest(FeatureView view) {
        this.view = view;
        this.longKeys = new long[view.keyNames.length];
        this.textKeys = new CharSequence[view.keyNames.length];
        this.keyState = new byte[view.keyNames.length];
        this.params = new double[view.paramNames.length];
        clear();
    }

    /** @return the view this request is of */
    public FeatureView view() {
        return view;
    }

    /**
     * @param keySlot a LONG key's slot ({@link FeatureView#keySlot})
     * @param key the entity key
     * @return this
     * @throws IllegalArgumentException when the key is TEXT
     */
    public ViewRequest key(int keySlot, long key) {
        if (view.keyTypes[keySlot] != KeyType.LONG) {
            throw wrongType(keySlot);
        }
        longKeys[keySlot] = key;
        keyState[keySlot] = SET;
        return this;
    }

    /**
     * @param keySlot a TEXT key's slot ({@link FeatureView#keySlot})
     * @param key the entity key (held by reference); null: the request has none ({@link #noKey})
     * @return this
     * @throws IllegalArgumentException when the key is LONG
     */
    public ViewRequest key(int keySlot, CharSequence key) {
        if (view.keyTypes[keySlot] != KeyType.TEXT) {
            throw wrongType(keySlot);
        }
        textKeys[keySlot] = key;
        keyState[keySlot] = key == null ? ABSENT : SET;
        return this;
    }

    /**
     * Says this request has no entity for a key (e.g. a payment without a device): the sets read with it are not read,
     * and their columns read MISSING, as a training label's null key gives.
     *
     * @param keySlot a key's slot
     * @return this
     */
    public ViewRequest noKey(int keySlot) {
        textKeys[keySlot] = null;
        keyState[keySlot] = ABSENT;
        return this;
    }

    private IllegalArgumentException wrongType(int keySlot) {
        return new IllegalArgumentException("view=" + view.name() + " key=" + view.keyNames[keySlot] + " is "
            + view.keyTypes[keySlot] + ": set it with a " + (view.keyTypes[keySlot] == KeyType.LONG ? "long"
            : "CharSequence"));
    }

    /**
     * @param paramSlot a parameter's slot ({@link FeatureView#paramSlot})
     * @param value its value for this request; NaN for unknown (the features that use it read missing)
     * @return this
     */
    public ViewRequest param(int paramSlot, double value) {
        params[paramSlot] = value;
        return this;
    }

    /**
     * @param paramSlot a parameter's slot
     * @return its value, NaN when unset
     */
    public double param(int paramSlot) {
        return params[paramSlot];
    }

    /** Unsets every key and sets every parameter to NaN. */
    public void clear() {
        Arrays.fill(keyState, UNSET);
        Arrays.fill(textKeys, null);
        Arrays.fill(params, Double.NaN);
    }

    /** Throws when a key slot is unset: reading a stale key from the request before would be silently wrong. */
    void checkKeys() {
        for (int i = 0; i < keyState.length; i++) {
            if (keyState[i] == UNSET) {
                throw new IllegalStateException("view=" + view.name() + " request has no key=" + view.keyNames[i]
                    + ": set it with request.key(view.keySlot(\"" + view.keyNames[i] + "\"), value), or say there is "
                    + "none with request.noKey(slot)");
            }
        }
    }

    void checkView(FeatureView v) {
        if (view != Objects.requireNonNull(v, "view can't be null")) {
            throw new IllegalArgumentException("request of view=" + view.name() + " passed for view=" + v.name()
                + ": use view.newRequest()");
        }
    }
}
