package io.freshet.benchmarks;

import io.freshet.benchmarks.peers.KeySequence;
import io.freshet.core.FeatureReader;
import io.freshet.core.FeatureRef;
import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureVector;
import io.freshet.core.FeatureView;
import io.freshet.core.ManualClock;
import io.freshet.core.StoreConfig;
import io.freshet.core.StoreGrowth;
import io.freshet.core.ViewReader;
import io.freshet.core.ViewRequest;
import io.freshet.core.ViewVector;
import io.freshet.core.Window;
import io.freshet.core.internal.CoreInternals;
import io.freshet.core.spi.RowStore;
import io.freshet.store.TableStoreEngine;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
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
 *   flock /tmp/jmh.lock java -jar benchmarks/target/benchmarks.jar ViewReadBenchmark \
 *       -f 1 -wi 3 -w 1s -i 5 -r 1s -prof gc
 *
 * Goal (issue 19 point 5): a view read of two sets costs about the two separate reads (the column pass on top is a
 * few ns per column), 0 B/op.
 */

/**
 * One model request's input from two entities: {@link ViewReader#read} of a {@link FeatureView} over the 16-feature
 * user set ({@link PaymentFeatures}) and a 4-feature merchant set, 10 columns (6 of the user's, 3 of the merchant's,
 * one request-time ratio of the payment's amount to the user's mean) copied out as model input, against its peer:
 * the same two rows read with two {@link FeatureReader#read(long, FeatureVector)} calls into two vectors and the same
 * nine values taken out by ref (what a caller without views writes by hand). Two table stores of {@code keys} rows
 * each, filled as {@link BatchReadBenchmark} fills its store; uniform keys, one user and one merchant per request.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-XX:+UseParallelGC"})
public class ViewReadBenchmark {
    /** The merchant set: keyed by the payment's merchant. */
    static FeatureSet<Payment> merchantSet() {
        return FeatureSet.builder("merchant_payments", Payment.class)
            .entity("merchant", Payment::merchantId)
            .eventTime(Payment::timeMs)
            .count("txn_1h", Window.sliding(Duration.ofHours(1)))
            .mean("mean_amount_1h", Payment::amount, Window.sliding(Duration.ofHours(1)))
            .count("txn_total")
            .lastSeen("last_seen")
            .build();
    }

    /** Two filled table stores, their readers and the view over them. */
    @State(Scope.Benchmark)
    public static class Stores {
        /** Keys in each store. */
        @Param({"100000"})
        public int keys;

        KeySequence sequence;
        FeatureSet<Payment> users;
        FeatureSet<Payment> merchants;
        RowStore userStore;
        RowStore merchantStore;
        FeatureReader userReader;
        FeatureReader merchantReader;
        FeatureView view;
        ViewReader viewReader;
        Path dir;

        /** Creates and fills both stores, builds the view and checks that a read sees filled rows. */
        @Setup(Level.Trial)
        public void setUp() throws IOException {
            sequence = KeySequence.of(KeySequence.UNIFORM, keys, 31);
            users = PaymentFeatures.featureSet();
            merchants = merchantSet();
            dir = ChronicleStoreBenchmark.newDir("viewread");
            userStore = open(users, dir.resolve("u"));
            merchantStore = open(merchants, dir.resolve("m"));
            BatchReadBenchmark.fill(users, userStore, keys);
            BatchReadBenchmark.fill(merchants, merchantStore, keys);
            ManualClock clock = new ManualClock(BatchReadBenchmark.NOW_MS + 500);
            userReader = CoreInternals.newReader(users, userStore, clock);
            merchantReader = CoreInternals.newReader(merchants, merchantStore, clock);
            view = FeatureView.builder("payment")
                .from(users, "user_id", "last_amount", "txn_5m", "amount_1h", "mean_amount_1h", "txn_total",
                    "last_seen")
                .from(merchants, "merchant_id", "txn_1h", "mean_amount_1h", "txn_total")
                .requestParam("amount")
                .derived("amount_over_mean_1h", r -> r.ratio("amount", "user_payments__mean_amount_1h"))
                .build();
            viewReader = view.reader(userReader, merchantReader);
            ViewVector v = view.newVector();
            ViewRequest r = view.newRequest().key(0, KeySequence.keyOf(keys / 2)).key(1, KeySequence.keyOf(keys / 3))
                .param(0, 50.0);
            if (viewReader.read(r, v) != 2 || v.getDouble(view.columnIndex("merchant_payments__txn_total"))
                != BatchReadBenchmark.EVENTS_PER_KEY) {
                throw new IllegalStateException("filled rows read wrong: " + v);
            }
        }

        private RowStore open(FeatureSet<Payment> set, Path path) throws IOException {
            return new TableStoreEngine().open(StoreConfig.builder(set).directory(path).capacity(keys).shards(1)
                .growth(StoreGrowth.disabled()).build());
        }

        /** Closes and deletes the stores. */
        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            userStore.close();
            merchantStore.close();
            ChronicleStoreBenchmark.deleteTree(dir);
        }
    }

    /** A serving thread's request, vectors, refs, model input and key position. */
    @State(Scope.Thread)
    public static class Caller {
        int position;
        ViewRequest request;
        ViewVector vector;
        FeatureVector userVector;
        FeatureVector merchantVector;
        FeatureRef[] userRefs;
        FeatureRef[] merchantRefs;
        FeatureRef userMean;
        final double[] input = new double[10];

        /** Builds the caller-owned objects once. */
        @Setup(Level.Trial)
        public void setUp(Stores s) {
            request = s.view.newRequest();
            vector = s.view.newVector();
            userVector = s.users.newVector();
            merchantVector = s.merchants.newVector();
            userRefs = new FeatureRef[] {s.users.ref("last_amount"), s.users.ref("txn_5m"),
                s.users.ref("amount_1h"), s.users.ref("mean_amount_1h"), s.users.ref("txn_total"),
                s.users.ref("last_seen")};
            merchantRefs = new FeatureRef[] {s.merchants.ref("txn_1h"),
                s.merchants.ref("mean_amount_1h"), s.merchants.ref("txn_total")};
            userMean = s.users.ref("mean_amount_1h");
        }
    }

    /**
     * @param s stores
     * @param c caller
     * @return a value of the model input (kept by JMH)
     */
    @Benchmark
    @HotPath("a model request's input from two entities, on the serving thread")
    public double readView(Stores s, Caller c) {
        int p = c.position++;
        c.request.key(0, s.sequence.key(p & KeySequence.MASK)).key(1, s.sequence.key((p + 7) & KeySequence.MASK))
            .param(0, 10 + (p & 63));
        s.viewReader.read(c.request, c.vector);
        c.vector.copyTo(c.input);
        return c.input[9];
    }

    /**
     * The peer of {@link #readView}: the same two rows by two reads, the same values taken out by hand.
     *
     * @param s stores
     * @param c caller
     * @return a value of the model input (kept by JMH)
     */
    @Benchmark
    public double readTwoSets(Stores s, Caller c) {
        int p = c.position++;
        s.userReader.read(s.sequence.key(p & KeySequence.MASK), c.userVector);
        s.merchantReader.read(s.sequence.key((p + 7) & KeySequence.MASK), c.merchantVector);
        double[] in = c.input;
        int i = 0;
        for (FeatureRef r : c.userRefs) {
            in[i++] = c.userVector.getDouble(r);
        }
        for (FeatureRef r : c.merchantRefs) {
            in[i++] = c.merchantVector.getDouble(r);
        }
        double mean = c.userVector.getDouble(c.userMean);
        in[9] = mean == 0 ? Double.NaN : (10 + (p & 63)) / mean;
        return in[9];
    }
}
