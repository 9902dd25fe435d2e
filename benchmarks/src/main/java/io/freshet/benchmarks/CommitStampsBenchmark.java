package io.freshet.benchmarks;

import io.freshet.kafka.internal.CommitStamps;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/*
 * Run (from the repository root, after `mvn -q -pl benchmarks -am package -DskipTests -Dfreshet.skipBenchSmoke=true`):
 *
 *   flock /tmp/jmh.lock java -jar benchmarks/target/benchmarks.jar CommitStampsBenchmark \
 *       -f 1 -wi 3 -w 1s -i 5 -r 1s -prof gc
 *
 * Goal: 0 B/op; stamp a few ns above its clock-read peer. Not in the CI smoke (pom: freshet.benchSmoke.exclude): the
 * ring's allocation is guarded by CommitStampsTest, deterministically and for less build time.
 */

/**
 * What the freshness probe's commit stamp costs the applier per record while installed ({@link CommitStamps}):
 * {@code stamp} = the clock read plus the ring write (five stores, a store-store fence and an ordered store of the
 * count); {@code clockOnly} = the clock read alone, the peer in the same run (the applier's sampled stage recording
 * already pays such a read for 1 in 16 records). Nobody drains the ring here: the writer's cost does not depend on
 * the reader, which only ever reads.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class CommitStampsBenchmark {
    private CommitStamps ring;
    private long offset;

    /** A fresh ring per trial. */
    @Setup(Level.Trial)
    public void setUp() {
        ring = new CommitStamps(1 << 16);
    }

    /** @return the stamp's clock value (kept by JMH) */
    @Benchmark
    public long stamp() {
        long now = System.nanoTime();
        long o = offset++;
        ring.record(o, (int) (o & 3), o, now - 1_000, now);
        return now;
    }

    /** @return the clock value: the peer */
    @Benchmark
    public long clockOnly() {
        offset++;
        return System.nanoTime();
    }
}
