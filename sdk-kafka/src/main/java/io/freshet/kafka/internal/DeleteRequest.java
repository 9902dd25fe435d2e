package io.freshet.kafka.internal;

import java.util.concurrent.CompletableFuture;

/**
 * A delete asked for by the application ({@code FeaturePipeline.delete}): queued to the applier that owns the key's
 * shard, applied by it between records (the shard's single writer), completed with whether a row was deleted.
 * Consumes no source offset: the store rolls it back if a kill interrupts it, and its future then never completes
 * normally (the caller retries after the restart).
 *
 * <p>Threading: created by the caller's thread, handed over through the applier's queue (which publishes it),
 * completed by the applier. Allocation: one per call (not a hot path).
 */
public final class DeleteRequest {
    final SetRuntime set;
    final int shard;
    final long longKey;
    /** The text key, or null for a LONG-keyed set. */
    final String textKey;
    final CompletableFuture<Boolean> done = new CompletableFuture<>();

    DeleteRequest(SetRuntime set, int shard, long longKey, String textKey) {
        this.set = set;
        this.shard = shard;
        this.longKey = longKey;
        this.textKey = textKey;
    }

    /** @return completes with true when a row was deleted, false when the key had none */
    public CompletableFuture<Boolean> future() {
        return done;
    }
}
