package io.freshet.store.internal;

import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureSetBuilder;
import io.freshet.core.Window;
import io.freshet.core.StoreConfig;
import io.freshet.core.StoreGrowth;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.ShardWriter;
import io.freshet.store.internal.table.TableStore;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/*
 * Run (from the repository root, after `mvn -ntp -q package -pl sdk-store -am -DskipTests`), under the benchmark lock:
 *
 *   CP=sdk-store/target/test-classes:sdk-store/target/classes
 *   CP=$CP:sdk-core/target/freshet-core-0.1.0-SNAPSHOT.jar
 *   flock /tmp/jmh.lock java -Xmx4g -XX:+UseParallelGC -cp $CP \
 *       io.freshet.store.internal.ApplyCheckCostHarness 1000000 400 long
 *
 * Arguments: keys, rounds, kind (long: 144-byte rows | text: the same with keys of 17 UTF-8 bytes | payment: numeric
 * keys, the row of the benchmarks' 16-feature PaymentFeatures set), and optionally "control": an A/A run with the
 * checks off in every batch of the plain store, whose on - off shows what the harness reads when nothing differs, or
 * "stores": the second store without row checks, whose rows - on shows what two plain stores differ by.
 * JDK 22+ runs the segment memory (the jar's Java 22 part); -Dfreshet.memory=unsafe forces Unsafe.
 * FRESHET_HARNESS_DUMP=1 in the environment prints every round.
 */

/**
 * What the apply pays for issue 21's checks (the undo record's check word with, for text keys, the fold of the key
 * bytes, and each applied offset's check word) and for the opt-in row checks ({@code StoreConfig.rowChecks}: the
 * fold of the key and row at each commit, and the row's check word copied into the undo image), measured so that
 * the shared machine's noise cancels: one JVM, two stores (table engine on {@code /dev/shm}, one shard, full at
 * {@code keys}, the same keys and rows; one without row checks, one with), short batches of the same applies (begin,
 * four counter increments, commit, uniform random keys) alternating between
 * <ol>
 *   <li>{@code off}: the plain store, checks not written ({@link ApplyChecks#enabled} false: a test-only switch);</li>
 *   <li>{@code on}: the plain store, checks written, as shipped by default;</li>
 *   <li>{@code rows}: the store with row checks, as shipped with {@code rowChecks(true)}.</li>
 * </ol>
 * The order of the three rotates every round, and each batch starts with untimed applies to its own store. Time is the
 * applying thread's CPU time. Reported: the median per-apply time of each, and the per-round differences
 * {@code on - off} and {@code rows - on} as median with quartiles and the 10th and 90th percentiles.
 * ({@code rows - on} also holds what two stores differ by at all: the "stores" control measures that.) Nothing is
 * asserted: timings are for people to read.
 */
public final class ApplyCheckCostHarness {
    private static final int BATCH = 16_384;
    /** Untimed applies before each batch, to the batch's store. */
    private static final int WARM = 4_096;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    /** HotSpot's per-thread allocation counter, for the bytes allocated per apply. */
    private static final com.sun.management.ThreadMXBean ALLOCATION =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final int SEQUENCE = 1 << 20;
    private static final int[] APPLY_OFFSETS = {24, 40, 56, 72};

    /** A keyed event; only its key matters here. */
    record Ev(long key, String text) {
    }

    /** The fields the benchmarks' PaymentFeatures set reads. */
    record Payment(long userId, long timeMs, double amount, long merchantId) {
    }

    /** The benchmarks' PaymentFeatures set (benchmarks module), rebuilt here for its row size: 16 features. */
    static final FeatureSet<Payment> PAYMENT_SET = FeatureSet.builder("user_payments", Payment.class)
        .entity("user", Payment::userId)
        .eventTime(Payment::timeMs)
        .latest("last_amount", Payment::amount)
        .count("txn_5m", Window.sliding(Duration.ofMinutes(5)))
        .sum("amount_1h", Payment::amount, Window.sliding(Duration.ofHours(1)))
        .max("max_amount_1h", Payment::amount, Window.sliding(Duration.ofHours(1)))
        .mean("mean_amount_1h", Payment::amount, Window.sliding(Duration.ofHours(1)))
        .count("txn_total")
        .sum("amount_total", Payment::amount)
        .min("min_amount", Payment::amount)
        .max("max_amount", Payment::amount)
        .mean("mean_amount", Payment::amount)
        .firstSeen("first_seen")
        .lastSeen("last_seen")
        .decayedCount("txn_decayed_1h", Duration.ofHours(1))
        .decayedSum("amount_decayed_1h", Payment::amount, Duration.ofHours(1))
        .lastN("last_merchants", Payment::merchantId, 5)
        .derived("amount_vs_mean_1h", d -> d.ratio("last_amount", "mean_amount_1h"))
        .build();

    static final FeatureSet<Ev> LONG_SET = counters(FeatureSet.builder("apply_check_cost", Ev.class)
        .entity("key", Ev::key).eventTime(e -> 0L));
    static final FeatureSet<Ev> TEXT_SET = counters(FeatureSet.builder("apply_check_cost_text", Ev.class)
        .textEntity("key", Ev::text).eventTime(e -> 0L));

    private static FeatureSet<Ev> counters(FeatureSetBuilder<Ev> b) {
        return b.count("c0").count("c1").count("c2").count("c3").count("c4").count("c5").count("c6").count("c7")
            .build();
    }

    private final RowStore store;
    private final ShardWriter writer;
    private final int topic;
    /** The same store with row checks. */
    private final RowStore rowStore;
    private final ShardWriter rowWriter;
    private final int rowTopic;
    private final boolean text;
    private final long[] longKeys;
    private final String[] textKeys;
    private final int[] sequence;
    /** Bytes of a row. */
    final int rowBytes;
    /** An A/A control: every batch runs without checks, so on - off shows the harness's own bias and noise. */
    private final boolean control;
    private int position;
    private long offset;
    /** Bytes this thread allocated over the measured batches of each mode, and their applies. */
    private final long[] allocatedBytes = new long[3];
    private final long[] measuredApplies = new long[3];

    ApplyCheckCostHarness(Path dir, int keys, boolean text) {
        this(dir, keys, text ? "text" : "long", false);
    }

    /**
     * @param dir the plain store's directory; the row-checked one is its sibling {@code <name>-rows}
     * @param kind long, text or payment (see the run comment above)
     */
    ApplyCheckCostHarness(Path dir, int keys, String kind, boolean control) {
        this(dir, keys, kind, control, true);
    }

    /**
     * @param rowChecks whether the second store has row checks: false makes {@code rows - on} an A/A control of two
     *     plain stores (what the harness reads when only the store differs)
     */
    ApplyCheckCostHarness(Path dir, int keys, String kind, boolean control, boolean rowChecks) {
        this.text = "text".equals(kind);
        this.control = control;
        FeatureSet<?> set = text ? TEXT_SET : "payment".equals(kind) ? PAYMENT_SET : LONG_SET;
        this.store = TableStore.open(config(set, dir, keys, false));
        this.writer = store.writer(0);
        this.topic = store.topicIndex("apply-check-cost");
        this.rowStore = TableStore.open(config(set, dir.resolveSibling(dir.getFileName() + "-rows"), keys,
            rowChecks));
        this.rowWriter = rowStore.writer(0);
        this.rowTopic = rowStore.topicIndex("apply-check-cost");
        this.rowBytes = set.rowSizeBytes();
        this.longKeys = new long[keys];
        this.textKeys = text ? new String[keys] : null;
        for (int i = 0; i < keys; i++) {
            longKeys[i] = i * 0x9E37_79B9L + 1;
            if (text) {
                textKeys[i] = String.format("user-%012d", longKeys[i] % 1_000_000_000_000L);
            }
        }
        SplittableRandom random = new SplittableRandom(21);
        this.sequence = new int[SEQUENCE];
        for (int i = 0; i < SEQUENCE; i++) {
            sequence[i] = random.nextInt(keys);
        }
        for (int i = 0; i < keys; i++) {
            apply(writer, topic, i);
            apply(rowWriter, rowTopic, i);
        }
    }

    private static StoreConfig config(FeatureSet<?> set, Path dir, int keys, boolean rowChecks) {
        // A fixed capacity: a store full at keys would otherwise grow, and copy rows during the measured batches.
        StoreConfig.Builder config = StoreConfig.builder(set).directory(dir).capacity(keys).shards(1)
            .growth(StoreGrowth.disabled()).rowChecks(rowChecks);
        return (set == TEXT_SET ? config.maxKeyBytes(24) : config).build();
    }

    /** One apply of key number {@code k} by a writer of one of the two stores. */
    private void apply(ShardWriter w, int topicIndex, int k) {
        int r = text ? w.begin(textKeys[k], topicIndex, 0, ++offset) : w.begin(longKeys[k], topicIndex, 0, ++offset);
        if (r != ShardWriter.BEGIN_OK) {
            throw new IllegalStateException("begin refused key number " + k + ": " + r);
        }
        RowBuffer row = w.row();
        for (int off : APPLY_OFFSETS) {
            row.putLong(off, row.getLong(off) + 1);
        }
        w.commit();
    }

    /**
     * @return this thread's CPU nanoseconds per apply over one batch in the given mode (0 off, 1 on, 2 rows): CPU
     *     time, not wall time, because on a shared machine the wall time of a batch counts every other process's
     *     time slices too, and multiplies any difference by the load
     */
    double batch(int mode) {
        ApplyChecks.enabled = mode != 0 && !control;
        ShardWriter w = mode == 2 ? rowWriter : writer;
        int t = mode == 2 ? rowTopic : topic;
        // Untimed applies to the same store first: the batch before may have been on the other store, whose lines
        // then fill the caches. Without this, the mode that always follows a batch of its own store (the rotation
        // makes 'on' follow 'off') reads warmer caches than one that follows the other store's batch.
        for (int i = 0; i < WARM; i++) {
            apply(w, t, sequence[position++ & (SEQUENCE - 1)]);
        }
        long a0 = ALLOCATION.getCurrentThreadAllocatedBytes();
        long t0 = THREADS.getCurrentThreadCpuTime();
        for (int i = 0; i < BATCH; i++) {
            apply(w, t, sequence[position++ & (SEQUENCE - 1)]);
        }
        long ns = THREADS.getCurrentThreadCpuTime() - t0;
        allocatedBytes[mode] += ALLOCATION.getCurrentThreadAllocatedBytes() - a0;
        measuredApplies[mode] += BATCH;
        ApplyChecks.enabled = true;
        return ns / (double) BATCH;
    }

    /**
     * @param rounds measured rounds (a quarter more warm up first)
     * @return ns[mode][round]
     */
    double[][] run(int rounds) {
        double[][] ns = new double[3][rounds];
        for (int r = -rounds / 4; r < rounds; r++) {
            for (int j = 0; j < 3; j++) {
                int mode = Math.floorMod(r + j, 3);
                double t = batch(mode);
                if (r >= 0) {
                    ns[mode][r] = t;
                }
            }
        }
        return ns;
    }

    /** @return bytes allocated per apply in each mode (0 off, 1 on, 2 rows) over every batch so far, as text */
    String allocationReport() {
        return String.format("allocated B/apply: off %.4f, on %.4f, rows %.4f",
            allocatedBytes[0] / (double) Math.max(1, measuredApplies[0]),
            allocatedBytes[1] / (double) Math.max(1, measuredApplies[1]),
            allocatedBytes[2] / (double) Math.max(1, measuredApplies[2]));
    }

    /** @return the plain store, for the harness's test */
    RowStore store() {
        return store;
    }

    /** @return the store with row checks, for the harness's test */
    RowStore rowStore() {
        return rowStore;
    }

    /** Closes the stores cleanly (checks on again, so the stores' own state is whole). */
    void close() {
        store.close();
        rowStore.close();
    }

    static double percentile(double[] values, double p) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.min(sorted.length - 1, Math.round(p * (sorted.length - 1)))];
    }

    static String report(double[][] ns) {
        int rounds = ns[0].length;
        double[] onOff = new double[rounds];
        double[] rowsOn = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            onOff[r] = ns[1][r] - ns[0][r];
            rowsOn[r] = ns[2][r] - ns[1][r];
        }
        return String.format("median CPU ns/apply: off %.1f, on %.1f, rows %.1f; per-round difference (ns/apply): "
            + "on-off %s; rows - on %s", percentile(ns[0], .5), percentile(ns[1], .5), percentile(ns[2], .5),
            spread(onOff), spread(rowsOn));
    }

    private static String spread(double[] d) {
        return String.format("median %.2f (quartiles %.2f..%.2f, p10..p90 %.2f..%.2f)", percentile(d, .5),
            percentile(d, .25), percentile(d, .75), percentile(d, .1), percentile(d, .9));
    }

    /**
     * @param args keys, rounds, kind ({@code long}, {@code text} or {@code payment}), optionally {@code control}
     * @throws IOException when the store directory cannot be removed
     */
    public static void main(String[] args) throws IOException {
        int keys = Integer.parseInt(args[0]);
        int rounds = Integer.parseInt(args[1]);
        String kind = args[2];
        boolean control = args.length > 3 && "control".equals(args[3]);
        boolean storesControl = args.length > 3 && "stores".equals(args[3]);
        Path dir = Path.of("/dev/shm", "freshet-applycheck-" + ProcessHandle.current().pid());
        Path rows = dir.resolveSibling(dir.getFileName() + "-rows");
        deleteRecursively(dir);
        deleteRecursively(rows);
        try {
            ApplyCheckCostHarness h = new ApplyCheckCostHarness(dir, keys, kind, control, !storesControl);
            double[][] ns = h.run(rounds);
            h.close();
            if (System.getenv("FRESHET_HARNESS_DUMP") != null) {
                for (int r = 0; r < rounds; r++) {
                    System.out.printf("round %d off %.1f on %.1f rows %.1f%n", r, ns[0][r], ns[1][r], ns[2][r]);
                }
            }
            System.out.printf((control ? "A/A CONTROL (checks off in every batch) " : "")
                + (storesControl ? "A/A STORES CONTROL (the second store has no row checks) " : "")
                + "keys=%d %s, rowBytes=%d, rounds=%d x 3 batches of %d applies, JDK %d, memory=%s: %s%n", keys,
                "text".equals(kind) ? "text keys (17 B)" : "long keys", h.rowBytes, rounds, BATCH,
                Runtime.version().feature(), io.freshet.core.internal.Memory.MEMORY.name(), report(ns) + "; "
                + h.allocationReport());
        } finally {
            deleteRecursively(dir);
            deleteRecursively(rows);
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
