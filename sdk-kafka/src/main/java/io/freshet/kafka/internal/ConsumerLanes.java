package io.freshet.kafka.internal;

import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One consumer thread's row of hand-off rings, one per applier, with the wake-ups of those appliers: the only way
 * the consumer's routing, markers and drains reach an applier.
 *
 * <p>Threading: the consumer thread only, except {@link #idle()} (any thread). Allocation: none.
 */
final class ConsumerLanes {
    private static final Logger LOG = LoggerFactory.getLogger(ConsumerLanes.class);
    private static final long DRAIN_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(60);

    /**
     * Records published to one applier within a poll batch between two wake-ups of it: a large batch (catch-up) is
     * applied while it is still being routed, but a parked applier is not woken for each record of a small one.
     * Woken per record, it preempted the consumer on its core, applied that one record, parked again and was woken
     * by the next: the consumer's routing of a batch took p99 0.9 ms instead of 0.1 ms (freshness harness, 2 cores).
     */
    static final int WAKE_EVERY_RECORDS = 64;

    private final int index;
    private final HandOffRing[] rings;
    private final IdleStrategy[] appliers;
    /** The appliers themselves, indexed like {@link #appliers}: a forced wait gives up on one waiting for room. */
    private final ShardApplier[] agents;
    /** Per applier: records published to it since it was last woken. */
    private final int[] publishedSinceWake;
    private final FailureLatch failures;

    /**
     * @param index the consumer thread's index (logs)
     * @param rings its rings, indexed by applier
     * @param appliers the appliers' idle strategies (their wake-ups), indexed by applier
     * @param failures the pipeline's failure (a forced wait gives up on it)
     * @param agents the appliers, indexed by applier (a forced wait gives up on one waiting for room in a full
     *     store); null entries (tests) never wait
     */
    ConsumerLanes(int index, HandOffRing[] rings, IdleStrategy[] appliers, FailureLatch failures,
        ShardApplier[] agents) {
        this.index = index;
        this.rings = rings;
        this.appliers = appliers;
        this.agents = agents;
        this.publishedSinceWake = new int[appliers.length];
        this.failures = failures;
    }

    /** @return the applier that owns a shard (of any set) */
    int applierOf(int shard) {
        return shard % rings.length;
    }

    /** @return a free slot of the applier's ring, or null (back-pressure) */
    Slot claim(int applier) {
        return rings[applier].claim();
    }

    /**
     * @return a free slot, waking the applier and waiting for one (rebalance, shutdown); null on failure or while the
     *     applier waits for room in a full store (its queue drains only once there is room: waiting could be forever)
     */
    Slot claimWaiting(int applier) {
        Slot slot = rings[applier].claim();
        while (slot == null && !failures.failed() && !waitingForRoom(applier)) {
            appliers[applier].wake();
            LockSupport.parkNanos(50_000);
            slot = rings[applier].claim();
        }
        return slot;
    }

    /** Publishes a record, waking the applier every {@value #WAKE_EVERY_RECORDS} records. */
    void publishRecord(int applier, Slot slot) {
        rings[applier].publish(slot);
        if (++publishedSinceWake[applier] >= WAKE_EVERY_RECORDS) {
            publishedSinceWake[applier] = 0;
            appliers[applier].wakeIfParked();
        }
    }

    /** Publishes a progress marker and wakes the applier if it is parked. */
    void publishMarker(int applier, Slot slot) {
        rings[applier].publish(slot);
        appliers[applier].wakeIfParked();
    }

    /**
     * After a batch: wakes every parked applier once. The in-batch wake-up (every {@value #WAKE_EVERY_RECORDS}
     * records) reads the applier's flag without a fence, so it can miss an applier that announced its park just as
     * a record was published (store-load reordering); the fence here closes that window once per batch, so a
     * parked applier never sleeps its full park with work queued.
     */
    void wakeAppliers() {
        VarHandle.fullFence();
        for (int i = 0; i < appliers.length; i++) {
            publishedSinceWake[i] = 0;
            appliers[i].wakeIfParked();
        }
    }

    /** @return true when the applier's ring is at least half free */
    boolean halfFree(int applier) {
        return rings[applier].halfFree();
    }

    /** @return true while the applier holds a record that waits for room in a full store */
    private boolean waitingForRoom(int applier) {
        ShardApplier a = agents == null ? null : agents[applier];
        return a != null && a.waitingForRoom();
    }

    /**
     * Waits (at most 60 s) until the appliers have applied everything this consumer published; gives up at once on
     * an applier that waits for room in a full store (what it holds is applied after a restart: offsets stay where
     * the store has them).
     */
    void drain() {
        long deadline = System.nanoTime() + DRAIN_TIMEOUT_NS;
        for (int a = 0; a < rings.length; a++) {
            final HandOffRing r = rings[a];
            while (!r.idle() && !failures.failed()) {
                if (waitingForRoom(a)) {
                    LOG.info("consumer={} does not wait for applier={}: it waits for room in a full store; the records"
                        + " queued for it are read again after a restart", index, a);
                    break;
                }
                if (System.nanoTime() > deadline) {
                    LOG.warn("consumer={} gave up draining after {} s; offsets stay where the store has them",
                        index, TimeUnit.NANOSECONDS.toSeconds(DRAIN_TIMEOUT_NS));
                    return;
                }
                for (IdleStrategy idler : appliers) {
                    idler.wake();
                }
                LockSupport.parkNanos(100_000);
            }
        }
    }

    /** @return true when every slot of this consumer's rings is free */
    boolean idle() {
        for (HandOffRing r : rings) {
            if (!r.idle()) {
                return false;
            }
        }
        return true;
    }
}
