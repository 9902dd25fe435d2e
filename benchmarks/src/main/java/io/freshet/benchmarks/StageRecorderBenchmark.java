package io.freshet.benchmarks;

import io.freshet.kafka.internal.StageRecorder;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/*
 * Run (from the repository root, after `mvn -q -pl benchmarks -am package -DskipTests -Dfreshet.skipBenchSmoke=true`):
 *
 *   flock /tmp/jmh.lock java -jar benchmarks/target/benchmarks.jar StageRecorderBenchmark \
 *       -f 1 -wi 3 -w 1s -i 5 -r 1s -prof gc
 *
 * Goal: 0 B/op; the sampled recording (sampleEvery=16, the default) close to none (0) per record.
 */

/**
 * The pipeline's stage recording, per record, as the two pipeline threads do it (see {@link StageRecorder}): a
 * batch of {@value #BATCH} records (a poll, a ring drain) between {@code beginBatch} and {@code endBatch};
 * {@code consumer}: per record, the event → broker and broker → poll stages (ms values spread as in a pre-filled
 * topic: up to an hour, up to 300 ms); {@code applier}: per record, poll → applied (µs from a clock read). The
 * {@code sampleEvery} parameter is the A/B: 1 measures every record (the behaviour before sampling), 16 every 16th
 * (and each batch's first), 0 none (the floor: the loop and the {@code due()} check only).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class StageRecorderBenchmark {
    /** Records per batch: a poll's routing or an applier's drain. */
    static final int BATCH = 64;
    private static final int VALUES = 4096;
    private static final long MAX_MS = TimeUnit.DAYS.toMillis(1);
    private static final long MAX_US = TimeUnit.MINUTES.toMicros(10);

    @Param({"1", "16", "0"})
    int sampleEvery;

    private StageRecorder eventToBrokerMs;
    private StageRecorder brokerToPollMs;
    private StageRecorder pollToAppliedUs;
    /** Per record: broker append → poll, ms; event → broker append, ms; poll → now, ns (stationary values). */
    private final long[] pollLagMs = new long[VALUES];
    private final long[] brokerLagMs = new long[VALUES];
    private final long[] applyLagNanos = new long[VALUES];
    private int next;

    /** Fills the values and the recorders. */
    @Setup
    public void setUp() {
        eventToBrokerMs = new StageRecorder(MAX_MS, sampleEvery);
        brokerToPollMs = new StageRecorder(MAX_MS, sampleEvery);
        pollToAppliedUs = new StageRecorder(MAX_US, sampleEvery);
        SplittableRandom r = new SplittableRandom(42);
        for (int i = 0; i < VALUES; i++) {
            pollLagMs[i] = r.nextLong(300);
            brokerLagMs[i] = r.nextLong(TimeUnit.HOURS.toMillis(1));
            applyLagNanos[i] = r.nextLong(TimeUnit.MILLISECONDS.toNanos(2));
        }
    }

    /** @return a sum of the values, so that nothing is dropped */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long consumer() {
        final long pollMs = System.currentTimeMillis();
        int i = next;
        long sum = 0;
        eventToBrokerMs.beginBatch();
        brokerToPollMs.beginBatch();
        try {
            for (int n = 0; n < BATCH; n++) {
                final long ts = pollMs - pollLagMs[i];
                sum += ts;
                if (eventToBrokerMs.due()) {
                    eventToBrokerMs.record(brokerLagMs[i]);
                }
                if (brokerToPollMs.due()) {
                    brokerToPollMs.record(pollMs - ts);
                }
                i = (i + 1) & (VALUES - 1);
            }
        } finally {
            brokerToPollMs.endBatch();
            eventToBrokerMs.endBatch();
        }
        next = i;
        return sum;
    }

    /** @return a sum of the values, so that nothing is dropped */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long applier() {
        final long pollNanos = System.nanoTime();
        int i = next;
        long sum = 0;
        pollToAppliedUs.beginBatch();
        try {
            for (int n = 0; n < BATCH; n++) {
                final long polledNanos = pollNanos - applyLagNanos[i];
                sum += polledNanos;
                if (pollToAppliedUs.due()) {
                    pollToAppliedUs.record((System.nanoTime() - polledNanos) / 1000);
                }
                i = (i + 1) & (VALUES - 1);
            }
        } finally {
            pollToAppliedUs.endBatch();
        }
        next = i;
        return sum;
    }
}
