package io.freshet.store.internal;

/**
 * The switch that lets the apply-cost harness ({@code ApplyCheckCostHarness}, sdk-store's tests) measure what the
 * undo record's and the applied offsets' checks cost, by alternating batches of applies on one store with the checks
 * written and not written, in one JVM.
 *
 * <p>Nothing but that harness writes {@link #enabled}: it is package-private, no property or option reaches it, and a
 * store applied with it off fails its own checks after a kill (which the harness's test shows). On the apply path it
 * is one read of a static field and a branch that always goes the same way: a perfectly predicted branch on a line
 * the apply keeps in L1.
 *
 * <p>Threading: written by the harness between batches, on the applying thread; internal.
 */
final class ApplyChecks {
    /** Whether applies write their undo record's check and their applied offsets' checks; always true outside it. */
    static boolean enabled = true;

    private ApplyChecks() {
    }
}
