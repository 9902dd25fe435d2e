package io.freshet.store.cli;

import io.freshet.core.FeatureRef;
import io.freshet.core.FeatureSet;
import io.freshet.core.StoreException;
import io.freshet.core.internal.CanonicalForms;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.ShardWriter;
import io.freshet.store.internal.MetaFile;
import io.freshet.store.internal.MetaFileDescriptor;
import io.freshet.store.internal.table.TableStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code inspect DIR}: what a store is and holds, from its meta file and a read-only open of its rows. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
    description = {
        "Shows a store: format, engine, set, definition fingerprint and features, rows used of capacity "
            + "(fill), growth history (when, from, to) of a table store that grew, bytes per row and per key, clean "
            + "flag, boot id, applied offsets per partition, Kafka cluster"
            + " and topic ids, last apply time. Reads only.",
        "Features come from the definition the store records at creation; a store made before it was recorded"
            + " needs --set to name them (and to count its rows)."})
final class InspectCommand implements Callable<Integer> {
    /** The pipeline's default fill warning (FeaturePipelineBuilder.storeFillWarning); this module cannot see it. */
    static final double FILL_WARNING = 0.8;
    static final String FILL_WARNING_TEXT = "at or above 80%: a running pipeline warns from this fill on, and its set"
        + " waits for room (status STORE_FULL, nothing skipped) once a shard is full; grow the store offline"
        + " (TableStoreEngine.resize) or give the set a TTL";
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "The store directory.")
    Path dir;

    @Option(names = "--set", paramLabel = "CLASS", description = SetLoader.HELP)
    String setSpec;

    @Override
    public Integer call() {
        // Buffered: a store found damaged half-way prints its one error line and nothing else.
        StringWriter report = new StringWriter();
        PrintWriter out = new PrintWriter(report);
        try (StoreView v = StoreView.open(dir)) {
            FeatureSet<?> set = setSpec == null ? null : SetLoader.load(setSpec);
            if (set != null) {
                v.checkSet(set, setSpec);
            }
            MetaFile m = v.meta;
            List<String> damage = m.findDamage(v.liveWriter);
            if (!damage.isEmpty()) {
                throw new CliException(Main.EXIT_DAMAGED, v.path + ": " + MetaFileDescriptor.FILE_NAME + " is damaged: "
                    + damage.get(0) + (damage.size() > 1 ? " (and " + (damage.size() - 1) + " more: run verify)" : ""));
            }
            MetaFileDescriptor.Geometry g = m.geometry();
            String canonical = v.recordedDefinition();
            line(out, "store", v.path.toString());
            line(out, "format", MetaFileDescriptor.FILE_NAME + " version " + m.formatVersion());
            line(out, "engine", v.engineName());
            line(out, "set", m.setName() + " (key " + (m.keyTypeOrdinal() == 0 ? "LONG" : "TEXT") + ")");
            line(out, "fingerprint", Text.hex(m.fingerprint()));
            line(out, "features", features(set, canonical));
            line(out, "clean", clean(v));
            line(out, "boot id", Text.hex(m.bootId()) + (m.lastWriterInThisBoot() ? " (this boot)"
                : " (an earlier boot: the OS restarted since the last writer ran)"));
            line(out, "open generation", Long.toString(m.openGeneration()));
            line(out, "created", Text.time(m.createdMs()));
            line(out, "last open", Text.time(m.lastOpenMs()));
            line(out, "last close", Text.time(m.lastCloseMs()));
            Map<String, String> md = m.metadata().all();
            long capacity = currentCapacity(md, m.capacity());
            growth(out, md, m.capacity());
            rows(out, v, set, canonical, capacity);
            line(out, "bytes per row", g.rowSizeBytes + " (the row of the set's features)");
            long files = filesBytes(v.path);
            line(out, "store files", Text.bytes(files));
            line(out, "bytes per key", String.format(Locale.ROOT, "%.1f (store files / capacity)",
                (double) files / capacity));
            String cluster = md.get("kafka.cluster.id");
            line(out, "kafka cluster", cluster == null ? "none recorded" : cluster);
            Map<Integer, String> topics = m.metadata().topics();
            if (topics.isEmpty()) {
                line(out, "topics", "none");
            }
            for (Map.Entry<Integer, String> t : topics.entrySet()) {
                String id = md.get("kafka.topic." + t.getValue() + ".id");
                line(out, "topic " + t.getKey(), t.getValue() + " (topic id " + (id == null ? "none recorded" : id)
                    + ")");
            }
            offsets(out, m, topics);
            for (Map.Entry<String, String> e : md.entrySet()) {
                String k = e.getKey();
                if (!k.equals(MetaFileDescriptor.DEFINITION_KEY) && !k.equals("kafka.cluster.id")
                    && !k.equals(TableStore.LAYOUT_KEY) && !k.equals(TableStore.GROWTH_HISTORY_KEY)
                    && !(k.startsWith("kafka.topic.") && k.endsWith(".id"))) {
                    line(out, "metadata", k + "=" + e.getValue());
                }
            }
        }
        out.flush();
        spec.commandLine().getOut().print(report);
        return Main.EXIT_OK;
    }

    static void line(PrintWriter out, String key, String value) {
        out.printf(Locale.ROOT, "%-16s %s%n", key + ":", value);
    }

    private static String features(FeatureSet<?> set, String canonical) {
        List<String> names = new ArrayList<>();
        if (set != null) {
            for (FeatureRef r : set.refs()) {
                names.add(r.name() + " " + r.kind() + (r.kind().isStored() ? "" : " (derived)"));
            }
            return String.join(", ", names) + " (from --set)";
        }
        if (canonical == null) {
            return "not recorded (store created before the definition was recorded, or a definition over "
                + MetaFileDescriptor.MAX_DEFINITION_BYTES + " bytes): pass --set CLASS to list them";
        }
        try {
            for (CanonicalForms.StoredFeature f : CanonicalForms.features(canonical)) {
                names.add(f.name + " " + f.kind + (f.windowMs == 0 ? "" : " " + window(f.windowMs)));
            }
        } catch (IllegalArgumentException e) {
            throw new CliException(Main.EXIT_DAMAGED, "the definition recorded in " + MetaFileDescriptor.FILE_NAME
                + " is unreadable: " + e.getMessage());
        }
        return String.join(", ", names) + " (recorded; derived features are not stored)";
    }

    private static String window(long ms) {
        long s = ms / 1000;
        if (s % 86_400 == 0) {
            return s / 86_400 + "d";
        }
        if (s % 3600 == 0) {
            return s / 3600 + "h";
        }
        return s % 60 == 0 ? s / 60 + "m" : s + "s";
    }

    private static String clean(StoreView v) {
        if (v.meta.wasClean()) {
            return "yes (closed cleanly)";
        }
        if (v.liveWriter) {
            return "no: a writer has the store open now (live writer)";
        }
        return "no: the last writer stopped without closing the store (killed?); the next writable open recovers it";
    }

    /** The capacity a table store grew to ({@link TableStore#LAYOUT_KEY}), else the one it was created with. */
    static long currentCapacity(Map<String, String> md, long created) {
        String layout = md.get(TableStore.LAYOUT_KEY);
        Long c = layout == null ? null : field(layout, "capacity");
        return c == null ? created : c;
    }

    private static Long field(String layout, String name) {
        for (String f : layout.split(";")) {
            int eq = f.indexOf('=');
            if (eq > 0 && f.substring(0, eq).equals(name)) {
                try {
                    return Long.parseLong(f.substring(eq + 1));
                } catch (NumberFormatException e) {
                    return null;
                }
            }
        }
        return null;
    }

    /** The table engine's online growth: the growth under way, if any, and each past one (when, from, to). */
    static void growth(PrintWriter out, Map<String, String> md, long created) {
        String layout = md.get(TableStore.LAYOUT_KEY);
        String history = md.get(TableStore.GROWTH_HISTORY_KEY);
        if (layout == null && history == null) {
            return;
        }
        if (layout != null) {
            Long to = field(layout, "growCapacity");
            Long ready = field(layout, "growStartMs");
            line(out, "growing", to == null ? "no" : "to " + to + " rows (next file ready "
                + (ready == null ? "?" : Text.time(ready)) + "; rows being copied)");
        }
        int n = 0;
        for (String e : history == null || history.isEmpty() ? new String[0] : history.split(";")) {
            String[] f = e.split(",");
            n++;
            if (f.length != 5) {
                line(out, "growth " + n, e + " (unreadable entry)");
                continue;
            }
            long asked = Long.parseLong(f[0]);
            long ready = Long.parseLong(f[1]);
            long end = Long.parseLong(f[2]);
            line(out, "growth " + n, String.format(Locale.ROOT, "%s: %s -> %s rows (next file written in %d ms, "
                + "rows copied in %d ms)", Text.time(end), f[3], f[4], ready - asked, end - ready));
        }
        line(out, "created with", created + " rows of capacity");
    }

    private static void rows(PrintWriter out, StoreView v, FeatureSet<?> set, String canonical, long capacity) {
        line(out, "capacity", capacity + " rows in " + v.meta.geometry().shards + " shard(s)");
        if (!v.meta.wasClean() && !v.liveWriter) {
            line(out, "rows used", "not read: the store needs recovery (open it for writing once)");
            return;
        }
        if ("chronicle".equals(v.engineName())) {
            // Chronicle Map takes its segment locks in the mapped file even to read: inspect writes nothing.
            line(out, "rows used", "not read for a chronicle store (Chronicle Map writes lock words in its file even "
                + "to read); dump reads it");
            return;
        }
        if (set == null && canonical == null) {
            line(out, "rows used", "unknown: pass --set CLASS (the store does not record its definition)");
            return;
        }
        try (RowStore rows = v.openRows(v.layout(set))) {
            long used = rows.size();
            line(out, "rows used", String.format(Locale.ROOT, "%d of %d (fill %.1f%%)", used, capacity,
                100.0 * used / capacity));
            if (used >= FILL_WARNING * capacity) {
                line(out, "fill warning", FILL_WARNING_TEXT);
            }
            long last = rows.newestApplyMs();
            line(out, "last apply", last < 0 ? "unknown (the engine does not say)" : Text.time(last));
        } catch (StoreException e) {
            if (Main.exitCodeOf(e) == Main.EXIT_DAMAGED) {
                throw e;
            }
            line(out, "rows used", "unknown: " + Main.oneLine(e));
        } catch (CliException e) {
            if (e.exitCode() == Main.EXIT_DAMAGED) {
                throw e;
            }
            line(out, "rows used", "unknown: " + e.getMessage());
        }
    }

    private static void offsets(PrintWriter out, MetaFile m, Map<Integer, String> topics) {
        MetaFileDescriptor.Geometry g = m.geometry();
        int n = 0;
        for (Map.Entry<Integer, String> t : topics.entrySet()) {
            for (int p = 0; p < g.maxPartitions; p++) {
                for (int s = 0; s < g.shards; s++) {
                    long o = m.offsets().get(s, t.getKey(), p);
                    if (o != ShardWriter.NO_OFFSET) {
                        line(out, "offset", t.getValue() + "[" + p + "] = " + o + (g.shards > 1 ? " (shard " + s + ")"
                            : ""));
                        n++;
                    }
                }
            }
        }
        if (n == 0) {
            line(out, "offsets", "none applied");
        }
    }

    private static long filesBytes(Path dir) {
        long total = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                    total += Files.size(f);
                }
            }
        } catch (IOException e) {
            throw new CliException(Main.EXIT_ERROR, dir + ": cannot list the store directory: " + e);
        }
        return total;
    }
}
