package io.freshet.kafka.metrics;

import io.freshet.kafka.TrainingProgress;
import io.freshet.kafka.TrainingSet;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;

/**
 * Exports the progress of a {@link TrainingSet} run to a Micrometer {@link MeterRegistry}, as {@link FreshetMetrics}
 * does for a running pipeline: hand {@link #listener()} to the run's progress option.
 *
 * <pre>{@code
 * try (TrainingMetrics metrics = TrainingMetrics.bind(registry, "daily-fraud")) {
 *     TrainingSet.forLabels(labels, Label::timeMs)
 *         ...
 *         .progress(Duration.ofSeconds(5), metrics.listener())
 *         .build()
 *         .writeCsv(out);
 * }
 * }</pre>
 *
 * <p>Gauges, each tagged {@code run} (and the binding's extra tags): {@code freshet.training.labels.done},
 * {@code freshet.training.labels.total} (NaN while the label source does not say),
 * {@code freshet.training.records.read}, {@code freshet.training.records.todo},
 * {@code freshet.training.percent.done}, {@code freshet.training.rows.rate}
 * (rows written per second), {@code freshet.training.eta} (seconds; NaN while it cannot be told) and
 * {@code freshet.training.complete} (1 once the output is closed). Every gauge reads NaN until the run's first
 * report. A run is a batch job, so the gauges keep its last report after it completes, until {@link #close()}.
 *
 * <p>Thread-safe: the run's thread hands reports over through one volatile field; the registry reads it.
 */
public final class TrainingMetrics implements AutoCloseable {
    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();
    private volatile TrainingProgress last;

    private TrainingMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * @param registry where the gauges go
     * @param run the value of the {@code run} tag: tells this run's gauges apart from another's
     * @return the binding; close it to remove its gauges
     * @throws IllegalArgumentException when {@code run} is blank
     */
    public static TrainingMetrics bind(MeterRegistry registry, String run) {
        return bind(registry, run, Tags.empty());
    }

    /**
     * @param registry where the gauges go
     * @param run the value of the {@code run} tag
     * @param extraTags tags added to every gauge (e.g. the application's)
     * @return the binding; close it to remove its gauges
     * @throws IllegalArgumentException when {@code run} is blank
     */
    public static TrainingMetrics bind(MeterRegistry registry, String run, Iterable<io.micrometer.core.instrument.Tag>
        extraTags) {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(extraTags, "extraTags");
        if (run == null || run.isBlank()) {
            throw new IllegalArgumentException("run must name the training run (the 'run' tag), got '" + run + "'");
        }
        TrainingMetrics m = new TrainingMetrics(registry);
        Tags tags = Tags.of(extraTags).and("run", run);
        m.gauge("freshet.training.labels.done", "labels", "Labels turned into training rows", tags,
            TrainingProgress::labelsDone);
        m.gauge("freshet.training.labels.total", "labels", "Labels in all (NaN when the label source does not say)",
            tags, p -> p.labelsTotal() < 0 ? Double.NaN : p.labelsTotal());
        m.gauge("freshet.training.records.read", "records", "Feature records read from the history", tags,
            TrainingProgress::recordsRead);
        m.gauge("freshet.training.records.todo", "records",
            "Feature records between the start offsets and the end offsets found when the run began", tags,
            TrainingProgress::recordsToRead);
        m.gauge("freshet.training.percent.done", "percent", "Share of the run done", tags,
            TrainingProgress::percentDone);
        m.gauge("freshet.training.rows.rate", "rows", "Training rows written per second since the run began", tags,
            TrainingProgress::rowsPerSecond);
        m.gauge("freshet.training.complete", null, "1 once every label has its row and the output is closed", tags,
            p -> p.complete() ? 1 : 0);
        m.meters.add(TimeGauge.builder("freshet.training.eta", m, TimeUnit.SECONDS,
                x -> x.figure(TrainingMetrics::etaSeconds))
            .tags(tags).description("Time left at the current rate (NaN while it cannot be told)").strongReference(true)
            .register(registry));
        return m;
    }

    private void gauge(String name, String unit, String description, Tags tags, ToDoubleFunction<TrainingProgress> f) {
        Gauge.Builder<TrainingMetrics> b = Gauge.builder(name, this, x -> x.figure(f)).tags(tags)
            .description(description).strongReference(true);
        if (unit != null) {
            b.baseUnit(unit);
        }
        meters.add(b.register(registry));
    }

    private static double etaSeconds(TrainingProgress p) {
        Duration eta = p.eta();
        return eta == null ? Double.NaN : eta.toMillis() / 1000.0;
    }

    private double figure(ToDoubleFunction<TrainingProgress> f) {
        TrainingProgress p = last;
        return p == null ? Double.NaN : f.applyAsDouble(p);
    }

    /** @return the listener to hand to the run's progress option; it keeps the latest report */
    public Consumer<TrainingProgress> listener() {
        return p -> last = Objects.requireNonNull(p, "progress");
    }

    /** Removes this binding's gauges from the registry. Idempotent. */
    @Override
    public void close() {
        for (Meter m : meters) {
            registry.remove(m);
        }
        meters.clear();
    }
}
