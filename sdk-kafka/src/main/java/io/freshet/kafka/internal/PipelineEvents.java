package io.freshet.kafka.internal;

import io.freshet.core.internal.JfrSwitch;
import java.util.Collection;
import org.apache.kafka.common.TopicPartition;

/**
 * The pipeline's JFR events, for what an operator hunts in a recording: a slow apply batch, a rebalance, a store
 * opened (and recovered after a kill, with the applies rolled back), a back-pressure pause or resume, a bad record.
 * Every emitter checks its {@link JfrSwitch} first: with no recording (the default) an emitter reads one volatile flag
 * and returns, creating no event and reading no clock. No event carries a payload, a key or a secret.
 *
 * <p>Event classes live in {@code PipelineJfrEvents} so that this class never links to {@code jdk.jfr} until a
 * recording runs. Threading: any thread. Allocation: none while off; an event object while on.
 */
public final class PipelineEvents {
    private static final ClassLoader LOADER = PipelineEvents.class.getClassLoader();
    private static final String PREFIX = "io.freshet.kafka.internal.PipelineJfrEvents$";
    static final JfrSwitch SLOW_APPLY = JfrSwitch.of(PREFIX + "SlowApply", LOADER);
    static final JfrSwitch REBALANCE = JfrSwitch.of(PREFIX + "Rebalance", LOADER);
    static final JfrSwitch STORE_OPEN = JfrSwitch.of(PREFIX + "StoreOpen", LOADER);
    static final JfrSwitch BACK_PRESSURE = JfrSwitch.of(PREFIX + "BackPressure", LOADER);
    static final JfrSwitch BAD_RECORD = JfrSwitch.of(PREFIX + "BadRecord", LOADER);

    private PipelineEvents() {
    }

    /** @return a started slow-apply event, or null when none is recorded (then call nothing else) */
    static Object beginApply() {
        return SLOW_APPLY.on() ? PipelineJfrEvents.beginApply() : null;
    }

    /**
     * @param event what {@link #beginApply} returned (not null)
     * @param applier the applier's index
     * @param records records the batch applied
     */
    static void endApply(Object event, int applier, int records) {
        PipelineJfrEvents.endApply(event, applier, records);
    }

    /**
     * @param consumer the consumer thread's index
     * @param kind assigned, revoked or lost
     * @param partitions the partitions
     */
    static void rebalance(int consumer, String kind, Collection<TopicPartition> partitions) {
        if (REBALANCE.on()) {
            PipelineJfrEvents.rebalance(consumer, kind, partitions);
        }
    }

    /**
     * @param set the set's name
     * @param state how the store was found ({@code StoreOpenState})
     * @param rows rows after open
     * @param capacity capacity in rows
     * @param rolledBack applies the recovery rolled back (-1: the engine cannot say)
     * @param openNanos how long the open took
     */
    static void storeOpened(String set, String state, long rows, long capacity, int rolledBack, long openNanos) {
        if (STORE_OPEN.on()) {
            PipelineJfrEvents.storeOpened(set, state, rows, capacity, rolledBack, openNanos);
        }
    }

    /**
     * @param partition the partition
     * @param paused true when paused, false when resumed
     */
    static void backPressure(PartitionState partition, boolean paused) {
        if (BACK_PRESSURE.on()) {
            PipelineJfrEvents.backPressure(partition.tp.topic(), partition.tp.partition(), paused);
        }
    }

    /**
     * @param set the set's name
     * @param topic the record's topic
     * @param partition its partition
     * @param offset its offset
     * @param reason the {@code BadRecordReason}
     * @param policy what was done with it
     */
    static void badRecord(String set, String topic, int partition, long offset, String reason, String policy) {
        if (BAD_RECORD.on()) {
            PipelineJfrEvents.badRecord(set, topic, partition, offset, reason, policy);
        }
    }
}
