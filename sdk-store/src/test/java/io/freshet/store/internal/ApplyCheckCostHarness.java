package io.freshet.store.internal;

import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureSetBuilder;
import io.freshet.core.StoreConfig;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.ShardWriter;
import io.freshet.store.internal.table.TableStore;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * Arguments: keys, rounds, key type (long | text: keys of 17 UTF-8 bytes), and optionally "control": an A/A run with
 * the checks off in every batch, whose on - off shows what the harness reads when nothing differs. JDK 22+ runs the
 * segment memory (the jar's Java 22 part); -Dfreshet.memory=unsafe forces Unsafe. FRESHET_HARNESS_DUMP=1 in the
 * environment prints every round.
 */

/**
 * What the apply pays for issue 21's checks (the undo record's check word with, for text keys, the fold of the key
 * bytes, and each applied offset's check word), measured so that the shared machine's noise cancels: one JVM, one
 * store (table engine on {@code /dev/shm}, one shard, full at {@code keys}, 144-byte rows), short batches of the same
 * applies (begin, four counter increments, commit, uniform random keys) alternating between
 * <ol>
 *   <li>{@code off}: checks not written ({@link ApplyChecks#enabled} false: a test-only switch);</li>
 *   <li>{@code on}: checks written, as shipped;</li>
 *   <li>{@code on+row}: as {@code on}, plus a fold of the old row's bytes, the same step per 8-byte word as the
 *       check's: what folding the undo record's row image into its check would add (not shipped).</li>
 * </ol>
 * The order of the three rotates every round. Time is the applying thread's CPU time. Reported: the median per-apply
 * time of each, and the per-round
 * differences {@code on - off} and {@code on+row - on} as median with quartiles and the 10th and 90th percentiles.
 * Nothing is asserted: timings are for people to read.
 */
public final class ApplyCheckCostHarness {
    private static final int BATCH = 16_384;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final int SEQUENCE = 1 << 20;
    private static final long MIX = 0x9E37_79B9_7F4A_7C15L;
    private static final int[] APPLY_OFFSETS = {24, 40, 56, 72};

    /** A keyed event; only its key matters here. */
    record Ev(long key, String text) {
    }

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
    private final boolean text;
    private final long[] longKeys;
    private final String[] textKeys;
    private final int[] sequence;
    private final int rowWords;
    /** An A/A control: every batch runs without checks, so on - off shows the harness's own bias and noise. */
    private final boolean control;
    private int position;
    private long offset;
    private long sink;

    ApplyCheckCostHarness(Path dir, int keys, boolean text) {
        this(dir, keys, text, false);
    }

    ApplyCheckCostHarness(Path dir, int keys, boolean text, boolean control) {
        this.text = text;
        this.control = control;
        FeatureSet<Ev> set = text ? TEXT_SET : LONG_SET;
        StoreConfig.Builder config = StoreConfig.builder(set).directory(dir).capacity(keys).shards(1);
        this.store = TableStore.open((text ? config.maxKeyBytes(24) : config).build());
        this.writer = store.writer(0);
        this.topic = store.topicIndex("apply-check-cost");
        this.rowWords = set.rowSizeBytes() / 8;
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
            apply(i, false);
        }
    }

    /** One apply of key number {@code k}; with {@code foldRow}, also folds the old row as a row-image check would. */
    private void apply(int k, boolean foldRow) {
        int r = text ? writer.begin(textKeys[k], topic, 0, ++offset) : writer.begin(longKeys[k], topic, 0, ++offset);
        if (r != ShardWriter.BEGIN_OK) {
            throw new IllegalStateException("begin refused key number " + k + ": " + r);
        }
        RowBuffer row = writer.row();
        if (foldRow) {
            long h = 0;
            for (int i = 0; i < rowWords; i++) {
                h = (h + row.getLong(i << 3)) * MIX;
            }
            sink += h;
        }
        for (int off : APPLY_OFFSETS) {
            row.putLong(off, row.getLong(off) + 1);
        }
        writer.commit();
    }

    /**
     * @return this thread's CPU nanoseconds per apply over one batch in the given mode (0 off, 1 on, 2 on+row): CPU
     *     time, not wall time, because on a shared machine the wall time of a batch counts every other process's
     *     time slices too, and multiplies any difference by the load
     */
    double batch(int mode) {
        ApplyChecks.enabled = mode != 0 && !control;
        boolean foldRow = mode == 2;
        long t0 = THREADS.getCurrentThreadCpuTime();
        for (int i = 0; i < BATCH; i++) {
            apply(sequence[position++ & (SEQUENCE - 1)], foldRow);
        }
        long ns = THREADS.getCurrentThreadCpuTime() - t0;
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

    /** @return the store, for the harness's test */
    RowStore store() {
        return store;
    }

    /** Closes the store cleanly (checks on again, so the store's own state is whole). */
    void close() {
        store.close();
    }

    static double percentile(double[] values, double p) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.min(sorted.length - 1, Math.round(p * (sorted.length - 1)))];
    }

    static String report(double[][] ns) {
        int rounds = ns[0].length;
        double[] onOff = new double[rounds];
        double[] rowOn = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            onOff[r] = ns[1][r] - ns[0][r];
            rowOn[r] = ns[2][r] - ns[1][r];
        }
        return String.format("median CPU ns/apply: off %.1f, on %.1f, on+row %.1f; per-round difference (ns/apply): "
            + "on-off %s; on+row - on %s", percentile(ns[0], .5), percentile(ns[1], .5), percentile(ns[2], .5),
            spread(onOff), spread(rowOn));
    }

    private static String spread(double[] d) {
        return String.format("median %.2f (quartiles %.2f..%.2f, p10..p90 %.2f..%.2f)", percentile(d, .5),
            percentile(d, .25), percentile(d, .75), percentile(d, .1), percentile(d, .9));
    }

    /**
     * @param args keys, rounds, key type ({@code long} or {@code text})
     * @throws IOException when the store directory cannot be removed
     */
    public static void main(String[] args) throws IOException {
        int keys = Integer.parseInt(args[0]);
        int rounds = Integer.parseInt(args[1]);
        boolean text = "text".equals(args[2]);
        boolean control = args.length > 3 && "control".equals(args[3]);
        Path dir = Path.of("/dev/shm", "freshet-applycheck-" + ProcessHandle.current().pid());
        deleteRecursively(dir);
        try {
            ApplyCheckCostHarness h = new ApplyCheckCostHarness(dir, keys, text, control);
            double[][] ns = h.run(rounds);
            h.close();
            if (System.getenv("FRESHET_HARNESS_DUMP") != null) {
                for (int r = 0; r < rounds; r++) {
                    System.out.printf("round %d off %.1f on %.1f on+row %.1f%n", r, ns[0][r], ns[1][r], ns[2][r]);
                }
            }
            System.out.printf((control ? "A/A CONTROL (checks off in every batch) " : "")
                + "keys=%d %s keys, rounds=%d x 3 batches of %d applies, JDK %d, memory=%s: %s (sink %d)%n", keys,
                text ? "text (17 B)" : "long", rounds, BATCH, Runtime.version().feature(),
                io.freshet.core.internal.Memory.MEMORY.name(), report(ns), h.sink & 1);
        } finally {
            deleteRecursively(dir);
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
