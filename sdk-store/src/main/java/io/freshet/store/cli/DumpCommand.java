package io.freshet.store.cli;

import io.freshet.core.EpochClock;
import io.freshet.core.FeatureKind;
import io.freshet.core.FeatureReader;
import io.freshet.core.FeatureRef;
import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureVector;
import io.freshet.core.KeyType;
import io.freshet.core.ManualClock;
import io.freshet.core.internal.CoreInternals;
import io.freshet.core.spi.RowStore;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code dump DIR KEY --set CLASS}: one key's features as JSON, through the public read path. */
@Command(name = "dump", mixinStandardHelpOptions = true,
    description = {
        "Prints one key's features as JSON, exactly as a served read returns them (FeatureReader into a "
            + "FeatureVector) at now or at --at: status, read time, the row's last update and newest event time, "
            + "and per feature its value (null when missing), event time and age. Reads only.",
        "The set decodes the row: --set must be the definition the store was built with (its fingerprint is "
            + "checked)."})
final class DumpCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "The store directory.")
    Path dir;

    @Parameters(index = "1", paramLabel = "KEY", description = "The entity key (a number for a LONG key).")
    String key;

    @Option(names = "--set", required = true, paramLabel = "CLASS", description = SetLoader.HELP)
    String setSpec;

    @Option(names = "--at", paramLabel = "TIME", description = "Read time: epoch ms or an ISO-8601 instant "
        + "(e.g. 2026-12-04T10:15:30Z); default now.")
    String at;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        long readMs = readTime();
        try (StoreView v = StoreView.open(dir)) {
            FeatureSet<?> set = SetLoader.load(setSpec);
            v.checkSet(set, setSpec);
            long longKey = 0;
            if (set.keyType() == KeyType.LONG) {
                try {
                    longKey = Long.parseLong(key);
                } catch (NumberFormatException e) {
                    throw new CliException(Main.EXIT_ERROR, "KEY=" + key + " is not a number: set=" + set.name()
                        + " has a LONG key");
                }
            }
            try (RowStore rows = v.openRows(v.layout(set))) {
                EpochClock clock = at == null ? EpochClock.system() : new ManualClock(readMs);
                FeatureReader reader = CoreInternals.newReader(set, rows, clock);
                FeatureVector vector = set.newVector();
                if (set.keyType() == KeyType.LONG) {
                    reader.read(longKey, vector);
                } else {
                    reader.read(key, vector);
                }
                out.println(json(set, set.keyType() == KeyType.LONG ? Long.toString(longKey) : null, key, vector));
            }
        }
        return Main.EXIT_OK;
    }

    private long readTime() {
        if (at == null) {
            return 0;
        }
        try {
            return Long.parseLong(at);
        } catch (NumberFormatException notMs) {
            try {
                return Instant.parse(at).toEpochMilli();
            } catch (DateTimeParseException e) {
                throw new CliException(Main.EXIT_ERROR, "--at " + at + " is neither epoch ms nor an ISO-8601 instant "
                    + "(e.g. 2026-12-04T10:15:30Z)");
            }
        }
    }

    /**
     * A categorical feature: {@code values} newest first (one for latest), each the UTF-8 text, or the dictionary id
     * (a store's canonical form keeps the dictionary's size and hash, not its names), then {@code misses}.
     */
    private static void categories(Json j, FeatureSet<?> set, FeatureRef r, FeatureVector v) {
        boolean text = !CoreInternals.compiledLayoutOf(set).categories.categories[r.index()].isDictionary();
        StringBuilder sb = new StringBuilder();
        j.name("values").beginArray();
        for (int i = 0; i < v.size(r); i++) {
            if (text) {
                sb.setLength(0);
                v.category(r, i, sb);
                j.value(sb.toString());
            } else {
                j.value(v.categoryId(r, i));
            }
        }
        j.endArray();
        j.name("eventTimesMs").beginArray();
        for (int i = 0; i < v.size(r); i++) {
            j.value(v.eventTimeMs(r, i));
        }
        j.endArray();
        j.name("misses").value(v.categoryMisses(r));
    }

    static String json(FeatureSet<?> set, String longKey, String textKey, FeatureVector v) {
        Json j = new Json().beginObject();
        j.name("set").value(set.name());
        j.name("key");
        if (longKey != null) {
            j.value(Long.parseLong(longKey));
        } else {
            j.value(textKey);
        }
        j.name("status").value(v.status().name());
        j.name("readTimeMs").value(v.readTimeMs());
        j.name("readTime").value(Instant.ofEpochMilli(v.readTimeMs()).toString());
        time(j.name("rowUpdatedMs"), v.rowUpdatedMs());
        time(j.name("rowEventTimeMs"), v.rowEventTimeMs());
        j.name("features").beginObject();
        for (FeatureRef r : set.refs()) {
            j.name(r.name()).beginObject();
            j.name("kind").value(r.kind().name());
            if (r.kind() == FeatureKind.LATEST_CATEGORY || r.kind() == FeatureKind.LAST_N_CATEGORIES) {
                categories(j, set, r, v);
            } else if (r.kind() == FeatureKind.LAST_N) {
                j.name("values").beginArray();
                for (int i = 0; i < v.size(r); i++) {
                    j.value(v.getLong(r, i));
                }
                j.endArray();
                j.name("eventTimesMs").beginArray();
                for (int i = 0; i < v.size(r); i++) {
                    j.value(v.eventTimeMs(r, i));
                }
                j.endArray();
            } else if (r.kind() == FeatureKind.TOP_K) {
                j.name("values").beginArray();
                for (int i = 0; i < v.size(r); i++) {
                    j.value(v.getLong(r, i));
                }
                j.endArray();
                j.name("counts").beginArray();
                for (int i = 0; i < v.size(r); i++) {
                    j.value(v.getCount(r, i));
                }
                j.endArray();
            } else if (!v.isPresent(r)) {
                j.name("value").nullValue();
            } else if (r.kind().valueType() == FeatureKind.ValueType.LONG) {
                j.name("value").value(v.getLong(r));
            } else {
                j.name("value").value(v.getDouble(r));
            }
            time(j.name("eventTimeMs"), v.eventTimeMs(r));
            long age = v.ageMs(r);
            if (age < 0 && v.eventTimeMs(r) == FeatureVector.NO_TIME) {
                j.name("ageMs").nullValue();
            } else {
                j.name("ageMs").value(age);
            }
            j.endObject();
        }
        return j.endObject().endObject().toString();
    }

    private static void time(Json j, long ms) {
        if (ms == FeatureVector.NO_TIME) {
            j.nullValue();
        } else {
            j.value(ms);
        }
    }
}
