package io.freshet.store.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.StoreConfig;
import io.freshet.core.StoreOpenState;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.ShardWriter;
import io.freshet.store.StoreEngines;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store tool's {@code snapshot} command: a closed store is copied with its rows, offsets and Kafka ids, and the
 * copy opens as a clean store; a store open by a writer is refused with the way to snapshot it live.
 */
class SnapshotCommandTest {
    private static final String TOPIC = "payments";

    @TempDir
    Path tmp;

    private static StoreConfig config(Path dir) {
        return config(dir, false);
    }

    private static StoreConfig config(Path dir, boolean readOnly) {
        return StoreConfig.builder(CliSets.PAYMENTS).directory(dir).capacity(1000).shards(2).maxTopics(2)
            .maxPartitions(4).readOnly(readOnly).build();
    }

    private static int run(StringWriter out, StringWriter err, String... args) {
        return Main.run(new PrintWriter(out), new PrintWriter(err), args);
    }

    private static void write(RowStore s, int keys) {
        int topic = s.topicIndex(TOPIC);
        s.putMetadata("kafka.cluster.id", "test-cluster-7");
        for (int k = 0; k < keys; k++) {
            ShardWriter w = s.writer(s.shardOf(k));
            assertThat(w.begin(k, topic, k % 4, k)).isEqualTo(ShardWriter.BEGIN_OK);
            w.row().putLong(24, 1000 + k);
            w.commit();
        }
    }

    @Test
    void snapshotOfAClosedStoreCopiesRowsOffsetsAndIdsAndOpensClean() {
        Path dir = tmp.resolve("store");
        Path target = tmp.resolve("copy");
        try (RowStore s = StoreEngines.table().open(config(dir))) {
            write(s, 300);
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertThat(run(out, err, "snapshot", dir.toString(), target.toString())).as(err.toString()).isZero();
        assertThat(out.toString()).contains("rows=300");
        try (RowStore src = StoreEngines.table().open(config(dir, true));
             RowStore copy = StoreEngines.table().open(config(target))) {
            assertThat(copy.openState()).isEqualTo(StoreOpenState.CLEAN);
            assertThat(copy.size()).isEqualTo(300);
            assertThat(copy.metadata("kafka.cluster.id")).isEqualTo("test-cluster-7");
            int topic = copy.topicIndex(TOPIC);
            RowBuffer row = RowBuffer.allocateHeap(CliSets.PAYMENTS.rowSizeBytes());
            for (int k = 0; k < 300; k++) {
                assertThat(copy.readRow(k, row)).isTrue();
                assertThat(row.getLong(24)).isEqualTo(1000 + k);
            }
            for (int sh = 0; sh < copy.shardCount(); sh++) {
                for (int p = 0; p < 4; p++) {
                    assertThat(copy.appliedOffset(sh, topic, p)).as("shard " + sh + " partition " + p)
                        .isEqualTo(src.appliedOffset(sh, topic, p));
                }
            }
        }
    }

    @Test
    void snapshotOfAStoreOpenByAWriterIsRefusedWithTheLiveWay() {
        Path dir = tmp.resolve("store");
        try (RowStore s = StoreEngines.table().open(config(dir))) {
            write(s, 10);
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            assertThat(run(out, err, "snapshot", dir.toString(), tmp.resolve("copy").toString()))
                .isEqualTo(Main.EXIT_ERROR);
            assertThat(err.toString()).contains("open by a writer").contains("StoreSnapshot.of(pipeline, set)");
        }
        assertThat(tmp.resolve("copy")).doesNotExist();
    }
}
