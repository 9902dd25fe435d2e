package io.freshet.kafka.internal;

import java.util.Collection;
import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;
import jdk.jfr.Timespan;
import org.apache.kafka.common.TopicPartition;

/**
 * The JFR event classes of {@link PipelineEvents} and the code that fills them: loaded only while a recording wants
 * one of them. Names are {@code io.freshet.*}, category "Freshet".
 */
final class PipelineJfrEvents {
    private PipelineJfrEvents() {
    }

    static Object beginApply() {
        SlowApply e = new SlowApply();
        e.begin();
        return e;
    }

    static void endApply(Object event, int applier, int records) {
        SlowApply e = (SlowApply) event;
        e.end();
        if (e.shouldCommit()) {
            e.applier = applier;
            e.records = records;
            e.commit();
        }
    }

    static void rebalance(int consumer, String kind, Collection<TopicPartition> partitions) {
        Rebalance e = new Rebalance();
        if (e.shouldCommit()) {
            e.consumer = consumer;
            e.kind = kind;
            e.count = partitions.size();
            StringBuilder b = new StringBuilder();
            for (TopicPartition tp : partitions) {
                if (b.length() > 0) {
                    b.append(',');
                }
                b.append(tp.topic()).append('-').append(tp.partition());
            }
            e.partitions = b.toString();
            e.commit();
        }
    }

    static void storeOpened(String set, String state, long rows, long capacity, int rolledBack, long openNanos) {
        StoreOpen e = new StoreOpen();
        if (e.shouldCommit()) {
            e.set = set;
            e.state = state;
            e.rows = rows;
            e.capacity = capacity;
            e.rolledBackApplies = rolledBack;
            e.openTime = openNanos;
            e.commit();
        }
    }

    static void backPressure(String topic, int partition, boolean paused) {
        BackPressure e = new BackPressure();
        if (e.shouldCommit()) {
            e.topic = topic;
            e.partition = partition;
            e.paused = paused;
            e.commit();
        }
    }

    static void badRecord(String set, String topic, int partition, long offset, String reason, String policy) {
        BadRecord e = new BadRecord();
        if (e.shouldCommit()) {
            e.set = set;
            e.topic = topic;
            e.partition = partition;
            e.offset = offset;
            e.reason = reason;
            e.policy = policy;
            e.commit();
        }
    }

    /** An applier's batch (one drain of its rings) that took longer than the threshold (default 10 ms). */
    @Name("io.freshet.SlowApply")
    @Label("Slow apply batch")
    @Category({"Freshet", "Pipeline"})
    @Description("An applier's batch of records over the threshold")
    @Threshold("10 ms")
    @StackTrace(false)
    static final class SlowApply extends Event {
        @Label("Applier")
        int applier;
        @Label("Records")
        int records;
    }

    /** Partitions assigned to, revoked from or lost by a consumer. */
    @Name("io.freshet.Rebalance")
    @Label("Rebalance")
    @Category({"Freshet", "Pipeline"})
    @StackTrace(false)
    static final class Rebalance extends Event {
        @Label("Consumer thread")
        int consumer;
        @Label("Kind")
        @Description("assigned, revoked or lost")
        String kind;
        @Label("Partitions")
        int count;
        @Label("Partition list")
        String partitions;
    }

    /** A feature set's store opened by the pipeline: how it was found, and what a recovery rolled back. */
    @Name("io.freshet.StoreOpen")
    @Label("Store open")
    @Category({"Freshet", "Store"})
    @StackTrace(false)
    static final class StoreOpen extends Event {
        @Label("Feature set")
        String set;
        @Label("State")
        @Description("CREATED, CLEAN, RECOVERED (after a kill) or LIVE_WRITER")
        String state;
        @Label("Rows")
        long rows;
        @Label("Capacity")
        long capacity;
        @Label("Rolled back applies")
        @Description("Applies a killed writer left in flight that recovery rolled back; -1: the engine cannot say")
        int rolledBackApplies;
        @Label("Open time")
        @Timespan(Timespan.NANOSECONDS)
        long openTime;
    }

    /** A partition paused because its hand-off queue was full, or resumed. */
    @Name("io.freshet.BackPressure")
    @Label("Back-pressure")
    @Category({"Freshet", "Pipeline"})
    @StackTrace(false)
    static final class BackPressure extends Event {
        @Label("Topic")
        String topic;
        @Label("Partition")
        int partition;
        @Label("Paused")
        @Description("true: paused; false: resumed")
        boolean paused;
    }

    /** A bad record: where it was and why; never its bytes. */
    @Name("io.freshet.BadRecord")
    @Label("Bad record")
    @Category({"Freshet", "Pipeline"})
    @StackTrace(false)
    static final class BadRecord extends Event {
        @Label("Feature set")
        String set;
        @Label("Topic")
        String topic;
        @Label("Partition")
        int partition;
        @Label("Offset")
        long offset;
        @Label("Reason")
        String reason;
        @Label("Policy")
        String policy;
    }

}
