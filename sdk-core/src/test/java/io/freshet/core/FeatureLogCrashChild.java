package io.freshet.core;

import java.nio.file.Path;

/**
 * Logs reads until it is killed: two threads, each logging request ids {@code thread, thread + 2, ...} for key
 * {@code id % (KEYS + 5)} of the fixture's store (seed 9, a clock that does not move, so each key's vector is fixed).
 * Prints READY once both threads have logged a few thousand entries. Run by {@link FeatureLogCrashTest}.
 */
public final class FeatureLogCrashChild {
    static final int THREADS = 2;
    static final long SEED = 9;

    private FeatureLogCrashChild() {
    }

    /** @param args the log directory */
    public static void main(String[] args) throws Exception {
        FeatureSet<Ev> set = FeatureLogFixture.longKeySet();
        FeatureTestDriver<Ev> driver = FeatureLogFixture.fed(set, SEED);
        FeatureLog log = FeatureLog.forReader(driver.reader()).directory(Path.of(args[0])).segmentBytes(1 << 20)
            .retainBytes(32L << 20).open();
        long[] done = new long[THREADS];
        for (int t = 0; t < THREADS; t++) {
            int lane = t;
            Thread th = new Thread(() -> {
                FeatureVector v = set.newVector();
                for (long id = lane; ; id += THREADS) {
                    log.read(id, key(id), v);
                    done[lane]++;
                }
            }, "logger-" + t);
            th.setDaemon(true);
            th.start();
        }
        while (done[0] < 5_000 || done[1] < 5_000) {
            Thread.sleep(1);
        }
        System.out.println("READY");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }

    static long key(long requestId) {
        return requestId % (FeatureLogFixture.KEYS + 5);
    }
}
