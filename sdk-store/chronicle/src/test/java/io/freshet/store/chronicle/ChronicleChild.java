package io.freshet.store.chronicle;

import io.freshet.core.StoreConfig;
import io.freshet.core.StoreException;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.ShardWriter;
import io.freshet.store.RowStoreContractTest;
import io.freshet.store.chronicle.internal.ChroniclePrebuilt;
import io.freshet.store.chronicle.internal.ChronicleRowStore;
import java.io.RandomAccessFile;
import java.nio.file.Path;

/**
 * Child process of the Chronicle engine tests. Modes (first argument; the second is the store directory):
 * <ul>
 *   <li>{@code open}: open, apply to keys 0..9, close; prints {@code OK} or {@code REFUSED reason message}.</li>
 *   <li>{@code startup}: as {@code open} (printing {@code STATE} and the open state first), then prints
 *       {@code PREBUILT outcome detail} ({@link ChroniclePrebuilt})
 *       and {@code NATIVE} with the class loader of Chronicle's global-state implementation and whether it is the
 *       class loader of its interface.</li>
 *   <li>{@code hold-existing}: apply to keys 0..99 (offsets 0..99), then begin an apply to key 7 at offset 100,
 *       overwrite half of its row with garbage, print {@code HOLDING} and sleep until killed (the segment's write
 *       lock held, the entry's checksum stale, the undo slot active).</li>
 *   <li>{@code hold-new}: as above, but the held apply creates key 1000.</li>
 *   <li>{@code hold-many n}: as {@code hold-existing} over keys 0..n-1 (offsets 0..n-1, the held apply at offset n)
 *       in a store of {@link #configFor(Path, long) capacity} n + 1000.</li>
 *   <li>{@code halt-in n method hits}: opens (and so recovers) that store while a watcher thread samples the main
 *       thread's stack and halts the JVM (as a kill -9 would: no shutdown hooks, no close) at the {@code hits}-th
 *       sample that finds {@code method} on it; prints {@code HALTING} first. A recovery that ends before that
 *       prints {@code OPENED} and halts too, so that the next open recovers again.</li>
 *   <li>{@code truncate-under}: apply to keys 0..999, truncate the data file to half under the open store, read
 *       every key repeatedly; prints {@code DAMAGED} when a read reports it, {@code UNNOTICED} otherwise.</li>
 * </ul>
 */
final class ChronicleChild {
    static final int ROW_BYTES = RowStoreContractTest.SET.rowSizeBytes();
    /** Chronicle Map's global mutable state interface, whose {@code $$Native} implementation Chronicle Values makes. */
    static final String GLOBAL_STATE = "net.openhft.chronicle.hash.VanillaGlobalMutableState";

    private ChronicleChild() {
    }

    static StoreConfig config(Path dir) {
        return StoreConfig.builder(RowStoreContractTest.SET).directory(dir).capacity(10_000).shards(2)
            .build();
    }

    /** The store of the {@code hold-many} and {@code halt-in} modes: room for {@code keys} keys and more. */
    static StoreConfig configFor(Path dir, long keys) {
        return StoreConfig.builder(RowStoreContractTest.SET).directory(dir).capacity(keys + 1000)
            .shards(2).build();
    }

    /** Applies one counted event to a key: every lifetime counter + 1, so rows differ by how often they were hit. */
    static void apply(RowStore store, long key, int topic, long offset) {
        ShardWriter w = store.writer(store.shardOf(key));
        if (w.begin(key, topic, 0, offset) != ShardWriter.BEGIN_OK) {
            throw new IllegalStateException("begin refused key=" + key);
        }
        bump(w.row());
        w.commit();
    }

    static void bump(RowBuffer row) {
        for (int f = 0; f < 8; f++) {
            int at = 16 + f * 16 + 8;
            row.putLong(at, row.getLong(at) + 1);
        }
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        Path dir = Path.of(args[1]);
        switch (mode) {
            case "open" -> {
                try (RowStore s = new ChronicleStoreEngine().open(config(dir))) {
                    for (long k = 0; k < 10; k++) {
                        apply(s, k, ShardWriter.NO_SOURCE, 0);
                    }
                    System.out.println("OK");
                } catch (StoreException e) {
                    System.out.println("REFUSED " + e.reason() + " " + e.getMessage());
                }
            }
            case "startup" -> {
                try (RowStore s = new ChronicleStoreEngine().open(config(dir))) {
                    System.out.println("STATE " + s.openState());
                    for (long k = 0; k < 10; k++) {
                        apply(s, k, ShardWriter.NO_SOURCE, 0);
                    }
                }
                System.out.println("PREBUILT " + ChroniclePrebuilt.outcome() + " " + ChroniclePrebuilt.detail());
                // Loads nothing new: the open above made Chronicle resolve this class (defined or compiled).
                Class<?> impl = Class.forName(GLOBAL_STATE + "$$Native", false, ChronicleChild.class.getClassLoader());
                Class<?> iface = Class.forName(GLOBAL_STATE, false, ChronicleChild.class.getClassLoader());
                System.out.println("NATIVE " + impl.getClassLoader() + " sameLoaderAsInterface="
                    + (impl.getClassLoader() == iface.getClassLoader()));
            }
            case "hold-existing", "hold-new", "hold-many" -> {
                boolean many = mode.equals("hold-many");
                long keys = many ? Long.parseLong(args[2]) : 100;
                RowStore s = new ChronicleStoreEngine().open(many ? configFor(dir, keys) : config(dir));
                int topic = s.topicIndex("t");
                for (long k = 0; k < keys; k++) {
                    apply(s, k, topic, k);
                }
                long key = mode.equals("hold-new") ? 1000 : 7;
                ShardWriter w = s.writer(s.shardOf(key));
                // Offsets are per shard: one above anything this shard applied.
                if (w.begin(key, topic, 0, keys) != ShardWriter.BEGIN_OK) {
                    throw new IllegalStateException("begin refused");
                }
                for (int i = 0; i < ROW_BYTES / 2; i += 8) {
                    w.row().putLong(i, 0x5A5A5A5A5A5A5A5AL);
                }
                System.out.println("HOLDING");
                System.out.flush();
                Thread.sleep(Long.MAX_VALUE);
            }
            case "halt-in" -> {
                Thread main = Thread.currentThread();
                String method = args[3];
                int hits = Integer.parseInt(args[4]);
                Thread watcher = new Thread(() -> {
                    int seen = 0;
                    while (true) {
                        for (StackTraceElement f : main.getStackTrace()) {
                            if (f.getMethodName().equals(method)) {
                                if (++seen == hits) {
                                    System.out.println("HALTING");
                                    System.out.flush();
                                    Runtime.getRuntime().halt(137);
                                }
                                break;
                            }
                        }
                        // Each sample stops the main thread briefly: sample often enough to land anywhere in a
                        // phase, rarely enough to let it run.
                        java.util.concurrent.locks.LockSupport.parkNanos(200_000);
                    }
                }, "halt-watcher");
                watcher.setDaemon(true);
                watcher.start();
                new ChronicleStoreEngine().open(configFor(dir, Long.parseLong(args[2])));
                System.out.println("OPENED");
                System.out.flush();
                Runtime.getRuntime().halt(0);
            }
            case "truncate-under" -> {
                RowStore s = new ChronicleStoreEngine().open(config(dir));
                for (long k = 0; k < 1000; k++) {
                    apply(s, k, ShardWriter.NO_SOURCE, 0);
                }
                Path data = dir.resolve(ChronicleRowStore.DATA_FILE);
                try (RandomAccessFile raf = new RandomAccessFile(data.toFile(), "rw")) {
                    raf.setLength(raf.length() / 2);
                }
                RowBuffer row = RowBuffer.allocateHeap(ROW_BYTES);
                String outcome = "UNNOTICED";
                outer:
                for (int pass = 0; pass < 200; pass++) {
                    for (long k = 0; k < 1000; k++) {
                        try {
                            s.readRow(k, row);
                        } catch (StoreException e) {
                            outcome = "DAMAGED " + e.reason();
                            break outer;
                        }
                    }
                }
                System.out.println(outcome);
                System.out.flush();
                Runtime.getRuntime().halt(0);
            }
            default -> throw new IllegalArgumentException("mode=" + mode);
        }
    }
}
