package io.freshet.store.table;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.StoreConfig;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.ShardWriter;
import io.freshet.store.ChildCommand;
import io.freshet.store.RowStoreContractTest;
import io.freshet.store.TableStoreEngine;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One ingester, one model-serving process: a child JVM (started without any JVM flag) maps the store read-only while
 * this JVM applies, and checks every row it reads for tearing (eight counters that always move together) and for
 * progress (counts never go backwards per key, and it sees the writer's later applies).
 */
class TableTwoProcessTest {
    static final int KEYS = 64;

    @TempDir
    Path dir;

    static StoreConfig config(Path store, boolean readOnly) {
        return StoreConfig.builder(RowStoreContractTest.SET).directory(store).capacity(1000).shards(2)
            .readOnly(readOnly).build();
    }

    @Test
    void aSecondProcessReadsConsistentRowsWhileThisOneWrites() throws Exception {
        Path store = dir.resolve("store");
        try (RowStore s = new TableStoreEngine().open(config(store, false))) {
            for (long k = 0; k < KEYS; k++) {
                apply(s, k);
            }
            Process child = new ProcessBuilder(ChildCommand.of(List.of("-Xmx128m"), ReaderChild.class,
                store.toString())).redirectErrorStream(true).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8));
            String ready = out.readLine();
            assertThat(ready).as("child's first line").isEqualTo("READY");
            long applied = 0;
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
            while (System.nanoTime() < deadline) {
                apply(s, applied % KEYS);
                applied++;
            }
            String result = out.readLine();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(result).as("child's verdict").startsWith("OK");
            String[] f = result.split(" ");
            assertThat(Long.parseLong(f[1])).as("reads").isPositive();
            assertThat(Long.parseLong(f[2])).as("distinct counts seen: the reader saw the writer progress")
                .isGreaterThan(KEYS);
            assertThat(child.exitValue()).isZero();
        }
    }

    private static void apply(RowStore s, long key) {
        ShardWriter w = s.writer(s.shardOf(key));
        if (w.begin(key, ShardWriter.NO_SOURCE, 0, 0) != ShardWriter.BEGIN_OK) {
            throw new IllegalStateException("begin refused");
        }
        RowBuffer r = w.row();
        for (int f = 0; f < 8; f++) {
            r.putLong(24 + 16 * f, r.getLong(24 + 16 * f) + 1);
        }
        w.commit();
    }

    /** The reading process: prints READY, reads for one second, prints "OK reads distinct" or "TORN ...". */
    static final class ReaderChild {
        private ReaderChild() {
        }

        public static void main(String[] args) {
            try (RowStore s = new TableStoreEngine().open(config(Path.of(args[0]), true))) {
                System.out.println("READY");
                System.out.flush();
                RowBuffer row = RowBuffer.allocateHeap(s.layout().rowSizeBytes());
                long[] last = new long[KEYS];
                long reads = 0;
                long changes = 0;
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
                while (System.nanoTime() < end) {
                    int k = (int) (reads % KEYS);
                    if (!s.readRow(k, row)) {
                        System.out.println("MISSING key " + k);
                        return;
                    }
                    long c0 = row.getLong(24);
                    for (int f = 1; f < 8; f++) {
                        if (row.getLong(24 + 16 * f) != c0) {
                            System.out.println("TORN key " + k + " c0=" + c0 + " c" + f + "="
                                + row.getLong(24 + 16 * f));
                            return;
                        }
                    }
                    if (c0 < last[k]) {
                        System.out.println("BACKWARDS key " + k + " " + last[k] + " -> " + c0);
                        return;
                    }
                    if (c0 != last[k]) {
                        changes++;
                    }
                    last[k] = c0;
                    reads++;
                }
                System.out.println("OK " + reads + " " + changes);
            }
        }
    }
}
