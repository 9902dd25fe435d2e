package io.freshet.benchmarks;

import io.freshet.benchmarks.harness.PaymentCodec;
import io.freshet.benchmarks.harness.TrainingRowsHarness;
import io.freshet.benchmarks.harness.TrainingRowsHarness.Txn;
import io.freshet.core.FeatureRef;
import io.freshet.core.FeatureVector;
import io.freshet.core.StoreConfig;
import io.freshet.core.spi.InMemoryRowStore;
import io.freshet.core.spi.RowStore;
import io.freshet.kafka.internal.training.HeapRunningStore;
import io.freshet.kafka.internal.training.RunningRows;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/*
 * Run (from the repository root, after `mvn -q -pl benchmarks -am package -DskipTests -Dfreshet.skipBenchSmoke=true`):
 *
 *   flock /tmp/jmh.lock java -jar benchmarks/target/benchmarks.jar TrainingRowsBenchmark \
 *       -p store=heapRunningStore,inMemoryRowStore -f 1 -wi 3 -w 1s -i 5 -r 1s -prof gc
 *
 * (The default store is the run's own only, so that the build's benchmark smoke run pays for two forks, not four.)
 *
 * Issue 15 point 9: a training run's per-record and per-label work on its running rows, on the heap store it uses
 * (heapRunningStore) against the one it replaced (inMemoryRowStore), in one run.
 */

/**
 * A training run's running rows without the broker: {@code offer} decodes one history record (a pre-built Kafka record
 * of {@link TrainingRowsHarness}'s payment codec, every record qualifying) and applies it to its key's checkpoint row;
 * {@code read} reads a key's row at a label time, as a training row does. The records' keys (drawn from {@code keys}
 * users) have their rows from the set-up on, so that the measured applies find them: the run's steady state, where a
 * key's row is made once.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-XX:+UseParallelGC"})
public class TrainingRowsBenchmark {
    private static final int RECORDS = 1 << 16;
    private static final long T0 = 1_700_000_000_000L;

    /** The running rows, filled, and the records offered to them in a cycle. */
    @State(Scope.Thread)
    public static class Rows {
        /** The running rows' store: the run's own, or (with -p) the one it replaced. */
        @Param({"heapRunningStore"})
        public String store;
        /** Keys (users) in the store. */
        @Param({"100000"})
        public int keys;

        @SuppressWarnings("unchecked")
        final ConsumerRecord<byte[], byte[]>[] records = new ConsumerRecord[RECORDS];
        final long[] users = new long[RECORDS];
        RunningRows<Txn> rows;
        Txn reusable;
        FeatureVector vector;
        FeatureRef ref;
        long labelTimeMs;
        int position;

        /** Builds the records and applies each once: every key's row exists before measuring. */
        @Setup(Level.Trial)
        public void setUp() {
            StoreConfig config = StoreConfig.builder(TrainingRowsHarness.SET).capacity(1L << 40).build();
            RowStore s = store.equals("heapRunningStore") ? new HeapRunningStore(config) : new InMemoryRowStore(config);
            rows = new RunningRows<>(TrainingRowsHarness.SET, s);
            reusable = TrainingRowsHarness.DECODER.newReusable();
            vector = TrainingRowsHarness.SET.newVector();
            ref = TrainingRowsHarness.SET.ref("txn_total");
            SplittableRandom r = new SplittableRandom(15);
            for (int i = 0; i < RECORDS; i++) {
                long timestamp = T0 + i * 10L;
                users[i] = r.nextInt(keys);
                byte[] key = new byte[PaymentCodec.KEY_BYTES];
                byte[] value = new byte[PaymentCodec.VALUE_BYTES];
                PaymentCodec.encode(key, value, users[i], timestamp - r.nextInt(2000), 1 + r.nextInt(50_000) / 100.0,
                    r.nextInt(500), 0);
                records[i] = new ConsumerRecord<>("history", 0, i, key, value);
            }
            for (ConsumerRecord<byte[], byte[]> rec : records) {
                apply(rec);
            }
            labelTimeMs = T0 + RECORDS * 10L + 1;
        }

        void apply(ConsumerRecord<byte[], byte[]> rec) {
            if (rows.offer(rec, TrainingRowsHarness.DECODER, reusable, Integer.MAX_VALUE, Long.MAX_VALUE,
                T0 + RECORDS * 10L, Long.MAX_VALUE) != null) {
                throw new IllegalStateException("a benchmark record was refused");
            }
        }

        /** Closes the rows. */
        @TearDown(Level.Trial)
        public void tearDown() {
            rows.close();
        }
    }

    /**
     * @param s the rows and records
     * @return records applied so far
     */
    @Benchmark
    public long offer(Rows s) {
        s.apply(s.records[s.position++ & (RECORDS - 1)]);
        return s.rows.appliedCount();
    }

    /**
     * @param s the rows and records
     * @return the row's count
     */
    @Benchmark
    public long read(Rows s) {
        s.rows.read(s.users[s.position++ & (RECORDS - 1)], s.labelTimeMs, s.vector);
        return s.vector.getLong(s.ref);
    }
}
