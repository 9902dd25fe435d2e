package io.freshet.store.cli;

import io.freshet.core.FeatureSet;
import io.freshet.core.StoreConfig;
import io.freshet.core.spi.RowLayout;
import io.freshet.store.internal.table.TableSnapshotTool;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code snapshot DIR TARGET [--set CLASS]}: a consistent copy of a store no process has open, for a warm start. */
@Command(name = "snapshot", mixinStandardHelpOptions = true,
    description = {
        "Copies a table store that no process has open for writing into TARGET (absent or empty): its rows, the "
            + "Kafka offsets they reflect, its topics and metadata, sealed. A pipeline registered with a store on "
            + "TARGET (same definition and options) resumes from those offsets instead of replaying the topics.",
        "Unlike the other commands it writes: TARGET, and DIR's lifecycle words (it opens DIR for writing, so DIR is "
            + "locked meanwhile and recovered first if its writer was killed). A store that a running pipeline has "
            + "open is refused: take that snapshot in the pipeline's process with StoreSnapshot.of(pipeline, set)"
            + ".to(TARGET), which copies while it keeps applying.",
        "The set decodes the row: --set names it when the store does not record its definition."})
final class SnapshotCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "The store directory.")
    Path dir;

    @Parameters(index = "1", paramLabel = "TARGET", description = "An absent or empty directory for the snapshot.")
    Path target;

    @Option(names = "--set", paramLabel = "CLASS", description = SetLoader.HELP)
    String setSpec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        StoreConfig config;
        try (StoreView v = StoreView.open(dir)) {
            if (!"table".equals(v.engineName())) {
                throw new CliException(Main.EXIT_ERROR, dir + ": engine=" + v.engineName() + " cannot take "
                    + "snapshots: only the table engine (the default) can");
            }
            if (v.liveWriter) {
                throw new CliException(Main.EXIT_ERROR, dir + " is open by a writer now (a running pipeline): take "
                    + "the snapshot in that process with StoreSnapshot.of(pipeline, set).to(TARGET), which copies "
                    + "while the pipeline keeps applying; or stop it first");
            }
            FeatureSet<?> set = setSpec == null ? null : SetLoader.load(setSpec);
            if (set != null) {
                v.checkSet(set, setSpec);
            }
            RowLayout layout = v.layout(set);
            config = v.writableConfig(layout);
        }
        long startNs = System.nanoTime();
        long rows = TableSnapshotTool.snapshot(config, target);
        long ms = (System.nanoTime() - startNs) / 1_000_000;
        out.println("snapshot of " + dir.toAbsolutePath() + " -> " + target.toAbsolutePath() + ": rows=" + rows
            + " in " + ms + " ms");
        return Main.EXIT_OK;
    }
}
