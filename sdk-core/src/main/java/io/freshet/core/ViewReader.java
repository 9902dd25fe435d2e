package io.freshet.core;

import java.util.Objects;

/**
 * Reads a {@link FeatureView}: per request, each source set once (through its {@link FeatureReader}, with the
 * request's key for it) into the caller's {@link ViewVector}, then the request-time features from the request's
 * parameters. Obtain one from {@link FeatureView#reader(FeatureReader...)}.
 *
 * <p>Cost: the sum of the sets' single reads plus one pass over the columns (the JMH benchmark
 * {@code ViewReadBenchmark} compares it with the separate reads in the same run). The sets are read one after the
 * other, each at its reader's clock, so a view is not one snapshot across sets; each column's age is measured at its
 * own set's read.
 *
 * <p>Threading: thread-safe; any number of threads may read at once, each with its own request and vector.
 * Allocation: none per read.
 */
public final class ViewReader {
    private final FeatureView view;
    private final FeatureReader[] readers;

    ViewReader(FeatureView view, FeatureReader[] readers) {
        this.view = view;
        this.readers = readers;
    }

    /** @return the view it reads */
    public FeatureView view() {
        return view;
    }

    /**
     * Reads every source set for the request's keys and evaluates every column into {@code into}.
     *
     * @param request the keys (all set) and parameters of this request
     * @param into the caller's vector of this view
     * @return how many of the source sets have a row for their key
     * @throws IllegalStateException when a key of the request is neither set nor declared absent
     * @throws IllegalArgumentException when the request or the vector is of another view
     */
    public int read(ViewRequest request, ViewVector into) {
        Objects.requireNonNull(request, "request can't be null");
        Objects.requireNonNull(into, "into can't be null");
        request.checkView(view);
        if (into.view() != view) {
            throw new IllegalArgumentException("vector of view=" + into.view().name() + " passed to reader of view="
                + view.name() + ": use view.newVector()");
        }
        request.checkKeys();
        final FeatureView v = view;
        final FeatureVector[] parts = into.parts;
        final FeatureVector[] read = into.readParts;
        int found = 0;
        for (int i = 0; i < readers.length; i++) {
            final int slot = v.sourceKeySlot[i];
            if (request.keyState[slot] == ViewRequest.ABSENT) {
                read[i] = null; // no entity for this set in the request: its columns read MISSING
                continue;
            }
            read[i] = parts[i];
            final boolean present = v.keyTypes[slot] == KeyType.LONG
                ? readers[i].read(request.longKeys[slot], parts[i])
                : readers[i].read(request.textKeys[slot], parts[i]);
            if (present) {
                found++;
            }
        }
        into.fill(read, request);
        return found;
    }

    @Override
    public String toString() {
        return "ViewReader{view=" + view.name() + "}";
    }
}
