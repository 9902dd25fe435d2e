package io.freshet.store;

import io.freshet.core.StoreConfig;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.StoreEngine;
import java.nio.file.Path;

/**
 * The crash battery's child process: opens (and so recovers) the store, prints READY, applies the stream until
 * killed or done, then prints DONE and closes cleanly.
 * Args: engineClass storeDir seed partitions keys recordsPerPartition shards capacity [tombstoneEvery].
 */
public final class CrashChild {
    private CrashChild() {
    }

    /**
     * @param args see class comment
     * @throws Exception on failure (the parent sees a non-zero exit and the output)
     */
    public static void main(String[] args) throws Exception {
        StoreEngine engine = (StoreEngine) Class.forName(args[0]).getDeclaredConstructor().newInstance();
        CrashStream stream = new CrashStream(Long.parseLong(args[2]), Integer.parseInt(args[3]),
            Integer.parseInt(args[4]), Long.parseLong(args[5]), args.length > 8 ? Integer.parseInt(args[8]) : 0);
        StoreConfig config = StoreConfig.builder(CrashStream.SET).directory(Path.of(args[1]))
            .shards(Integer.parseInt(args[6])).capacity(Long.parseLong(args[7])).build();
        try (RowStore store = engine.open(config)) {
            System.out.println("READY " + store.openState());
            System.out.flush();
            long n = stream.run(store, Long.MAX_VALUE);
            System.out.println("DONE " + n);
            System.out.flush();
        }
    }
}
