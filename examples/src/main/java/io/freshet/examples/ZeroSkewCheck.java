package io.freshet.examples;

import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureVector;
import io.freshet.core.ViewRequest;
import io.freshet.core.ViewVector;
import io.freshet.kafka.Source;
import io.freshet.kafka.TrainingSet;
import io.freshet.kafka.TrainingSink;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;

/**
 * The train-and-serve demo's zero-skew check: the recorded (user, read time) pairs of served scores become the labels
 * of a {@link TrainingSet} run (lag 0, the same definition and source); each row's vector, assembled into the model's
 * view with the served request's amount (as the training rows are), must equal what was served: its
 * {@link VectorImage} (the user's vector, then every column's value bits, status and event time) and the model's
 * score on it, bit for bit. The first few differences are printed.
 *
 * <p>Threading: the caller's thread, one run per call.
 */
final class ZeroSkewCheck implements TrainingSink {
    /** Differences printed in full. */
    private static final int PRINTED = 3;

    /** A served score as the label of its row. */
    private record Label(int index, ServedScores.Served served) {
    }

    private final List<ServedScores.Served> served;
    private final FraudModel model;
    private final Path file;
    private final PrintStream out;
    private final double[] x;
    private final ViewRequest request;
    private final int amountSlot;
    private final ViewVector vector;
    private int checked;
    private int equal;

    private ZeroSkewCheck(List<ServedScores.Served> served, FraudModel model, Path file, PrintStream out) {
        this.served = served;
        this.model = model;
        this.file = file;
        this.out = out;
        this.x = new double[model.columns().width()];
        this.request = model.columns().view().newRequest();
        this.amountSlot = model.columns().view().paramSlot(ModelColumns.AMOUNT);
        this.vector = model.columns().view().newVector();
    }

    /**
     * @param served what was served, recorded with nothing in flight
     * @param model the model that scored it
     * @param source the payments, as the pipeline read them
     * @param kafka client properties
     * @param file names the run (its sidecar JSON goes beside, as the name plus {@code .json}); nothing else written
     * @param out where differences go
     * @return {checked, equal}
     */
    static int[] run(List<ServedScores.Served> served, FraudModel model, Source<Payment> source, Properties kafka,
        Path file, PrintStream out) {
        List<Label> labels = new ArrayList<>();
        for (int i = 0; i < served.size(); i++) {
            labels.add(new Label(i, served.get(i)));
        }
        labels.sort(Comparator.comparingLong(l -> l.served().readTimeMs()));
        ZeroSkewCheck check = new ZeroSkewCheck(served, model, file, out);
        TrainingSet.forLabels(labels, l -> l.served().readTimeMs())
            .labelColumn("served", Label::index)
            .features(RiskFeatures.USER_RISK, l -> l.served().user(), source)
            .asOfKnownTime(Duration.ZERO)
            .kafka(kafka)
            .build()
            .write(check);
        return new int[] {check.checked, check.equal};
    }

    @Override
    public Path file() {
        return file;
    }

    @Override
    public String format() {
        return "memory";
    }

    @Override
    public void open(List<String> labelColumns, List<FeatureSet<?>> sets) {
    }

    @Override
    public void write(long labelTimeMs, Object[] labelValues, FeatureVector[] vectors) {
        ServedScores.Served s = served.get((Integer) labelValues[0]);
        request.param(amountSlot, s.amount());
        vector.assemble(vectors, request);
        long[] row = VectorImage.of(vectors[0], vector);
        double score = model.score(vector, x);
        checked++;
        if (Arrays.equals(row, s.image()) && Double.doubleToLongBits(score) == Double.doubleToLongBits(s.score())) {
            equal++;
        } else if (checked - equal <= PRINTED) {
            out.printf("    skew: user=%d t=%d served %s score %s, training row %s score %s%n", s.user(), labelTimeMs,
                Arrays.toString(s.image()), s.score(), Arrays.toString(row), score);
        }
    }

    @Override
    public void finish() {
    }

    @Override
    public void close() {
    }
}
