package io.freshet.core;

import java.util.Arrays;
import java.util.Objects;

/**
 * The keys and parameters of one request to a {@link FeatureView}: a caller-owned, reusable holder of primitive
 * slots (a long or a text key per key slot, a double per parameter slot), resolved once by name with
 * {@link FeatureView#keySlot} and {@link FeatureView#paramSlot}. Create with {@link FeatureView#newRequest()}.
 *
 * <p>Every key must be set before a read; a parameter left unset (or set to NaN) reads as missing and makes the
 * request-time features that use it missing. Values stay until overwritten or {@link #clear()}ed, so a thread sets
 * what changes per request. A text key is held by reference (not copied) until the read returns.
 *
 * <p>Threading: not thread-safe; one per reading thread. Allocation: none.
 */
public final class ViewRequest {
    final FeatureView view;
    final long[] longKeys;
    final CharSequence[] textKeys;
    final boolean[] keySet;
    final double[] params;

    ViewRequest(FeatureView view) {
        this.view = view;
        this.longKeys = new long[view.keyNames.length];
        this.textKeys = new CharSequence[view.keyNames.length];
        this.keySet = new boolean[view.keyNames.length];
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
        keySet[keySlot] = true;
        return this;
    }

    /**
     * @param keySlot a TEXT key's slot ({@link FeatureView#keySlot})
     * @param key the entity key (held by reference); null leaves the key unset
     * @return this
     * @throws IllegalArgumentException when the key is LONG
     */
    public ViewRequest key(int keySlot, CharSequence key) {
        if (view.keyTypes[keySlot] != KeyType.TEXT) {
            throw wrongType(keySlot);
        }
        textKeys[keySlot] = key;
        keySet[keySlot] = key != null;
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
        Arrays.fill(keySet, false);
        Arrays.fill(textKeys, null);
        Arrays.fill(params, Double.NaN);
    }

    /** Throws when a key slot is unset: reading a stale key from the request before would be silently wrong. */
    void checkKeys() {
        for (int i = 0; i < keySet.length; i++) {
            if (!keySet[i]) {
                throw new IllegalStateException("view=" + view.name() + " request has no key=" + view.keyNames[i]
                    + ": set it with request.key(view.keySlot(\"" + view.keyNames[i] + "\"), value)");
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
