package io.freshet.core;

/**
 * Receives the entries of a served-feature log ({@link FeatureLog#scan}), each as the vector the reader returned.
 *
 * <p>Threading: called on the scanning thread. The vector and the text key are reused for the next entry: copy what
 * you keep.
 */
@FunctionalInterface
public interface ServedReadVisitor {
    /**
     * @param requestId the request id the caller logged the read with
     * @param key the key (a LONG set), or 0 for a TEXT set
     * @param textKey the key (a TEXT set), or null for a LONG set
     * @param served the vector as served: status, read time, every value with its event time
     */
    void visit(long requestId, long key, CharSequence textKey, FeatureVector served);
}
