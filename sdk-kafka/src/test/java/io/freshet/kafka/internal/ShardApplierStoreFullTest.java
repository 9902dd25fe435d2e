package io.freshet.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureVector;
import io.freshet.core.ManualClock;
import io.freshet.core.StoreConfig;
import io.freshet.core.internal.CoreInternals;
import io.freshet.core.internal.kernel.EventPreparer;
import io.freshet.core.internal.kernel.Kernels;
import io.freshet.core.spi.InMemoryRowStore;
import io.freshet.core.spi.RowStore;
import io.freshet.kafka.BadRecordPolicy;
import io.freshet.kafka.BadRecordReason;
import io.freshet.kafka.Source;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A record whose new key finds the store full is not bad input: whatever the source's bad-record policy, the applier
 * holds it (nothing skipped, dead-lettered or failed, no offset stored past it), keeps retrying, and applies it and
 * what followed once TTL eviction made room; a stop while it waits ends the applier with the offset unmoved.
 */
class ShardApplierStoreFullTest {
    private static final long NOW = 1_700_000_000_000L;

    /** A minimal event. */
    static final class Ev {
        long user;
    }

    static final FeatureSet<Ev> SET = FeatureSet.builder("applier_store_full", Ev.class)
        .entity("user", e -> e.user)
        .eventTime(e -> NOW - 1_000)
        .count("n")
        .ttl(Duration.ofMinutes(1))
        .build();

    private RowStore store;
    private SetRuntime set;
    private Binding binding;
    private HandOffRing ring;
    private FailureLatch failures;
    private ManualClock clock;
    private ShardApplier applier;
    private final EventPreparer<Ev> preparer = Kernels.newPreparer(SET);
    private int topicIndex;

    private void start(BadRecordPolicy policy) {
        // Room for one row: the second key finds the store full.
        store = new InMemoryRowStore(StoreConfig.builder(SET).capacity(1).shards(1).build());
        set = new SetRuntime(0, SET, store, null, null);
        Source<Ev> source = Source.<Ev>of("in", (record, reuse) -> new Ev());
        source = policy == BadRecordPolicy.DEAD_LETTER ? source.deadLetterTo("in.dlq") : source.onBadRecord(policy);
        binding = set.addBinding(0, source);
        set.bindStore(store);
        topicIndex = store.topicIndex("in");
        ring = new HandOffRing(8, Kernels.preparedCapacity(SET), false);
        failures = new FailureLatch("test");
        clock = new ManualClock(NOW);
        applier = new ShardApplier(0, 1, List.of(set), new HandOffRing[] {ring},
            new IdleStrategy[] {IdleStrategy.parkOnly()}, failures, clock,
            policy == BadRecordPolicy.DEAD_LETTER ? new DeadLetterAgent(null, 1, failures) : null);
        applier.onStart();
    }

    private void publish(long user, long offset) {
        Slot slot = ring.claim();
        Ev e = new Ev();
        e.user = user;
        assertThat(preparer.prepare(e, NOW - 1_000, NOW, slot.prepared)).isEqualTo(EventPreparer.PREPARED);
        slot.kind = Slot.RECORD;
        slot.binding = binding;
        slot.shard = 0;
        slot.partition = 0;
        slot.offset = offset;
        slot.longKey = user;
        slot.pollNanos = System.nanoTime();
        slot.record = new ConsumerRecord<>("in", 0, offset, new byte[8], new byte[8]);
        ring.publish(slot);
    }

    private long stored() {
        return store.appliedOffset(0, topicIndex, 0);
    }

    private long count(long user) {
        FeatureVector v = SET.newVector();
        if (!CoreInternals.newReader(SET, store, clock).read(user, v)) {
            return -1;
        }
        return v.getLong(SET.ref("n"));
    }

    private long badRecords() {
        long n = 0;
        for (BadRecordReason r : BadRecordReason.values()) {
            n += applier.counters.get(0, Counters.BAD_BASE + r.ordinal());
        }
        return n;
    }

    @ParameterizedTest
    @EnumSource(BadRecordPolicy.class)
    void aRecordWhoseNewKeyFindsTheStoreFullWaitsForRoomUnderEveryPolicy(BadRecordPolicy policy) throws Exception {
        start(policy);
        publish(1, 0);
        publish(2, 1);
        publish(2, 2);
        applier.doWork();
        assertThat(stored()).as("applied up to the record that found the store full, not past it").isZero();
        assertThat(applier.waitingForRoom()).isTrue();
        assertThat(set.fill().anyWaiting()).isTrue();
        assertThat(set.fill().firstWaitingShard()).isZero();
        assertThat(ring.idle()).as("the held record and the one behind it stay queued").isFalse();

        // Retrying (a few backoff rounds) neither skips it nor counts it again.
        long until = System.nanoTime() + Duration.ofMillis(200).toNanos();
        while (System.nanoTime() < until) {
            assertThat(applier.doWork()).as("no work while the store is full").isZero();
            Thread.sleep(1);
        }
        assertThat(stored()).isZero();
        assertThat(applier.counters.get(0, Counters.FULL_WAITS)).as("counted once, however long it waits").isEqualTo(1);
        assertThat(applier.counters.get(0, Counters.SKIPPED)).isZero();
        assertThat(applier.counters.get(0, Counters.DEAD_LETTERED)).isZero();
        assertThat(badRecords()).as("a full store is not a bad record").isZero();
        assertThat(failures.failure()).as("not a failure, even under FAIL").isNull();
        assertThat(applier.badRecords.ticket == null || applier.badRecords.ticket.state == DeadLetterTicket.IDLE)
            .as("no dead letter handed off").isTrue();
        assertThat(count(1)).isEqualTo(1);

        // Key 1 idles past the TTL: the next retry evicts it and applies what waited.
        clock.advance(Duration.ofMinutes(2));
        until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (stored() < 2 && System.nanoTime() < until) {
            applier.doWork();
            Thread.sleep(1);
        }
        assertThat(stored()).as("resumed: past the held record and the one behind it").isEqualTo(2);
        assertThat(applier.waitingForRoom()).isFalse();
        assertThat(set.fill().anyWaiting()).isFalse();
        assertThat(ring.idle()).isTrue();
        assertThat(count(1)).as("evicted by its TTL").isEqualTo(-1);
        assertThat(count(2)).as("both records of key 2 applied, once each").isEqualTo(2);
        assertThat(applier.counters.get(0, Counters.APPLIED)).isEqualTo(3);
        assertThat(applier.counters.get(0, Counters.FULL_WAITS)).isEqualTo(1);
        assertThat(badRecords()).isZero();
        assertThat(failures.failure()).isNull();
    }

    @Test
    void aStopWhileWaitingForRoomEndsTheApplierWithoutMovingTheOffset() {
        start(BadRecordPolicy.FAIL);
        publish(1, 0);
        publish(2, 1);
        applier.doWork();
        assertThat(applier.waitingForRoom()).isTrue();
        applier.requestStop();
        assertThat(applier.doWork()).isEqualTo(Agent.DONE);
        assertThat(stored()).as("the held record is read again after a restart").isZero();
        assertThat(failures.failure()).isNull();
    }
}
