package io.freshet.kafka.internal;

import io.freshet.core.spi.ShardWriter;
import io.freshet.kafka.PipelineException;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * One applier's queue of application deletes ({@code FeaturePipeline.delete}): any thread queues, the applier drains
 * it between records through its shard writers (the shards' single writer). Kept out of {@link ShardApplier} so that
 * the applier's own code stays as it was: moving this code into it made the JIT of a waiting applier allocate (the
 * ApplierAllocationTest saw 168-344 B in a full-store wait), this class leaves it at 0.
 *
 * <p>Threading: {@link #request} from any thread; {@link #apply} and {@link #close} on the applier thread.
 * Allocation: none on the applier's duty cycle when nothing is queued (one volatile read).
 */
final class DeleteLane {
    private static final String STOPPED_BEFORE_DELETE = "the pipeline stopped before a delete was applied: nothing "
        + "was deleted; restart the pipeline and delete again";

    private final ConcurrentLinkedQueue<DeleteRequest> queue = new ConcurrentLinkedQueue<>();
    private final FailureLatch failures;
    /**
     * Set by a requester after it queued a delete, cleared by the applier before it drains the queue (so a request
     * queued during a drain leaves it set).
     */
    private volatile boolean queued;
    /** Set once the applier stopped taking deletes; a request queued after it is failed by its requester. */
    private volatile boolean closed;

    DeleteLane(FailureLatch failures) {
        this.failures = failures;
    }

    /** @return whether a delete waits (one volatile read) */
    boolean pending() {
        return queued;
    }

    /**
     * Queues a delete. Any thread; the caller wakes the applier.
     *
     * @param request the delete
     */
    void request(DeleteRequest request) {
        queue.add(request);
        queued = true;
        if (closed) {
            // Raced with the close: nobody will apply it now.
            failAll();
        }
    }

    /** The applier stopped: fails every queued delete (nothing was deleted) and every later one. */
    void close() {
        closed = true;
        failAll();
    }

    private void failAll() {
        DeleteRequest r;
        while ((r = queue.poll()) != null) {
            r.done.completeExceptionally(new PipelineException(STOPPED_BEFORE_DELETE, failures.failure()));
        }
    }

    /**
     * Applies the queued deletes, each through its shard's writer (never with an apply in flight), counting the rows
     * deleted.
     *
     * @param writers the applier's writers, by set index then shard
     * @param counters the applier's counters
     * @param applier told of each shard a delete freed a row in
     * @return deletes applied
     */
    int apply(ShardWriter[][] writers, Counters counters, ShardApplier applier) {
        queued = false;
        int n = 0;
        DeleteRequest r;
        while ((r = queue.poll()) != null) {
            final SetRuntime set = r.set;
            if (set.detached) {
                // Asked for before the set's feeding stopped: its store is not touched again (it had no row to us).
                r.done.complete(false);
                continue;
            }
            final ShardWriter w = writers[set.index][r.shard];
            final int result;
            try {
                result = r.textKey == null ? w.delete(r.longKey, ShardWriter.NO_SOURCE, 0, 0)
                    : w.delete(r.textKey, ShardWriter.NO_SOURCE, 0, 0);
            } catch (IllegalArgumentException e) {
                r.done.completeExceptionally(e);
                continue;
            } catch (RuntimeException | Error e) {
                r.done.completeExceptionally(e);
                throw e;
            }
            if (result == ShardWriter.DELETED) {
                counters.increment(set.index, Counters.DELETED);
                applier.roomFreed(set, r.shard);
            }
            r.done.complete(result == ShardWriter.DELETED);
            n++;
        }
        return n;
    }
}
