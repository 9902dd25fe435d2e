package io.freshet.kafka;

/**
 * Where a migration's shadow store stands: it reads history up to the live position it found at the start
 * (BACKFILLING), then follows live traffic (TAILING) and is READY once its lag is within the migration's
 * {@code readyLag}. FAILED: it stopped ({@link Migration#failure()} says why); the live set is untouched.
 */
public enum MigrationPhase {
    /** Reading history up to the position the live topics had when the migration started. */
    BACKFILLING,
    /** Past that position, following live traffic, lag still above the ready bound. */
    TAILING,
    /** Following live traffic within the ready lag: can be compared and promoted. */
    READY,
    /** Stopped by a failure; the live set keeps serving. */
    FAILED
}
