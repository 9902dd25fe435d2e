package io.freshet.examples;

import io.freshet.core.FeatureKind;
import io.freshet.core.FeatureRef;
import io.freshet.core.FeatureVector;
import io.freshet.core.ViewVector;
import java.util.List;

/**
 * A served vector as bits, for the zero-skew check: the status, the row's newest event time, and per feature its
 * size, every value's bits (longs as they are, doubles as their raw IEEE bits) and every value's event time. Two
 * images are equal when a model sees the same input and the same ages.
 *
 * <p>Not in the image: the row's update time ({@link FeatureVector#rowUpdatedMs()}), the clock of the applier when it
 * applied the row's last record. Live that is the time of applying, a few ms after the broker appended the record;
 * a training row applies each record at its known time (README "Training rows", rule 2), so they differ by the
 * pipeline's freshness delay and nothing that reads a value depends on it here (staleness is 10 minutes).
 */
final class VectorImage {
    private VectorImage() {
    }

    /**
     * @param v a vector
     * @return its image, a new array
     */
    static long[] of(FeatureVector v) {
        List<FeatureRef> refs = v.featureSet().refs();
        int n = 2;
        for (FeatureRef r : refs) {
            n += 1 + (r.kind() == FeatureKind.TOP_K ? 3 : 2) * Math.max(1, v.size(r));
        }
        long[] image = new long[n];
        int i = 0;
        image[i++] = v.status().ordinal();
        image[i++] = v.rowEventTimeMs();
        for (FeatureRef r : refs) {
            int size = v.size(r);
            image[i++] = size;
            if (r.kind() == FeatureKind.LAST_N) {
                for (int p = 0; p < Math.max(1, size); p++) {
                    image[i++] = v.getLong(r, p);
                    image[i++] = v.eventTimeMs(r, p);
                }
            } else if (r.kind() == FeatureKind.TOP_K) {
                for (int p = 0; p < Math.max(1, size); p++) {
                    image[i++] = v.getLong(r, p);
                    image[i++] = v.getCount(r, p);
                    image[i++] = v.eventTimeMs(r, p);
                }
            } else {
                image[i++] = r.kind().valueType() == FeatureKind.ValueType.LONG ? v.getLong(r)
                    : Double.doubleToRawLongBits(v.getDouble(r));
                image[i++] = v.eventTimeMs(r);
            }
        }
        return image;
    }

    /**
     * The image of a view's vector: the source set's vector as read (its {@link #of(FeatureVector)}), then per column
     * of the view its value's raw bits, its status and its event time.
     *
     * @param set the view's source set's vector (for a live read, {@code ViewVector.vectorOf(set)}; for a training
     *     row, the row's vector the view was assembled from)
     * @param v the view's vector
     * @return its image, a new array
     */
    static long[] of(FeatureVector set, ViewVector v) {
        long[] source = of(set);
        long[] image = new long[source.length + 3 * v.width()];
        System.arraycopy(source, 0, image, 0, source.length);
        int i = source.length;
        for (int c = 0; c < v.width(); c++) {
            image[i++] = Double.doubleToRawLongBits(v.getDouble(c));
            image[i++] = v.status(c).ordinal();
            image[i++] = v.eventTimeMs(c);
        }
        return image;
    }
}
