package io.freshet.kafka;

import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureView;
import io.freshet.kafka.internal.training.TrainingJoin;
import io.freshet.kafka.internal.training.TrainingRun;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;

/**
 * The JSON written beside a {@link TrainingSet}'s rows, whatever their format: what the rows were computed from and
 * how, so that a model trained on them can be traced to its definitions.
 */
final class TrainingSidecar {
    /** Sidecar format: bumped when its fields change meaning (2: the rows' file as "file" plus "fileFormat"). */
    static final String FORMAT = "freshet-training-rows/2";

    private TrainingSidecar() {
    }

    /** {@code name.csv} or {@code name.parquet} → {@code name.json}; any other name gets {@code .json} appended. */
    static Path of(Path rows) {
        String name = rows.getFileName().toString();
        String base = name;
        for (String extension : new String[] {".csv", ".parquet"}) {
            if (name.endsWith(extension)) {
                base = name.substring(0, name.length() - extension.length());
            }
        }
        return rows.resolveSibling(base + ".json");
    }

    static <L> void write(Path sidecar, TrainingSink sink, TrainingSet<L> training, TrainingRun<L> run,
        TrainingProgress done) throws IOException {
        StringBuilder j = new StringBuilder(4096);
        j.append("{\n  \"format\": ").append(json(FORMAT));
        j.append(",\n  \"file\": ").append(json(sink.file().getFileName().toString()));
        j.append(",\n  \"fileFormat\": ").append(json(sink.format()));
        j.append(",\n  \"rows\": ").append(done.labelsDone());
        j.append(",\n  \"asOfKnownTime\": {\"lagMs\": ").append(training.plan.lagMs())
            .append(", \"recordTime\": \"largest record timestamp of the partition up to the record\"")
            .append(", \"qualifies\": \"event time < label time and record time <= label time + lagMs\"}");
        j.append(",\n  \"start\": ").append(json(training.start.toString()));
        j.append(",\n  \"startOffsets\": ");
        offsets(j, run.startOffsets());
        j.append(",\n  \"endOffsets\": ");
        offsets(j, run.endOffsets());
        j.append(",\n  \"recordsRead\": ").append(done.recordsRead());
        j.append(",\n  \"badRecordsSkipped\": ").append(run.badRecords());
        j.append(",\n  \"labelColumns\": [");
        for (int i = 0; i < training.labelColumns.size(); i++) {
            j.append(i == 0 ? "" : ", ").append(json(training.labelColumns.get(i).name));
        }
        j.append("],\n  \"sets\": [");
        for (int s = 0; s < training.plan.joins().size(); s++) {
            TrainingJoin<L, ?> join = training.plan.joins().get(s);
            FeatureSet<?> set = join.set();
            j.append(s == 0 ? "\n" : ",\n").append("    {\"name\": ").append(json(set.name()))
                .append(", \"entity\": ").append(json(set.entityName()))
                .append(", \"keyType\": ").append(json(set.keyType().name()))
                .append(", \"fingerprint\": ").append(json(Long.toHexString(set.fingerprint())))
                .append(", \"staleAfterMs\": ").append(set.staleAfterMs())
                .append(", \"futureSkewMs\": ").append(set.futureSkewMs())
                .append(", \"topics\": [");
            for (int i = 0; i < join.sources().size(); i++) {
                j.append(i == 0 ? "" : ", ").append(json(join.sources().get(i).topic()));
            }
            j.append("], \"canonicalForm\": ").append(json(set.canonicalForm())).append('}');
        }
        j.append("\n  ]");
        if (training.view != null) {
            FeatureView view = training.view.view;
            j.append(",\n  \"view\": {\"name\": ").append(json(view.name())).append(", \"fingerprint\": ")
                .append(json(Long.toHexString(view.fingerprint()))).append(", \"columns\": [");
            for (int i = 0; i < view.width(); i++) {
                j.append(i == 0 ? "" : ", ").append(json(view.columns().get(i)));
            }
            j.append("], \"canonicalForm\": ").append(json(view.canonicalForm())).append('}');
        }
        j.append("\n}\n");
        Files.writeString(sidecar, j, StandardCharsets.UTF_8);
    }

    private static void offsets(StringBuilder j, Map<TopicPartition, Long> offsets) {
        Map<String, Long> sorted = new TreeMap<>();
        offsets.forEach((tp, o) -> sorted.put(tp.topic() + "-" + tp.partition(), o));
        j.append('{');
        boolean first = true;
        for (Map.Entry<String, Long> e : sorted.entrySet()) {
            j.append(first ? "" : ", ").append(json(e.getKey())).append(": ").append(e.getValue());
            first = false;
        }
        j.append('}');
    }

    static String json(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
