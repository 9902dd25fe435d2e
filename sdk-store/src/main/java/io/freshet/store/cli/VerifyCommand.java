package io.freshet.store.cli;

import io.freshet.core.FeatureSet;
import io.freshet.core.StoreException;
import io.freshet.core.spi.RowStore;
import io.freshet.store.internal.MetaFileDescriptor;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code verify DIR}: every checksum of the store, each damaged part named; exit 1 when any fails. */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = {
        "Checks every checksum of a store without changing it: the meta file's header, both lifecycle copies,"
            + " the body checksum of a clean store, each undo slot, each applied offset, each topic entry and "
            + "metadata copy; then the rows through the engine's read-only open (the table engine verifies the seal"
            + " of its data file: every block's CRC32C). Exit 0 when intact, 1 naming each damaged part.",
        "Rows are checked only in a store closed cleanly: a live writer's or a killed writer's store has no "
            + "seal yet (its undo slots and offsets are checked after a kill). A chronicle store's rows need the "
            + "chronicle engine's artifact and JVM flags."})
final class VerifyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "The store directory.")
    Path dir;

    @Option(names = "--set", paramLabel = "CLASS", description = "Only for a store that does not record its "
        + "definition (rows are opened with it). " + SetLoader.HELP)
    String setSpec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        String meta = MetaFileDescriptor.FILE_NAME;
        StoreView v;
        try {
            v = StoreView.open(dir);
        } catch (StoreException e) {
            if (Main.exitCodeOf(e) == Main.EXIT_DAMAGED) {
                out.println("DAMAGED " + Main.oneLine(e));
                out.println("result: DAMAGED");
                return Main.EXIT_DAMAGED;
            }
            throw e;
        }
        try (v) {
            FeatureSet<?> set = setSpec == null ? null : SetLoader.load(setSpec);
            if (set != null) {
                v.checkSet(set, setSpec);
            }
            out.println("ok      " + meta + " header (format " + v.meta.formatVersion() + ", engine " + v.engineName()
                + ", set " + v.meta.setName() + ", fingerprint " + Text.hex(v.meta.fingerprint()) + ")");
            List<String> damage = v.meta.findDamage(v.liveWriter);
            for (String d : damage) {
                out.println("DAMAGED " + meta + ": " + d);
            }
            if (damage.isEmpty()) {
                out.println("ok      " + meta + " lifecycle, " + (v.liveWriter ? "topics, metadata (undo slots and "
                    + "offsets change under a live writer: not checked)" : (v.meta.wasClean() ? "body checksum, " : "")
                    + "undo slots, offsets, topics, metadata"));
            }
            int damaged = damage.size();
            if (damaged > 0) {
                out.println("skipped rows: the meta file is damaged");
            } else if (v.liveWriter) {
                out.println("skipped rows: a writer has the store open (the data file is sealed at its clean close)");
            } else if (!v.meta.wasClean()) {
                out.println("skipped rows: the last writer stopped without closing the store, so the data file has "
                    + "no seal; open it for writing once to recover it, then verify");
            } else {
                int rows = rows(out, v, set);
                if (rows < 0) {
                    out.println("result: INCOMPLETE (the meta file is intact; the rows could not be checked)");
                    return Main.EXIT_ERROR;
                }
                damaged += rows;
            }
            out.println(damaged == 0 ? "result: OK" : "result: DAMAGED (" + damaged + " part(s))");
            return damaged == 0 ? Main.EXIT_OK : Main.EXIT_DAMAGED;
        }
    }

    /** @return 0 when intact, 1 when damaged, -1 when the engine could not check them (the line says why) */
    private static int rows(PrintWriter out, StoreView v, FeatureSet<?> set) {
        try (RowStore rows = v.openRows(v.layout(set))) {
            out.println("ok      rows: " + rows.size() + " row(s), data file checksums verified by engine "
                + v.engineName());
            return 0;
        } catch (StoreException e) {
            if (Main.exitCodeOf(e) == Main.EXIT_DAMAGED) {
                out.println("DAMAGED " + Main.oneLine(e));
                return 1;
            }
            out.println("skipped rows: " + Main.oneLine(e));
            return -1;
        } catch (CliException e) {
            if (e.exitCode() == Main.EXIT_DAMAGED) {
                out.println("DAMAGED " + e.getMessage());
                return 1;
            }
            out.println("skipped rows: " + e.getMessage());
            return -1;
        }
    }
}
