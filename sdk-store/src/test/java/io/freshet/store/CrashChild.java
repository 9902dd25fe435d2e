package io.freshet.store;

import io.freshet.core.StoreConfig;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.StoreEngine;
import io.freshet.store.internal.table.GrowthSteps;
import io.freshet.store.internal.table.TableStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The crash battery's child process: opens (and so recovers) the store, prints READY, applies the stream until
 * killed or done, then prints DONE and closes cleanly.
 * Args: engineClass storeDir seed partitions keys recordsPerPartition shards capacity [tombstoneEvery
 * [pauseInGrowth [stopAtStep]]].
 *
 * <p>With {@code pauseInGrowth} (a table store only) the child applies in small random chunks and, once a growth
 * has two generations on disk, prints GROWING and stops applying, so that the parent's kill lands mid-growth for
 * certain rather than by chance (a copy that one row per apply still finishes in milliseconds is hard to hit).
 * If no growth starts within {@link #GROWTH_WAIT_NS} it prints NO-GROWTH and applies on as without the flag.
 *
 * <p>With {@code stopAtStep} (a table store only; one of {@link GrowthSteps#names()}) the thread that first reaches
 * that step of a growth prints {@code STEP name files...} (the store's files at that moment) and stops there, and
 * the child stops applying; if no growth reaches it within {@link #STEP_WAIT_NS} it prints NO-STEP.
 */
public final class CrashChild {
    static final long GROWTH_WAIT_NS = 3_000_000_000L;
    static final long STEP_WAIT_NS = 60_000_000_000L;

    private CrashChild() {
    }

    /**
     * @param args see class comment
     * @throws Exception on failure (the parent sees a non-zero exit and the output)
     */
    public static void main(String[] args) throws Exception {
        StoreEngine engine = (StoreEngine) Class.forName(args[0]).getDeclaredConstructor().newInstance();
        Path dir = Path.of(args[1]);
        long seed = Long.parseLong(args[2]);
        CrashStream stream = new CrashStream(seed, Integer.parseInt(args[3]),
            Integer.parseInt(args[4]), Long.parseLong(args[5]), args.length > 8 ? Integer.parseInt(args[8]) : 0);
        boolean pauseInGrowth = args.length > 9 && Boolean.parseBoolean(args[9]);
        StoreConfig config = StoreConfig.builder(CrashStream.SET).directory(dir)
            .shards(Integer.parseInt(args[6])).capacity(Long.parseLong(args[7])).build();
        String stopAtStep = args.length > 10 ? args[10] : "";
        try (RowStore store = engine.open(config)) {
            System.out.println("READY " + store.openState());
            System.out.flush();
            if (!stopAtStep.isEmpty() && store instanceof TableStore) {
                applyUntilStep(stream, store, dir, stopAtStep);
            }
            if (pauseInGrowth && store instanceof TableStore table) {
                applyUntilTwoGenerations(stream, table, dir, new SplittableRandom(seed ^ System.nanoTime()));
            }
            long n = stream.run(store, Long.MAX_VALUE);
            System.out.println("DONE " + n);
            System.out.flush();
        }
    }

    private static void applyUntilTwoGenerations(CrashStream stream, TableStore table, Path dir,
            SplittableRandom random) throws Exception {
        long start = System.nanoTime();
        while (System.nanoTime() - start < GROWTH_WAIT_NS) {
            stream.run(table, random.nextInt(1, 64));
            if (table.growing() && dataFiles(dir) >= 2) {
                System.out.println("GROWING");
                System.out.flush();
                Thread.sleep(Long.MAX_VALUE);
            }
        }
        System.out.println("NO-GROWTH");
        System.out.flush();
    }

    private static void applyUntilStep(CrashStream stream, RowStore store, Path dir, String step) throws Exception {
        AtomicBoolean reached = new AtomicBoolean();
        GrowthSteps.stopAt(step, () -> {
            reached.set(true);
            System.out.println("STEP " + step + " " + files(dir));
            System.out.flush();
        });
        long start = System.nanoTime();
        while (!reached.get() && System.nanoTime() - start < STEP_WAIT_NS) {
            stream.run(store, 16);
        }
        if (!reached.get()) {
            System.out.println("NO-STEP");
            System.out.flush();
        }
        Thread.sleep(Long.MAX_VALUE);
    }

    private static String files(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.joining(" "));
        } catch (java.io.IOException e) {
            return "(unlisted: " + e + ")";
        }
    }

    /** @return the table data files in {@code store}: the current generation, a next one, a half-made one */
    static long dataFiles(Path store) throws Exception {
        if (!Files.isDirectory(store)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(store)) {
            return files.filter(p -> p.getFileName().toString().matches("table(-\\d+)?\\.fst(\\.tmp)?")).count();
        }
    }
}
