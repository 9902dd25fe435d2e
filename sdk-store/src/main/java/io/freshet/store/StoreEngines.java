package io.freshet.store;

import io.freshet.core.spi.StoreEngine;
import java.util.Locale;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * The store engines, and the default one. The purpose-built {@link TableStoreEngine} is the default: measured side
 * by side with the Chronicle Map engine on the same contract, crash and damage batteries, it reads 1.8–3.5× faster,
 * applies faster, reopens faster, needs no JVM flags and loads no library that could reach the network (figures in
 * benchmarks/RESULTS.md and the README). Chronicle Map stays available for users who already run it, in its own
 * artifact ({@code io.freshet:freshet-store-chronicle}) so that this one brings no OpenHFT jar: {@link #chronicle()}
 * finds it on the class path through {@link ServiceLoader} (it registers itself as a {@link StoreEngine} provider).
 * Stateless and thread-safe.
 */
public final class StoreEngines {
    /** The Maven coordinates of the Chronicle Map engine. */
    static final String CHRONICLE_ARTIFACT = "io.freshet:freshet-store-chronicle";
    private static final String CHRONICLE = "chronicle";

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

    /**
     * Finds the Chronicle Map engine, a {@link StoreEngine} provider named {@code chronicle} in the artifact
     * {@code io.freshet:freshet-store-chronicle}, through {@link ServiceLoader}: first in the thread's context class
     * loader, then in this class's. Finding it loads no Chronicle class.
     *
     * @return the Chronicle Map engine (needs the JVM flags listed in the README)
     * @throws IllegalStateException when that artifact is not on the class path (the message says what to add), or
     *     its provider cannot be loaded
     */
    public static StoreEngine chronicle() {
        StoreEngine engine = chronicleIn(Thread.currentThread().getContextClassLoader());
        if (engine == null) {
            engine = chronicleIn(StoreEngines.class.getClassLoader());
        }
        if (engine == null) {
            throw new IllegalStateException("The Chronicle Map engine is in " + CHRONICLE_ARTIFACT + "; add it to "
                + "your dependencies (it needs the JVM flags listed in the README), or use StoreEngines.table()");
        }
        return engine;
    }

    /**
     * @param name {@code table}, {@code chronicle} or {@code default}
     * @return the engine
     * @throws IllegalArgumentException for an unknown name
     * @throws IllegalStateException for {@code chronicle} when its artifact is absent (see {@link #chronicle()})
     */
    public static StoreEngine byName(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "table":
            case "default":
                return table();
            case CHRONICLE:
                return chronicle();
            default:
                throw new IllegalArgumentException("engine=" + name + " is unknown: use table, chronicle or default");
        }
    }

    /**
     * @param loader where to look for providers; null finds none
     * @return the first provider named {@code chronicle}, or null
     */
    private static StoreEngine chronicleIn(ClassLoader loader) {
        if (loader == null) {
            return null;
        }
        try {
            for (StoreEngine e : ServiceLoader.load(StoreEngine.class, loader)) {
                if (CHRONICLE.equals(e.name())) {
                    return e;
                }
            }
        } catch (ServiceConfigurationError e) {
            throw new IllegalStateException("cannot load the store engines on the class path: " + e.getMessage()
                + "; " + CHRONICLE_ARTIFACT + " must be of the same version as freshet-store", e);
        }
        return null;
    }
}
