package io.freshet.store.table;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.StoreConfig;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.RowStore;
import io.freshet.store.ChildCommand;
import io.freshet.store.RowStoreContractTest;
import io.freshet.store.TableStoreEngine;
import io.freshet.store.internal.table.TableStore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One ingester that makes its store grow several times over, one model-serving process that opened the store
 * read-only before the first growth: the reader must keep reading every hot key, never torn, never backwards, and
 * follow the store into each new generation (it learns from the old file that the rows moved, and maps the files
 * the meta file names).
 */
class TableGrowthTwoProcessTest {
    static final int HOT = 40;

    @TempDir
    Path dir;

    static StoreConfig config(Path store, boolean readOnly) {
        return StoreConfig.builder(RowStoreContractTest.SET).directory(store).capacity(64).shards(2)
            .readOnly(readOnly).build();
    }

    @Test
    void aSecondProcessReadsConsistentRowsWhileTheStoreGrowsUnderIt() throws Exception {
        Path store = dir.resolve("store");
        try (TableStore s = (TableStore) new TableStoreEngine().open(config(store, false))) {
            for (long k = 0; k < HOT; k++) {
                TableGrowthTest.bump(s, k);
            }
            Process child = new ProcessBuilder(ChildCommand.of(List.of("-Xmx128m"), ReaderChild.class,
                store.toString())).redirectErrorStream(true).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8));
            assertThat(out.readLine()).as("child's first line").isEqualTo("READY");
            long i = 0;
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2500);
            while (System.nanoTime() < deadline) {
                TableGrowthTest.bump(s, i % HOT);
                // New keys at a pace the reader can follow through several generations (not all in the first ms).
                if (i % 4 == 0 && s.size() < 200_000) {
                    TableGrowthTest.bump(s, 1_000_000 + i);
                }
                i++;
            }
            String result = out.readLine();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(result).as("child's verdict").startsWith("OK");
            String[] f = result.split(" ");
            assertThat(Long.parseLong(f[1])).as("reads").isPositive();
            assertThat(Long.parseLong(f[2])).as("distinct counts seen: the reader saw the writer progress")
                .isGreaterThan(HOT);
            assertThat(Long.parseLong(f[3])).as("generations the reader followed the store into")
                .isGreaterThanOrEqualTo(3);
            assertThat(s.growthCount()).isGreaterThanOrEqualTo(3);
            assertThat(child.exitValue()).isZero();
        }
    }

    /** The reading process: READY, two seconds of reads, then "OK reads changes capacitiesSeen" or what broke. */
    static final class ReaderChild {
        private ReaderChild() {
        }

        public static void main(String[] args) {
            try (RowStore s = new TableStoreEngine().open(config(Path.of(args[0]), true))) {
                System.out.println("READY");
                System.out.flush();
                RowBuffer row = RowBuffer.allocateHeap(s.layout().rowSizeBytes());
                long[] last = new long[HOT];
                long reads = 0;
                long changes = 0;
                long capacity = s.capacity();
                long capacities = 0;
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
                while (System.nanoTime() < end) {
                    int k = (int) (reads % HOT);
                    if (!s.readRow(k, row)) {
                        System.out.println("MISSING key " + k + " at capacity " + s.capacity());
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
                    changes += c0 != last[k] ? 1 : 0;
                    last[k] = c0;
                    reads++;
                    if (s.capacity() != capacity) {
                        capacity = s.capacity();
                        capacities++;
                    }
                }
                System.out.println("OK " + reads + " " + changes + " " + capacities);
            } catch (RuntimeException e) {
                System.out.println("FAILED " + e);
            }
        }
    }
}
