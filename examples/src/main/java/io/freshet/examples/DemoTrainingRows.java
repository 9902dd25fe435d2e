package io.freshet.examples;

import io.freshet.core.FeatureKind;
import io.freshet.core.FeatureRef;
import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureVector;
import io.freshet.kafka.BadRecordPolicy;
import io.freshet.kafka.Source;
import io.freshet.kafka.TrainingProgress;
import io.freshet.kafka.TrainingSet;
import io.freshet.kafka.TrainingSink;
import io.freshet.kafka.parquet.ParquetSink;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.SplittableRandom;

/**
 * The demo's {@code --training-rows FILE}: point-in-time training rows of {@code user_risk} from the topic the demo
 * produced, for labels drawn from its own users (every 97th user is risky, the others are not) at times spread over
 * the run, written as Parquet or CSV by the file's extension, and the first rows printed.
 */
final class DemoTrainingRows {
    /** Labels written. */
    static final int LABELS = 1000;
    /** Rows printed. */
    static final int PRINTED = 5;

    /** A label: a user at a time, and whether the demo made that user risky. */
    record Label(long user, long timeMs, boolean risky) {
    }

    private DemoTrainingRows() {
    }

    /**
     * @param kafka the demo's client properties
     * @param topic the payments topic
     * @param fromMs the first label time (epoch ms)
     * @param toMs the last label time
     * @param users the demo's user count
     * @param seed the random seed
     * @param file .parquet or .csv
     * @param out where the first rows and a summary go
     * @return the run's final progress
     */
    static TrainingProgress write(Properties kafka, String topic, long fromMs, long toMs, int users, long seed,
        Path file, PrintStream out) {
        List<Label> labels = labels(fromMs, toMs, users, seed);
        TrainingSet<Label> rows = TrainingSet.forLabels(labels, Label::timeMs)
            .labelColumn("user", Label::user)
            .labelColumn("risky", Label::risky)
            .features(RiskFeatures.USER_RISK, Label::user,
                Source.of(topic, new PaymentCodec()).onBadRecord(BadRecordPolicy.SKIP))
            .kafka(kafka)
            .build();
        boolean parquet = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".parquet");
        TrainingSink sink = parquet ? ParquetSink.to(file) : TrainingSink.csv(file);
        out.printf("training rows: %,d labels (risky users: every 97th) -> %s%n", labels.size(), file);
        TrainingProgress done = rows.write(new Preview(sink, out));
        out.printf("training rows: %,d rows, %,d history records read in %d ms; sidecar %s%n", done.labelsDone(),
            done.recordsRead(), done.elapsed().toMillis(), sidecar(file).getFileName());
        return done;
    }

    /** Half risky users (multiples of 97), half others, at uniform times in [fromMs, toMs], in time order. */
    static List<Label> labels(long fromMs, long toMs, int users, long seed) {
        SplittableRandom r = new SplittableRandom(seed ^ 0x7261696eL);
        PaymentGenerator generator = new PaymentGenerator(seed + 1, users, 1.1);
        int riskyUsers = Math.max(1, users / 97);
        List<Label> labels = new ArrayList<>(LABELS);
        for (int i = 0; i < LABELS; i++) {
            long t = fromMs + (toMs > fromMs ? r.nextLong(toMs - fromMs + 1) : 0);
            if (i % 2 == 0) {
                labels.add(new Label(97L * (1 + r.nextInt(riskyUsers)), t, true));
            } else {
                long user = generator.nextUser();
                while (user % 97 == 0) {
                    user = generator.nextUser();
                }
                labels.add(new Label(user, t, false));
            }
        }
        labels.sort(Comparator.comparingLong(Label::timeMs));
        return labels;
    }

    static Path sidecar(Path file) {
        String name = file.getFileName().toString();
        return file.resolveSibling(name.substring(0, name.lastIndexOf('.')) + ".json");
    }

    /** Passes rows on, printing the first few: label, status and a handful of features. */
    private static final class Preview implements TrainingSink {
        private static final String[] SHOWN = {"txn_5m", "amount_1h", "declines_1h", "last_merchants"};
        private final TrainingSink next;
        private final PrintStream out;
        private FeatureSet<?> set;
        private int printed;

        Preview(TrainingSink next, PrintStream out) {
            this.next = next;
            this.out = out;
        }

        @Override
        public Path file() {
            return next.file();
        }

        @Override
        public String format() {
            return next.format();
        }

        @Override
        public void open(List<String> labelColumns, List<FeatureSet<?>> sets) throws IOException {
            set = sets.get(0);
            StringBuilder h = new StringBuilder(String.format("  %-15s %-7s %-6s %-8s", LABEL_TIME_COLUMN,
                labelColumns.get(0), labelColumns.get(1), "status"));
            for (String f : SHOWN) {
                h.append(' ').append(set.name()).append(SEPARATOR).append(f);
            }
            out.println(h);
            next.open(labelColumns, sets);
        }

        @Override
        public void write(long labelTimeMs, Object[] labelValues, FeatureVector[] vectors) throws IOException {
            if (printed < PRINTED) {
                printed++;
                FeatureVector v = vectors[0];
                StringBuilder line = new StringBuilder(String.format("  %-15d %-7s %-6s %-8s", labelTimeMs,
                    labelValues[0], labelValues[1], v.status()));
                for (String f : SHOWN) {
                    FeatureRef ref = set.ref(f);
                    line.append(' ').append(String.format("%" + (set.name().length() + 2 + f.length()) + "s",
                        v.isPresent(ref) ? text(v, ref) : "-"));
                }
                out.println(line);
            }
            next.write(labelTimeMs, labelValues, vectors);
        }

        private static String text(FeatureVector v, FeatureRef ref) {
            if (ref.kind() == FeatureKind.LATEST_CATEGORY) {
                StringBuilder b = new StringBuilder();
                v.category(ref, b);
                return b.toString();
            }
            if (v.size(ref) > 1 || ref.kind() == FeatureKind.LAST_N || ref.kind() == FeatureKind.TOP_K) {
                StringBuilder b = new StringBuilder("[");
                for (int i = 0; i < v.size(ref); i++) {
                    b.append(i == 0 ? "" : ",").append(v.getLong(ref, i));
                }
                return b.append(']').toString();
            }
            return ref.kind().valueType() == FeatureKind.ValueType.LONG
                ? Long.toString(v.getLong(ref)) : String.format(Locale.ROOT, "%.2f", v.getDouble(ref));
        }

        @Override
        public void finish() throws IOException {
            next.finish();
        }

        @Override
        public void close() throws IOException {
            next.close();
        }
    }
}
