package io.freshet.store;

import io.freshet.core.spi.StoreEngine;
import java.util.Locale;

/**
 * The store engines, and the default one. The purpose-built {@link TableStoreEngine} is the default: measured side
 * by side with {@link ChronicleStoreEngine} on the same contract, crash and damage batteries, it reads 1.8–3.5×
 * faster, applies faster, reopens faster, needs no JVM flags and loads no library that could reach the network
 * (figures in benchmarks/RESULTS.md and the README). Chronicle Map stays available for users who already run it.
 * Stateless and thread-safe.
 */
public final class StoreEngines {
    private StoreEngines() {
    }

    /** @return the default engine (the table engine) */
    public static StoreEngine defaultEngine() {
        return table();
    }

    /** @return the purpose-built memory-mapped table engine */
    public static StoreEngine table() {
        return new TableStoreEngine();
    }

    /** @return the Chronicle Map engine (needs the JVM flags listed in the README) */
    public static StoreEngine chronicle() {
        return new ChronicleStoreEngine();
    }

    /**
     * @param name {@code table}, {@code chronicle} or {@code default}
     * @return the engine
     * @throws IllegalArgumentException for an unknown name
     */
    public static StoreEngine byName(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "table":
            case "default":
                return table();
            case "chronicle":
                return chronicle();
            default:
                throw new IllegalArgumentException("engine=" + name + " is unknown: use table, chronicle or default");
        }
    }
}
