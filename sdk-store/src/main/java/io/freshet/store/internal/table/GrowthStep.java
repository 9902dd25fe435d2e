package io.freshet.store.internal.table;

import java.util.function.Consumer;

/**
 * The named steps of a table store's growth, in order. A test can stop the thread that reaches one (and SIGKILL the
 * process there) to prove that a kill at every step reopens to a consistent store.
 *
 * <p>Internal. The hook is test-only: null outside tests, and then each step costs one static load and a null check
 * (once per step of a growth, and once per batch of rows copied while a shard grows; nothing while no growth runs).
 */
enum GrowthStep {
    /** The next generation's file is being written under its temporary name (header written, zeros not yet). */
    NEXT_FILE_WRITING,
    /** The next file is complete and in place under its own name; the meta file does not name it yet. */
    NEXT_FILE_WRITTEN,
    /** The meta file names both generations and a shard's writer has copied some of its old rows, not all. */
    COPYING,
    /** Every shard copied its rows; the meta file still names both generations. */
    COPIED,
    /** The meta file names the new generation alone; the old generation's file is not deleted yet. */
    META_UPDATED;

    /**
     * Test-only: called on the thread that reached a step (set before the store is opened or its writers are used,
     * so the threads that reach steps see it). Null, the default, calls nothing.
     */
    static Consumer<GrowthStep> hook;

    /** @param step the step the calling thread reached */
    static void reached(GrowthStep step) {
        Consumer<GrowthStep> h = hook;
        if (h != null) {
            h.accept(step);
        }
    }
}
