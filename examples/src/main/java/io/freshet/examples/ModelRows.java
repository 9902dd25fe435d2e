package io.freshet.examples;

import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureVector;
import io.freshet.core.ViewRequest;
import io.freshet.core.ViewVector;
import io.freshet.kafka.TrainingSink;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * A {@link TrainingSink} that keeps the training rows in memory as the model's input: each row's
 * {@link ModelColumns}, that is the model's {@code FeatureView} assembled from the row's vector (as of the label
 * time) with the label's amount as the request parameter ({@code ViewVector.assemble}, what a training row of the
 * view holds) and filled by the same code that scores live reads of the view; its label, its label time and the
 * hand-set {@link RiskScore} of the same vector (the baseline). The label columns it expects, in order:
 * {@code fraud}, {@code amount}, {@code merchant}.
 *
 * <p>Threading: the training run's thread only.
 */
final class ModelRows implements TrainingSink {
    /** The label columns, in the order the training set adds them. */
    static final List<String> LABEL_COLUMNS = List.of("fraud", "amount", "merchant");

    private final Path file;
    private final ModelColumns columns;
    private final RiskScore baseline;
    private final double[] terms = new double[RiskScore.TERMS.size()];
    private final ViewRequest request;
    private final int amountSlot;
    private final ViewVector vector;
    private final double[] row;
    private double[] x = new double[0];
    private double[] raw = new double[0];
    private String[] labelKeys = new String[0];
    private boolean[] fraud = new boolean[0];
    private long[] labelTimeMs = new long[0];
    private double[] baselineScore = new double[0];
    private int rows;

    /**
     * @param file names the run: no rows are written there, but the training run writes its sidecar JSON beside it
     *     ({@code rows} gives {@code rows.json})
     * @param columns the model's columns
     */
    ModelRows(Path file, ModelColumns columns) {
        this.file = file;
        this.columns = columns;
        this.baseline = new RiskScore(RiskFeatures.USER_RISK);
        this.request = columns.view().newRequest();
        this.amountSlot = columns.view().paramSlot(ModelColumns.AMOUNT);
        this.vector = columns.view().newVector();
        this.row = new double[columns.width()];
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
        if (!labelColumns.equals(LABEL_COLUMNS) || !sets.equals(columns.view().sets())) {
            throw new IllegalArgumentException("labelColumns=" + labelColumns + " sets=" + sets.size()
                + ": this sink takes label columns " + LABEL_COLUMNS + " and the sets of view "
                + columns.view().name() + ", in its order");
        }
    }

    @Override
    public void write(long labelTime, Object[] labelValues, FeatureVector[] vectors) {
        int w = columns.width();
        if (rows == fraud.length) {
            int n = Math.max(1024, rows * 2);
            x = Arrays.copyOf(x, n * w);
            raw = Arrays.copyOf(raw, n * w);
            labelKeys = Arrays.copyOf(labelKeys, n);
            fraud = Arrays.copyOf(fraud, n);
            labelTimeMs = Arrays.copyOf(labelTimeMs, n);
            baselineScore = Arrays.copyOf(baselineScore, n);
        }
        request.param(amountSlot, (Double) labelValues[1]);
        vector.assemble(vectors, request);
        vector.copyTo(raw, rows * w);
        columns.fill(vector, row);
        System.arraycopy(row, 0, x, rows * w, w);
        labelKeys[rows] = labelTime + "," + labelValues[0] + "," + labelValues[1] + "," + labelValues[2];
        fraud[rows] = (Boolean) labelValues[0];
        labelTimeMs[rows] = labelTime;
        baselineScore[rows] = baseline.evaluate(vectors[0], terms);
        rows++;
    }

    @Override
    public void finish() {
    }

    @Override
    public void close() {
    }

    /** @return the rows kept */
    int rows() {
        return rows;
    }

    /** @return every row's columns, row after row (the array is this sink's own; valid up to {@link #rows()}) */
    double[] x() {
        return x;
    }

    /**
     * @return every row's view columns before the model's transform, as {@code copyTo} gives them, row after row (the
     *     array is this sink's own; valid up to {@link #rows()})
     */
    double[] raw() {
        return raw;
    }

    /**
     * @param row a row
     * @return its label time and label values as a training CSV writes them:
     *     {@code label_time_ms,fraud,amount,merchant}
     */
    String labelKey(int row) {
        return labelKeys[row];
    }

    /** @return every row's label */
    boolean[] fraud() {
        return fraud;
    }

    /** @return every row's label time */
    long[] labelTimeMs() {
        return labelTimeMs;
    }

    /** @return every row's hand-set score */
    double[] baselineScore() {
        return baselineScore;
    }
}
