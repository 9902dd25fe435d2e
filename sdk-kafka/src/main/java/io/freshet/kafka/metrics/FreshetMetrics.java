package io.freshet.kafka.metrics;

import io.freshet.kafka.BadRecordReason;
import io.freshet.kafka.FeaturePipeline;
import io.freshet.kafka.MigrationPhase;
import io.freshet.kafka.MigrationProgress;
import io.freshet.kafka.SetStatus;
import io.freshet.kafka.SloStatus;
import io.freshet.kafka.internal.HeartbeatSeen;
import io.freshet.kafka.internal.PipelineCore.CounterIds;
import io.freshet.kafka.internal.PipelineInternals;
import io.freshet.kafka.internal.PipelineTelemetry;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds a running {@link FeaturePipeline} to a Micrometer {@link MeterRegistry}, so that Prometheus (or any registry)
 * can scrape what {@code pipeline.metrics()} and {@code pipeline.status(set)} report.
 *
 * <pre>{@code
 * PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
 * try (FreshetMetrics bound = FreshetMetrics.bind(pipeline, registry)) {
 *     ... registry.scrape() ...
 * }
 * }</pre>
 *
 * <p>Meters (names follow Micrometer conventions; Prometheus renders {@code freshet.records.applied} as
 * {@code freshet_records_applied_total}, times in seconds):
 * <ul>
 *   <li>{@code freshet.freshness} (function timer, tag {@code stage}: {@code event_to_broker},
 *       {@code broker_to_poll}, {@code poll_to_applied}, {@code applied_to_served}): count and total since start;
 *       {@code freshet.freshness.percentile} (tags {@code stage}, {@code quantile} 0.5/0.9/0.99/0.999) and
 *       {@code freshet.freshness.max} over the last window. The pipeline's own HdrHistograms feed them; nothing is
 *       recorded twice.</li>
 *   <li>{@code freshet.served.age} (tag {@code set}): the age of the rows readers returned (read time minus the
 *       row's newest event time), count and total; {@code freshet.served.age.percentile} and
 *       {@code freshet.served.age.max} over the last window. Recorded by the readers while bound (one atomic
 *       increment per read; nothing allocated, no lock).</li>
 *   <li>{@code freshet.apply.latency} (tag {@code set}): per set, the time from the consumer's poll of a record to its
 *       row committed in the set's store (the hand-off's wait included): the {@code poll_to_applied} stage of that
 *       set's records, from the same recording; count and total, {@code freshet.apply.latency.percentile} and
 *       {@code freshet.apply.latency.max} over the last window.</li>
 *   <li>{@code freshet.read.latency} (tag {@code set}): how long {@code FeatureReader.read} took, every read (present
 *       row or not; a batch read counts each key), count and total; {@code freshet.read.latency.percentile} and
 *       {@code freshet.read.latency.max} over the last window. Timed by the readers only while bound (two
 *       {@code System.nanoTime()} calls and one atomic increment per read; nothing allocated, no lock).</li>
 *   <li>{@code freshet.lag} (tags {@code topic}, {@code partition}, records).</li>
 *   <li>{@code freshet.set.status} (tags {@code set}, {@code state}): 1 for the set's state, 0 for the others.</li>
 *   <li>Counters (tag {@code set}): {@code freshet.records.applied}, {@code .late}, {@code .duplicate},
 *       {@code .skipped}, {@code .dead.lettered}, {@code .rejected}, {@code .store.full};
 *       {@code freshet.records.bad} (tags {@code set}, {@code reason}: every {@link BadRecordReason}).</li>
 *   <li>{@code freshet.store.rows}, {@code freshet.store.capacity} (tag {@code set}, rows);
 *       {@code freshet.backpressure.pauses} (counter).</li>
 *   <li>{@code freshet.heartbeat.age} (tags {@code topic}, {@code partition}, seconds): now minus the produce time of
 *       the newest {@code FreshnessProbe} heartbeat routed, per partition that has seen one.</li>
 *   <li>Sets with a freshness SLO: {@code freshet.slo.breached} (1/0), {@code freshet.slo.age} (the measured
 *       percentile) and {@code freshet.slo.bound} (tag {@code set}).</li>
 * </ul>
 * The Grafana dashboard {@code freshet-dashboard.json} beside this class (in the jar, and in the repository under
 * {@code sdk-kafka/src/main/resources/io/freshet/kafka/metrics/}) charts them.
 * Every meter also carries the binding's extra tags (to tell two pipelines in one registry apart).
 *
 * <p>A binding owns one daemon thread that refreshes the figures every window (default 1 s): percentiles are over
 * the last window, NaN when it saw no value; counters and timers are cumulative. Meters hold the binding's state
 * weakly and the state never references the {@code FeaturePipeline}; the binding removes its meters and stops its
 * thread when it or the pipeline closes. Binding never starts a new interval of {@code pipeline.metrics()}.
 *
 * <p>Micrometer is an optional dependency of freshet-kafka: only this package names it, and a pipeline never loads
 * this package unless the application calls it. Threading: {@link #bind} and {@link #close} from any thread.
 */
public final class FreshetMetrics implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FreshetMetrics.class);
    /** The default percentile window and refresh period. */
    public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(1);

    private final MeterRegistry registry;
    private final MetricsSampler sampler;
    private final Tags tags;
    private final List<Meter> meters = new ArrayList<>();
    private final MultiGauge lag;
    private final MultiGauge heartbeatAge;
    private final ScheduledExecutorService refresher;
    private final Runnable onPipelineClose = this::close;
    private boolean closed;

    private FreshetMetrics(PipelineTelemetry telemetry, MeterRegistry registry, Tags tags, Duration window) {
        this.registry = registry;
        this.tags = tags;
        this.sampler = new MetricsSampler(telemetry);
        registerAll(telemetry);
        this.lag = MultiGauge.builder("freshet.lag").tags(tags).baseUnit("records")
            .description("Records not yet consumed per partition").register(registry);
        this.heartbeatAge = MultiGauge.builder("freshet.heartbeat.age").tags(tags).baseUnit("seconds")
            .description("Now minus the produce time of the newest FreshnessProbe heartbeat routed, per partition")
            .register(registry);
        publishLag();
        this.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "freshet-" + telemetry.instanceId() + "-metrics");
            t.setDaemon(true);
            return t;
        });
        long periodMs = window.toMillis();
        refresher.scheduleAtFixedRate(this::refresh, periodMs, periodMs, TimeUnit.MILLISECONDS);
        telemetry.onClose(onPipelineClose);
    }

    /**
     * Binds with the default window ({@link #DEFAULT_WINDOW}) and no extra tags.
     *
     * @param pipeline a pipeline (started or not)
     * @param registry the registry
     * @return the binding: close it to remove the meters (closing the pipeline does too)
     * @throws IllegalArgumentException when the registry already holds this binding's meters (bind another pipeline
     *     with distinct extra tags)
     */
    public static FreshetMetrics bind(FeaturePipeline pipeline, MeterRegistry registry) {
        return bind(pipeline, registry, Tags.empty(), DEFAULT_WINDOW);
    }

    /**
     * @param pipeline a pipeline (started or not)
     * @param registry the registry
     * @param extraTags tags added to every meter (e.g. {@code pipeline=fraud}); may be empty
     * @param window how often the figures refresh, and the span of the percentiles (10 ms to 1 h)
     * @return the binding: close it to remove the meters (closing the pipeline does too)
     * @throws IllegalArgumentException when the window is out of range, or the registry already holds this
     *     binding's meters (bind another pipeline with distinct extra tags)
     */
    public static FreshetMetrics bind(FeaturePipeline pipeline, MeterRegistry registry, Iterable<Tag> extraTags,
        Duration window) {
        Objects.requireNonNull(registry, "registry can't be null");
        Objects.requireNonNull(extraTags, "extraTags can't be null: pass Tags.empty()");
        Objects.requireNonNull(window, "window can't be null");
        if (window.toMillis() < 10 || window.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("window=" + window + " is out of range: use 10 ms to 1 h (default "
                + DEFAULT_WINDOW + ")");
        }
        PipelineTelemetry telemetry = PipelineInternals.telemetryOf(pipeline);
        Tags tags = Tags.of(extraTags);
        if (registry.find("freshet.records.applied").tags(tags).functionCounters().stream()
            .anyMatch(c -> c.getId().getTags().size() == tags.stream().count() + 1)) {
            throw new IllegalArgumentException("registry already holds freshet meters with tags=" + tags
                + ": bind each pipeline with distinct extra tags, e.g. Tags.of(\"pipeline\", name)");
        }
        return new FreshetMetrics(telemetry, registry, tags, window);
    }

    private void registerAll(PipelineTelemetry t) {
        for (int i = 0; i < MetricsSampler.STAGES.length; i++) {
            final int stage = i;
            // The pipeline's poll → applied histogram holds µs; the others ms.
            TimeUnit unit = stage == 2 ? TimeUnit.MICROSECONDS : TimeUnit.MILLISECONDS;
            Tags st = tags.and("stage", MetricsSampler.STAGES[stage]);
            meters.add(FunctionTimer.builder("freshet.freshness", sampler,
                    s -> s.figures().stageCount[stage], s -> s.figures().stageSum[stage], unit)
                .tags(st).description("Freshness per stage: time a record spent in it").register(registry));
            windowGauges("freshet.freshness", st, unit, s -> s.figures().stageWindow[stage]);
        }
        List<String> names = new ArrayList<>();
        t.sets().forEach(r -> names.add(r.featureSet().name()));
        for (int i = 0; i < names.size(); i++) {
            final int set = i;
            Tags st = tags.and("set", names.get(set));
            meters.add(FunctionTimer.builder("freshet.served.age", sampler, s -> s.figures().servedCount[set],
                    s -> s.figures().servedSumMs[set], TimeUnit.MILLISECONDS)
                .tags(st).description("Age of the rows readers returned (read time - newest event time)")
                .register(registry));
            windowGauges("freshet.served.age", st, TimeUnit.MILLISECONDS, s -> s.figures().servedWindow[set]);
            meters.add(FunctionTimer.builder("freshet.apply.latency", sampler, s -> s.figures().applyCount[set],
                    s -> s.figures().applySumUs[set], TimeUnit.MICROSECONDS)
                .tags(st).description("Poll to applied of the set's records: consumer poll to row committed in its"
                    + " store")
                .register(registry));
            windowGauges("freshet.apply.latency", st, TimeUnit.MICROSECONDS, s -> s.figures().applyWindow[set]);
            meters.add(FunctionTimer.builder("freshet.read.latency", sampler, s -> s.figures().readCount[set],
                    s -> s.figures().readSumNs[set], TimeUnit.NANOSECONDS)
                .tags(st).description("Duration of FeatureReader.read, every read (a batch read counts each key)")
                .register(registry));
            windowGauges("freshet.read.latency", st, TimeUnit.NANOSECONDS, s -> s.figures().readWindow[set]);
            for (SetStatus.State state : SetStatus.State.values()) {
                meters.add(Gauge.builder("freshet.set.status", sampler,
                        s -> s.figures().status[set].state() == state ? 1 : 0)
                    .tags(st.and("state", state.name())).description("1 for the set's current state, else 0")
                    .register(registry));
            }
            // A migration of the set (FeaturePipeline.migrate): its backfill's progress, as its sampler last took it.
            meters.add(Gauge.builder("freshet.migration.records.done", sampler,
                    s -> migration(s, set, MigrationProgress::done))
                .tags(st).baseUnit("records").description("Records of the history a migration's shadow store applied"
                    + " (0 when none runs)")
                .register(registry));
            meters.add(Gauge.builder("freshet.migration.records.todo", sampler,
                    s -> migration(s, set, MigrationProgress::toDo))
                .tags(st).baseUnit("records").description("Records a migration's backfill applies before it tails"
                    + " live traffic (0 when none runs)")
                .register(registry));
            for (MigrationPhase phase : MigrationPhase.values()) {
                meters.add(Gauge.builder("freshet.migration.phase", sampler,
                        s -> migration(s, set, p -> p.phase() == phase ? 1 : 0))
                    .tags(st.and("phase", phase.name())).description("1 for the phase of the set's migration, else 0")
                    .register(registry));
            }
            counter("freshet.records.applied", st, set, CounterIds.APPLIED, "Records applied (late ones included)");
            counter("freshet.records.late", st, set, CounterIds.LATE, "Applied records a windowed feature dropped");
            counter("freshet.records.duplicate", st, set, CounterIds.DUPLICATES,
                "Records skipped because the store had applied them (replay)");
            counter("freshet.records.skipped", st, set, CounterIds.SKIPPED, "Bad records skipped");
            counter("freshet.records.dead.lettered", st, set, CounterIds.DEAD_LETTERED,
                "Bad records produced to the dead-letter topic");
            counter("freshet.records.store.full", st, set, CounterIds.FULL_WAITS,
                "Records whose new key waited for room in a full store");
            meters.add(FunctionCounter.builder("freshet.records.rejected", sampler, s -> rejected(s.telemetry, set))
                .tags(st).description("Bad records the kernels rejected: negative/future time, non-finite value")
                .register(registry));
            for (BadRecordReason reason : BadRecordReason.values()) {
                meters.add(FunctionCounter.builder("freshet.records.bad", sampler,
                        s -> s.telemetry.count(set, CounterIds.BAD_BASE + reason.ordinal()))
                    .tags(st.and("reason", reason.name())).description("Bad records per reason").register(registry));
            }
            if (t.sloStatus(set) != null) {
                meters.add(Gauge.builder("freshet.slo.breached", sampler,
                        s -> s.telemetry.sloStatus(set).state() == SloStatus.State.BREACHED ? 1 : 0)
                    .tags(st).description("1 while the set's freshness SLO is breached, else 0").register(registry));
                meters.add(TimeGauge.builder("freshet.slo.age", sampler, TimeUnit.MILLISECONDS,
                        s -> s.telemetry.sloStatus(set).measuredMs())
                    .tags(st).description("The SLO's percentile of the freshness age over its window")
                    .register(registry));
                meters.add(TimeGauge.builder("freshet.slo.bound", sampler, TimeUnit.MILLISECONDS,
                        s -> s.telemetry.sloStatus(set).boundMs())
                    .tags(st).description("The SLO's bound").register(registry));
            }
            meters.add(Gauge.builder("freshet.store.rows", sampler, s -> s.figures().storeRows[set])
                .tags(st).baseUnit("rows").description("Rows in the set's store").register(registry));
            meters.add(Gauge.builder("freshet.store.capacity", sampler, s -> s.figures().storeCapacity[set])
                .tags(st).baseUnit("rows").description("Capacity of the set's store").register(registry));
        }
        meters.add(FunctionCounter.builder("freshet.backpressure.pauses", sampler, s -> s.telemetry.pauses())
            .tags(tags).description("Times a full hand-off queue paused a partition").register(registry));
    }

    private static double migration(MetricsSampler s, int set, ToDoubleFunction<MigrationProgress> figure) {
        MigrationProgress p = s.telemetry.migrationProgress(set);
        return p == null ? 0 : figure.applyAsDouble(p);
    }

    private static double rejected(PipelineTelemetry t, int set) {
        return t.count(set, CounterIds.BAD_BASE + BadRecordReason.NEGATIVE_TIME.ordinal())
            + t.count(set, CounterIds.BAD_BASE + BadRecordReason.FUTURE_TIME.ordinal())
            + t.count(set, CounterIds.BAD_BASE + BadRecordReason.NON_FINITE_VALUE.ordinal());
    }

    private void counter(String name, Tags st, int set, int counterId, String description) {
        meters.add(FunctionCounter.builder(name, sampler, s -> s.telemetry.count(set, counterId)).tags(st)
            .description(description).register(registry));
    }

    private void windowGauges(String name, Tags st, TimeUnit unit, java.util.function.Function<MetricsSampler,
        double[]> window) {
        for (int q = 0; q < MetricsSampler.QUANTILES.length; q++) {
            final int quantile = q;
            ToDoubleFunction<MetricsSampler> f = s -> window.apply(s)[quantile];
            meters.add(TimeGauge.builder(name + ".percentile", sampler, unit, f)
                .tags(st.and("quantile", Double.toString(MetricsSampler.QUANTILES[q])))
                .description("Percentile over the last window").register(registry));
        }
        meters.add(TimeGauge.builder(name + ".max", sampler, unit,
                s -> window.apply(s)[MetricsSampler.QUANTILES.length])
            .tags(st).description("Maximum over the last window").register(registry));
    }

    private void refresh() {
        try {
            sampler.refresh();
            publishLag();
        } catch (RuntimeException e) {
            // A failed refresh keeps the previous figures; the next one tries again.
            LOG.warn("pipeline instance={} metrics refresh failed", sampler.telemetry.instanceId(), e);
        }
    }

    private synchronized void publishLag() {
        if (closed) {
            return;
        }
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        for (Map.Entry<TopicPartition, Long> e : sampler.lag()) {
            rows.add(MultiGauge.Row.of(Tags.of("topic", e.getKey().topic(), "partition",
                Integer.toString(e.getKey().partition())), e.getValue()));
        }
        lag.register(rows, true);
        List<MultiGauge.Row<?>> beats = new ArrayList<>();
        for (Map.Entry<TopicPartition, HeartbeatSeen> e : sampler.telemetry.heartbeats().entrySet()) {
            beats.add(MultiGauge.Row.of(Tags.of("topic", e.getKey().topic(), "partition",
                Integer.toString(e.getKey().partition())), e.getValue(),
                h -> (System.currentTimeMillis() - h.producedMs()) / 1000.0));
        }
        heartbeatAge.register(beats, true);
    }

    /** Removes the meters, stops the thread and the readers' recording. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            lag.register(List.of(), true);
            heartbeatAge.register(List.of(), true);
        }
        refresher.shutdownNow();
        sampler.telemetry.removeOnClose(onPipelineClose);
        sampler.stopRecording();
        for (Meter m : meters) {
            registry.remove(m);
        }
    }
}
