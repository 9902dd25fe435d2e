package io.freshet.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.FeatureSet;
import io.freshet.core.ManualClock;
import io.freshet.core.internal.kernel.EventPreparer;
import io.freshet.core.internal.kernel.Kernels;
import io.freshet.core.spi.InMemoryRowStore;
import io.freshet.core.spi.RowStore;
import io.freshet.core.StoreConfig;
import io.freshet.kafka.BadRecordException;
import io.freshet.kafka.BadRecordReason;
import io.freshet.kafka.Source;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A bad record found on the applier (here a text key longer than the store's {@code maxKeyBytes}, which only the
 * store knows) under DEAD_LETTER: the applier hands the dead letter off and
 * keeps cycling without waiting, stores nothing past the record until the broker acknowledged it (at-least-once),
 * then applies what followed; a refused dead letter stops the pipeline without moving the offset.
 */
class ShardApplierDeadLetterTest {
    private static final long NOW = 1_700_000_000_000L;

    /** A minimal event. */
    static final class Ev {
        String user;
    }

    static final FeatureSet<Ev> SET = FeatureSet.builder("applier_dead_letters", Ev.class)
        .textEntity("user", e -> e.user)
        .eventTime(e -> NOW - 1_000)
        .count("n")
        .build();

    private RowStore store;
    private Binding binding;
    private HandOffRing ring;
    private FailureLatch failures;
    private ShardApplier applier;
    private final EventPreparer<Ev> preparer = Kernels.newPreparer(SET);
    private int topicIndex;

    @BeforeEach
    void setUp() {
        // Keys of at most 4 bytes: a longer one is refused by the store (KEY_INVALID), found on the applier.
        store = new InMemoryRowStore(StoreConfig.builder(SET).capacity(16).shards(1).maxKeyBytes(4).build());
        SetRuntime set = new SetRuntime(0, SET, store, null, null);
        binding = set.addBinding(0, Source.<Ev>of("in", (record, reuse) -> new Ev()).deadLetterTo("in.dlq"));
        set.bindStore(store);
        topicIndex = store.topicIndex("in");
        ring = new HandOffRing(8, Kernels.preparedCapacity(SET), true);
        failures = new FailureLatch("test");
        applier = new ShardApplier(0, 1, List.of(set), new HandOffRing[] {ring},
            new IdleStrategy[] {IdleStrategy.parkOnly()}, failures, new ManualClock(NOW),
            new DeadLetterAgent(null, 1, failures));
        applier.onStart();
    }

    private void publish(String user, long offset) {
        Slot slot = ring.claim();
        Ev e = new Ev();
        e.user = user;
        assertThat(preparer.prepare(e, NOW - 1_000, NOW, slot.prepared)).isEqualTo(EventPreparer.PREPARED);
        slot.kind = Slot.RECORD;
        slot.binding = binding;
        slot.shard = 0;
        slot.partition = 0;
        slot.offset = offset;
        slot.textKey.copyOf(user);
        slot.pollNanos = System.nanoTime();
        slot.record = new ConsumerRecord<>("in", 0, offset, new byte[8], new byte[8]);
        ring.publish(slot);
    }

    private long stored() {
        return store.appliedOffset(0, topicIndex, 0);
    }

    @Test
    void offsetMovesPastADeadLetteredRecordOnlyAfterItsAcknowledgement() {
        publish("u1", 0);
        publish("user-2", 1);
        publish("u1", 2);
        applier.doWork();
        assertThat(stored()).as("applied up to the refused row, not past it").isZero();
        DeadLetterTicket ticket = applier.badRecords.ticket;
        assertThat(ticket.state).isEqualTo(DeadLetterTicket.IN_FLIGHT);
        assertThat(ticket.reason).isEqualTo(BadRecordReason.KEY_INVALID);

        assertThat(applier.doWork()).as("no work while the dead letter is in flight, and no wait").isZero();
        assertThat(applier.hasPendingWork()).isFalse();
        assertThat(stored()).isZero();
        assertThat(applier.counters.get(0, Counters.DEAD_LETTERED)).isZero();
        assertThat(ring.idle()).isFalse();

        ticket.complete(null);
        assertThat(applier.hasPendingWork()).isTrue();
        assertThat(applier.doWork()).isPositive();
        assertThat(stored()).as("past the dead letter and the record after it").isEqualTo(2);
        assertThat(applier.counters.get(0, Counters.DEAD_LETTERED)).isEqualTo(1);
        assertThat(applier.counters.get(0, Counters.APPLIED)).isEqualTo(2);
        assertThat(ring.idle()).isTrue();
        assertThat(failures.failure()).isNull();
    }

    @Test
    void aRefusedDeadLetterStopsThePipelineWithoutMovingTheOffset() {
        publish("u1", 0);
        publish("user-2", 1);
        applier.doWork();
        applier.badRecords.ticket.complete(new IllegalStateException("broker said no"));
        assertThat(applier.doWork()).isEqualTo(Agent.DONE);
        assertThat(stored()).isZero();
        assertThat(failures.failure()).isInstanceOfSatisfying(BadRecordException.class, e -> {
            assertThat(e.offset()).isEqualTo(1);
            assertThat(e.reason()).isEqualTo(BadRecordReason.KEY_INVALID);
            assertThat(e.getMessage()).contains("deadLetterTopic=in.dlq", "broker said no");
        });
    }
}
