package io.freshet.store.cli;

import io.freshet.core.FeatureSet;
import io.freshet.core.StoreConfig;
import io.freshet.core.StoreException;
import io.freshet.core.spi.StoreEngine;
import io.freshet.core.spi.StoreFootprint;
import io.freshet.store.StoreEngines;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code size --set CLASS --capacity N}: what a store would cost, per engine, before it exists. */
@Command(name = "size", mixinStandardHelpOptions = true,
    description = "Bytes on disk, mapped into memory and on a writer's heap of a store of a set and capacity, per "
        + "engine, before the store exists: computed by each engine's own layout code. Creates nothing.")
final class SizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--set", required = true, paramLabel = "CLASS", description = SetLoader.HELP)
    String setSpec;

    @Option(names = "--capacity", required = true, paramLabel = "N", description = "Rows (keys) the store holds.")
    long capacity;

    @Option(names = "--keys", paramLabel = "N", description = "Keys you expect: shows the fill they make (rows /"
        + " capacity) and the capacity that keeps them below the pipeline's fill warning (80%%).")
    Long keys;

    @Option(names = "--engine", paramLabel = "NAME", description = "table or chronicle; default: both.")
    String engine;

    @Option(names = "--shards", paramLabel = "N", defaultValue = "1",
        description = "Shards (default ${DEFAULT-VALUE}).")
    int shards;

    @Option(names = "--max-key-bytes", paramLabel = "N", defaultValue = "" + StoreConfig.DEFAULT_MAX_KEY_BYTES,
        description = "Longest text key in UTF-8 bytes (default ${DEFAULT-VALUE}).")
    int maxKeyBytes;

    @Option(names = "--max-topics", paramLabel = "N", defaultValue = "" + StoreConfig.DEFAULT_MAX_TOPICS,
        description = "Topics in the offset table (default ${DEFAULT-VALUE}).")
    int maxTopics;

    @Option(names = "--max-partitions", paramLabel = "N", defaultValue = "" + StoreConfig.DEFAULT_MAX_PARTITIONS,
        description = "Partitions per topic in the offset table (default ${DEFAULT-VALUE}).")
    int maxPartitions;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        FeatureSet<?> set = SetLoader.load(setSpec);
        StoreConfig config;
        try {
            config = StoreConfig.builder(set).capacity(capacity).shards(shards)
                .maxKeyBytes(maxKeyBytes).maxTopics(maxTopics).maxPartitions(maxPartitions).build();
        } catch (IllegalArgumentException e) {
            throw new CliException(Main.EXIT_ERROR, e.getMessage());
        }
        if (keys != null && keys < 0) {
            throw new CliException(Main.EXIT_ERROR, "--keys " + keys + ": use a count of keys, 0 or more");
        }
        InspectCommand.line(out, "set", set.name() + " (" + set.refs().size() + " features, key " + set.keyType()
            + ", fingerprint " + Text.hex(set.fingerprint()) + ")");
        InspectCommand.line(out, "bytes per row", Integer.toString(set.rowSizeBytes()));
        InspectCommand.line(out, "capacity", capacity + " rows in " + shards + " shard(s)");
        if (keys != null) {
            InspectCommand.line(out, "fill", fill(keys, capacity));
        }
        for (String name : engine == null ? List.of("table", "chronicle") : List.of(engine)) {
            StoreEngine e;
            try {
                e = StoreEngines.byName(name);
            } catch (IllegalArgumentException ex) {
                throw new CliException(Main.EXIT_ERROR, "--engine " + name + ": " + ex.getMessage());
            } catch (RuntimeException | LinkageError ex) {
                // StoreEngines names the missing artifact in its message: that line is the whole answer.
                boolean named = ex instanceof IllegalStateException && ex.getMessage() != null;
                InspectCommand.line(out, name, "not available: " + (named ? ex.getMessage() : Main.oneLine(ex)));
                continue;
            }
            try {
                StoreFootprint f = e.footprint(config);
                InspectCommand.line(out, name, "disk " + Text.bytes(f.diskBytes()) + ", mapped "
                    + Text.bytes(f.mappedBytes()) + ", writer heap " + Text.bytes(f.heapBytes()));
                InspectCommand.line(out, name + " per key", String.format(Locale.ROOT, "%.1f bytes on disk",
                    (double) f.diskBytes() / capacity));
            } catch (UnsupportedOperationException ex) {
                InspectCommand.line(out, name, "not reported: " + ex.getMessage() + " (create a store and run "
                    + "inspect to measure it)");
            } catch (IllegalArgumentException ex) {
                InspectCommand.line(out, name, "cannot hold it: " + ex.getMessage());
            } catch (StoreException ex) {
                // E.g. Chronicle without its JVM flags: the message lists them.
                InspectCommand.line(out, name, "not reported: " + ex.getMessage());
            }
        }
        return Main.EXIT_OK;
    }

    /** What {@code keys} make of a store of {@code capacity} rows, and the capacity that keeps them below 80 %. */
    static String fill(long keys, long capacity) {
        double fill = (double) keys / capacity;
        long enough = (long) Math.ceil(keys / InspectCommand.FILL_WARNING);
        String at = String.format(Locale.ROOT, "%.1f%% at %d keys", 100 * fill, keys);
        if (fill < InspectCommand.FILL_WARNING) {
            return at + " (below the pipeline's fill warning, 80%)";
        }
        if (keys <= capacity) {
            return at + ": at or above the pipeline's fill warning (80%); --capacity " + enough + " keeps it below";
        }
        return at + ": more keys than rows: the set would wait for room (status STORE_FULL, nothing skipped) until"
            + " rows expire (TTL) or the store grows; --capacity " + enough + " keeps it below the fill warning (80%)";
    }
}
