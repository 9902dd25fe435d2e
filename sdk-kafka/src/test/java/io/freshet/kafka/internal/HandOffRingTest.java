package io.freshet.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The hand-off ring's contract: at most {@code capacity} slots claimed and not yet released, FIFO order, every slot a
 * distinct pre-allocated object, idle and half-free as the applier sees them, and, across two threads, every write
 * made to a slot before publishing seen by the applier and every write made by the applier before releasing done
 * before the producer refills it.
 */
class HandOffRingTest {
    private static Slot claimFill(HandOffRing ring, long offset) {
        Slot slot = ring.claim();
        assertThat(slot).isNotNull();
        slot.kind(Slot.RECORD);
        slot.offset(offset);
        slot.longKey(offset * 31);
        ring.publish(slot);
        return slot;
    }

    @Test
    void claimReturnsNullOnceCapacitySlotsAreInFlightAndAgainAfterARelease() {
        HandOffRing ring = new HandOffRing(3, 1, false);
        claimFill(ring, 0);
        claimFill(ring, 1);
        claimFill(ring, 2);
        assertThat(ring.claim()).isNull();
        Slot first = ring.poll();
        assertThat(first.offset()).isEqualTo(0);
        assertThat(ring.claim()).as("polled but not released: still in flight").isNull();
        ring.release(first);
        assertThat(ring.claim()).isNotNull();
    }

    @Test
    void pollReturnsSlotsInPublicationOrderAndNullWhenNothingIsPublished() {
        HandOffRing ring = new HandOffRing(4, 1, false);
        assertThat(ring.poll()).isNull();
        for (int round = 0; round < 10; round++) {
            for (int i = 0; i < 4; i++) {
                claimFill(ring, round * 4L + i);
            }
            for (int i = 0; i < 4; i++) {
                Slot s = ring.poll();
                assertThat(s.offset()).isEqualTo(round * 4L + i);
                ring.release(s);
            }
            assertThat(ring.poll()).isNull();
        }
    }

    @Test
    void aClaimedSlotIsNotVisibleToPollBeforeItIsPublished() {
        HandOffRing ring = new HandOffRing(2, 1, false);
        Slot slot = ring.claim();
        slot.offset(7);
        assertThat(ring.poll()).isNull();
        ring.publish(slot);
        assertThat(ring.poll()).isSameAs(slot);
    }

    @Test
    void slotsAreDistinctPreallocatedObjectsReusedInRingOrder() {
        HandOffRing ring = new HandOffRing(5, 1, true);
        Map<Slot, Boolean> seen = new IdentityHashMap<>();
        for (int i = 0; i < 5; i++) {
            Slot s = claimFill(ring, i);
            assertThat(s.textKey).isNotNull();
            seen.put(s, Boolean.TRUE);
        }
        assertThat(seen).hasSize(5);
        for (int i = 0; i < 40; i++) {
            Slot s = ring.poll();
            ring.release(s);
            seen.put(claimFill(ring, 5 + i), Boolean.TRUE);
        }
        // A capacity of 5 rounds the ring up to 8 slots; no other slot object ever appears.
        assertThat(seen).hasSize(8);
    }

    @Test
    void releaseClearsTheReferencesTheApplierNoLongerNeeds() {
        HandOffRing ring = new HandOffRing(1, 1, false);
        Slot slot = ring.claim();
        slot.record = new org.apache.kafka.clients.consumer.ConsumerRecord<>("t", 0, 0, new byte[0], new byte[0]);
        ring.publish(slot);
        ring.release(ring.poll());
        assertThat(slot.record).isNull();
        assertThat(slot.binding).isNull();
    }

    @Test
    void idleAndHalfFreeFollowWhatIsInFlight() {
        HandOffRing ring = new HandOffRing(4, 1, false);
        assertThat(ring.idle()).isTrue();
        assertThat(ring.halfFree()).isTrue();
        claimFill(ring, 0);
        assertThat(ring.idle()).isFalse();
        assertThat(ring.halfFree()).isTrue();
        claimFill(ring, 1);
        assertThat(ring.halfFree()).isTrue();
        claimFill(ring, 2);
        assertThat(ring.halfFree()).isFalse();
        Slot s = ring.poll();
        assertThat(ring.idle()).as("polled, not yet applied").isFalse();
        ring.release(s);
        assertThat(ring.halfFree()).isTrue();
        ring.release(ring.poll());
        ring.release(ring.poll());
        assertThat(ring.idle()).isTrue();
    }

    @Test
    void refusesACapacityOutsideItsRange() {
        assertThatThrownBy(() -> new HandOffRing(0, 1, false)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("capacity=0");
    }

    @Test
    void twoThreadsHandOverEveryRecordOnceInOrderWithItsWrites() throws Exception {
        final int records = 2_000_000;
        HandOffRing ring = new HandOffRing(64, 1, false);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread applier = new Thread(() -> {
            try {
                long expected = 0;
                while (expected < records) {
                    Slot s = ring.poll();
                    if (s == null) {
                        Thread.onSpinWait();
                        continue;
                    }
                    if (s.offset != expected || s.longKey != expected * 31 || s.partition != (int) expected) {
                        throw new AssertionError("slot " + expected + " arrived as offset=" + s.offset + " longKey="
                            + s.longKey + " partition=" + s.partition);
                    }
                    // The producer must see this write gone (-1) before it refills the slot, never the reverse.
                    s.partition = -1;
                    expected++;
                    ring.release(s);
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "applier");
        applier.start();
        for (long i = 0; i < records && failure.get() == null; ) {
            Slot s = ring.claim();
            if (s == null) {
                Thread.onSpinWait();
                continue;
            }
            if (i >= ring.slots.length && s.partition != -1) {
                throw new AssertionError("slot claimed again before the applier's writes to it were released: "
                    + "partition=" + s.partition + " at record " + i);
            }
            s.offset = i;
            s.longKey = i * 31;
            s.partition = (int) i;
            ring.publish(s);
            i++;
        }
        applier.join(60_000);
        assertThat(applier.isAlive()).isFalse();
        assertThat(failure.get()).isNull();
        assertThat(ring.idle()).isTrue();
    }
}
