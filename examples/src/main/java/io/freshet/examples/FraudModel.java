package io.freshet.examples;

import io.freshet.core.ViewVector;
import java.io.IOException;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.evaluation.LabelEvaluation;
import org.tribuo.classification.evaluation.LabelEvaluator;
import org.tribuo.classification.sgd.linear.LinearSGDModel;
import org.tribuo.classification.sgd.linear.LogisticRegressionTrainer;
import org.tribuo.impl.ArrayExample;
import org.tribuo.math.la.DenseMatrix;
import org.tribuo.provenance.SimpleDataSourceProvenance;

/**
 * The train-and-serve demo's model: a Tribuo logistic regression over {@link ModelColumns} (one
 * {@code FeatureView}'s columns), trained on Freshet's
 * training rows, written to and read from a Tribuo model file, and scored on live vectors two ways:
 * <ul>
 *   <li>{@link #score}: the model's own weights, read out of the Tribuo model once at load, applied to the columns
 *   in a plain loop (softmax over the two classes, as Tribuo's predict does): no allocation, no lock;</li>
 *   <li>{@link #scoreWithTribuo}: Tribuo's {@code Model.predict} on an {@code ArrayExample}, which allocates the
 *   example, its sparse vector and the prediction's maps per call (measured by the demo).</li>
 * </ul>
 * Both give the same probability (the demo and the test check it).
 *
 * <p>Threading: immutable after construction and thread-safe; each caller passes its own scratch array.
 */
final class FraudModel {
    /** The positive class. */
    static final Label FRAUD = new Label("fraud");
    /** The negative class. */
    static final Label LEGIT = new Label("legit");
    private static final LabelFactory LABELS = new LabelFactory();
    /**
     * Tribuo logs each thousand SGD steps at INFO through java.util.logging: the demo prints its own summary. Held in
     * a field, as the logging framework keeps loggers only weakly (a collected one would forget its level).
     */
    private static final Logger TRIBUO_LOG = Logger.getLogger("org.tribuo");

    static {
        TRIBUO_LOG.setLevel(Level.WARNING);
    }

    private final ModelColumns columns;
    private final Model<Label> model;
    private final String[] names;
    /** Per column: the weight of class fraud minus that of class legit (softmax of two is a logistic of this). */
    private final double[] weightDelta;
    private final double biasDelta;

    private FraudModel(ModelColumns columns, Model<Label> model) {
        if (!(model instanceof LinearSGDModel)) {
            throw new IllegalArgumentException("model=" + model.getClass().getName()
                + " is not a Tribuo LinearSGDModel: train it with LogisticRegressionTrainer");
        }
        this.columns = columns;
        this.model = model;
        this.names = columns.names();
        DenseMatrix w = ((LinearSGDModel) model).getWeightsCopy();
        ImmutableFeatureMap ids = model.getFeatureIDMap();
        int fraud = model.getOutputIDInfo().getID(FRAUD);
        int legit = model.getOutputIDInfo().getID(LEGIT);
        if (fraud < 0 || legit < 0) {
            throw new IllegalArgumentException("the model does not know both classes fraud and legit: train it on"
                + " rows of both");
        }
        this.weightDelta = new double[names.length];
        for (int i = 0; i < names.length; i++) {
            int id = ids.getID(names[i]);
            // A column the training rows never held (Tribuo's feature map drops it) has weight 0.
            weightDelta[i] = id < 0 ? 0 : w.get(fraud, id) - w.get(legit, id);
        }
        int bias = w.getDimension2Size() - 1;
        this.biasDelta = w.get(fraud, bias) - w.get(legit, bias);
    }

    /**
     * Trains a logistic regression (Tribuo's defaults: AdaGrad, 5 epochs, seed 12345).
     *
     * @param columns the columns the rows were filled with
     * @param x the rows' columns, row after row ({@code columns.width()} each)
     * @param fraud each row's label
     * @param from first row
     * @param to row after the last
     * @return the trained model
     */
    static FraudModel train(ModelColumns columns, double[] x, boolean[] fraud, int from, int to) {
        MutableDataset<Label> data = dataset(columns, x, fraud, from, to, "freshet training rows, train slice");
        Model<Label> m = new LogisticRegressionTrainer().train(data);
        return new FraudModel(columns, m);
    }

    /**
     * @param file the model file (Tribuo's protobuf format), created or replaced
     * @throws IOException when it cannot be written
     */
    void save(Path file) throws IOException {
        model.serializeToFile(file);
    }

    /**
     * @param file a model file written by {@link #save}
     * @param columns the columns it was trained on
     * @return the model
     * @throws IOException when it cannot be read
     */
    @SuppressWarnings("unchecked")
    static FraudModel load(Path file, ModelColumns columns) throws IOException {
        Model<?> m = Model.deserializeFromFile(file);
        if (!m.validate(Label.class)) {
            throw new IOException("file=" + file + " holds a model of another output type, not a classifier");
        }
        return new FraudModel(columns, (Model<Label>) m);
    }

    /** @return the columns the model reads */
    ModelColumns columns() {
        return columns;
    }

    /**
     * Scores a payment on the model's view, read live for the payment (or assembled for a training row): no
     * allocation.
     *
     * @param v a vector of the model's view
     * @param x scratch, at least {@code columns().width()} long
     * @return the probability of fraud
     */
    double score(ViewVector v, double[] x) {
        columns.fill(v, x);
        return probability(x);
    }

    /**
     * @param x the columns
     * @return the probability of fraud, from the model's weights
     */
    double probability(double[] x) {
        double z = biasDelta;
        for (int i = 0; i < weightDelta.length; i++) {
            z += weightDelta[i] * x[i];
        }
        return 1 / (1 + Math.exp(-z));
    }

    /**
     * Scores like {@link #score}, through Tribuo's {@code predict} (allocates).
     *
     * @param v a vector of the model's view
     * @param x scratch, at least {@code columns().width()} long
     * @return the probability of fraud
     */
    double scoreWithTribuo(ViewVector v, double[] x) {
        columns.fill(v, x);
        return probabilityWithTribuo(x);
    }

    /**
     * @param x the columns
     * @return the probability of fraud, from Tribuo's {@code predict}
     */
    double probabilityWithTribuo(double[] x) {
        Prediction<Label> p = model.predict(new ArrayExample<>(LabelFactory.UNKNOWN_LABEL, names, x.clone()));
        return p.getOutputScores().get(FRAUD.getLabel()).getScore();
    }

    /**
     * Tribuo's own evaluation of rows the model was not trained on.
     *
     * @param x rows' columns
     * @param fraud labels
     * @param from first row
     * @param to row after the last
     * @return the evaluation ({@code AUCROC(FRAUD)}, confusion, ...)
     */
    LabelEvaluation evaluate(double[] x, boolean[] fraud, int from, int to) {
        return new LabelEvaluator().evaluate(model, dataset(columns, x, fraud, from, to, "held-out slice"));
    }

    private static MutableDataset<Label> dataset(ModelColumns columns, double[] x, boolean[] fraud, int from, int to,
        String description) {
        int w = columns.width();
        String[] names = columns.names();
        MutableDataset<Label> data = new MutableDataset<>(new SimpleDataSourceProvenance(description,
            OffsetDateTime.of(2026, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC), LABELS), LABELS);
        for (int r = from; r < to; r++) {
            double[] row = new double[w];
            System.arraycopy(x, r * w, row, 0, w);
            data.add(new ArrayExample<>(fraud[r] ? FRAUD : LEGIT, names, row));
        }
        return data;
    }
}
