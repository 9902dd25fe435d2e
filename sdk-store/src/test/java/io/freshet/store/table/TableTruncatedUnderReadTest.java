package io.freshet.store.table;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.StoreConfig;
import io.freshet.core.StoreException;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.ShardWriter;
import io.freshet.store.ChildCommand;
import io.freshet.store.RowStoreContractTest;
import io.freshet.store.TableStoreEngine;
import io.freshet.store.internal.table.TableFormat;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A table file truncated under an open store, in the middle of a row: a read whose row copy runs off the end of the
 * file (the JIT-compiled bulk copy of {@code Shard.copyRow}, after a warm-up) must not crash the JVM (a SIGBUS that
 * escaped would end the child with 134 or 135) and must report the fault: as a typed {@code DAMAGED} error when it
 * arrives inside the read, or as the JVM's {@code InternalError} at the next safepoint poll when compiled code took
 * the fault (HotSpot delivers those asynchronously). In a child JVM, so that a crash fails this test instead of ending
 * the test JVM.
 */
class TableTruncatedUnderReadTest {
    private static final int PAGE = 4096;

    @TempDir
    Path dir;

    static StoreConfig config(Path store) {
        return StoreConfig.builder(RowStoreContractTest.SET).directory(store).capacity(1000).shards(1)
            .build();
    }

    @Test
    void aRowCopyThatRunsOffATruncatedFileIsReportedAsDamageAndTheJvmLives() throws Exception {
        Process child = new ProcessBuilder(ChildCommand.of(List.of("-Xmx128m"), TruncatingChild.class,
            dir.resolve("store").toString())).redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
            StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null;) {
                lines.add(line);
            }
        }
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).as("exit code (134/135 would be a JVM crash); output " + lines).isZero();
        assertThat(lines).as("child output").isNotEmpty();
        assertThat(lines.get(lines.size() - 1)).isIn("DAMAGED", "REPORTED_LATE");
    }

    /**
     * Fills keys 0..299, reads them all until the read path is compiled, cuts the file one page into the rows
     * region, then reads the key whose slot straddles the cut: its key lies before the cut, the end of its row after.
     * Prints {@code DAMAGED} for a {@code StoreException(DAMAGED)}, {@code REPORTED_LATE} for the JVM's
     * {@code InternalError}, {@code UNNOTICED} when neither came.
     */
    static final class TruncatingChild {
        private TruncatingChild() {
        }

        public static void main(String[] args) throws Exception {
            Path store = Path.of(args[0]);
            RowStore s = new TableStoreEngine().open(config(store));
            for (long k = 0; k < 300; k++) {
                ShardWriter w = s.writer(0);
                if (w.begin(k, ShardWriter.NO_SOURCE, 0, 0) != ShardWriter.BEGIN_OK) {
                    throw new IllegalStateException("begin refused key=" + k);
                }
                w.row().putLong(24, k);
                w.commit();
            }
            RowBuffer row = RowBuffer.allocateHeap(s.layout().rowSizeBytes());
            long sum = 0;
            for (int pass = 0; pass < 2000; pass++) {
                for (long k = 0; k < 300; k++) {
                    s.readRow(k, row);
                    sum += row.getLong(24);
                }
            }
            Path file = store.resolve(TableFormat.FILE_NAME);
            TableFormat f = TableFormat.of(config(store));
            long straddling = PAGE / f.slotBytes; // slots fill in insertion order: slot i holds key i
            if (straddling * f.slotBytes + f.slotBytes <= PAGE || straddling * f.slotBytes + f.rowOffsetInSlot > PAGE) {
                throw new IllegalStateException("no slot straddles the first page's end: slotBytes=" + f.slotBytes);
            }
            long cut = f.rowsOffset + PAGE;
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                raf.setLength(cut);
            }
            String outcome = "UNNOTICED";
            try {
                for (int i = 0; i < 1_000_000; i++) {
                    s.readRow(straddling, row);
                    sum += row.getLong(24);
                }
            } catch (StoreException e) {
                outcome = e.reason() == StoreException.Reason.DAMAGED ? "DAMAGED" : "OTHER " + e.reason();
            } catch (InternalError e) {
                // Compiled code reports a fault in a mapped access at its next safepoint poll, which may come after
                // readRow returned: the JVM lives, but the error is untyped and the row of that read is not to be
                // trusted (see the README, "Store files").
                outcome = "REPORTED_LATE";
            }
            System.out.println("sum " + (sum & 1) + " cut at " + cut);
            System.out.println(outcome);
            Runtime.getRuntime().halt(0);
        }
    }
}
