package io.freshet.kafka;

import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureView;
import io.freshet.core.KeyType;
import io.freshet.core.spi.StoreEngine;
import io.freshet.kafka.internal.training.LabelTopic;
import io.freshet.kafka.internal.training.RowSink;
import io.freshet.kafka.internal.training.TrainingJoin;
import io.freshet.kafka.internal.training.TrainingPlan;
import io.freshet.kafka.internal.training.TrainingRun;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * Point-in-time training rows from the definitions that serve: for each label (entity keys and a label time
 * {@code t}) one row with every feature of every set as a read at {@code t} would have returned it, computed by the
 * same kernels and store code as the live pipeline, from the feature topics' history.
 *
 * <pre>{@code
 * TrainingSet<Label> rows = TrainingSet.forLabels(labels, Label::timeMs)      // any Iterable, in time order
 *     .labelColumn("is_fraud", Label::isFraud)
 *     .features(userRisk, Label::userId, Source.of("payments", new PaymentDecoder()))
 *     .featuresByTextKey(merchantStats, Label::merchant, Source.of("payments", new PaymentDecoder()))
 *     .from(MigrationStart.logStart())
 *     .asOfKnownTime(Duration.ofSeconds(5))
 *     .kafka(consumerProperties)
 *     .build();
 * TrainingProgress done = rows.writeCsv(Path.of("train.csv"));            // and train.json beside it
 * rows.write(ParquetSink.to(Path.of("train.parquet")));                     // with freshet-parquet
 * }</pre>
 *
 * <h2>What a row at {@code t} holds</h2>
 * For each set, the row of the label's key computed from exactly the records that <em>qualify</em> at {@code t}:
 * event time {@code < t} and record timestamp {@code <= t + lag} ({@link Builder#asOfKnownTime}; default 0: what the
 * broker had at {@code t}). The record timestamp is the broker's log-append time, or the producer's create time on a
 * {@code CreateTime} topic; a record's <em>known time</em> is the largest timestamp of its partition up to it (an
 * append cannot precede the records before it). So no record that reached the broker after {@code t + lag}, and no
 * event whose own time is at or after {@code t} (a future event, even one that arrived early), contributes to a row at
 * {@code t}. Values are evaluated at {@code t} (windows end at {@code t}, decayed values decay to {@code t}), keep
 * their event times, and the row its status: FRESH, STALE past the set's {@code staleAfter}, MISSING when no
 * qualifying record has the key; never CATCHING_UP.
 *
 * <h2>Apply order</h2>
 * A key's qualifying records are applied in log order, as the live applier applies them: offset order within a
 * partition, partitions merged by known time (ties by topic in the order the sets name them, then partition). Each
 * is applied with the applying clock at its known time (future-skew rejection, the row's update time and hence its
 * status use it). Floating-point sums, late-event drops and latest-value ties depend on that order, so training rows
 * reproduce them. Bad records follow their source's {@link BadRecordPolicy} as in the pipeline, except that nothing
 * is dead-lettered: {@code FAIL} stops the run with the record's position and reason, {@code SKIP} and
 * {@code DEAD_LETTER} skip it (counted).
 *
 * <h2>Streaming, bounded memory</h2>
 * Labels come in time order (an earlier label after a later one is refused). For each label the history is read
 * forward until every partition has passed {@code t + lag}. A key's records join its running row (the checkpoint, in
 * a store: the heap by default, or {@link Builder#runningRows}) while they qualify in order; a record that does not
 * qualify yet (event time {@code >= t}) and every later record of its key wait in that key's pending queue until the
 * label time passes them; a row at {@code t} is the checkpoint plus its pending records that qualify at {@code t},
 * applied on a scratch copy. Memory: the keys' rows, the records of the last {@code lag + futureSkew} of traffic, one
 * poll per partition; not the topics' length.
 *
 * <h2>Output</h2>
 * {@link #writeCsv} or {@link #write} to a {@link TrainingSink} (CSV here, Parquet in {@code freshet-parquet}):
 * {@code label_time_ms}, the label columns in the order added, then per set {@code set__status} and per feature
 * {@code set__feature} (typed as served: long, double, a list of longs for last-N; absent when the row has none) and,
 * for stored features, {@code set__feature__event_time_ms} (the value's event time; its age at the label is
 * {@code label_time_ms} minus it). A sidecar JSON beside it ({@code train.csv} → {@code train.json}) records the sets'
 * names, fingerprints and canonical forms, their topics, the start and end offsets read, the lag and the row count.
 *
 * <p>Labels come from an {@link Iterable} ({@link #forLabels}) or a Kafka topic ({@link #forLabelTopic}).
 *
 * <h2>Tombstones and TTL</h2>
 * A source with {@link TombstonePolicy#DELETE} is replayed as the pipeline applies it: a tombstone of a key at log
 * position {@code p}, known at {@code k}, deletes the key's row for every label with {@code t + lag >= k}, with the
 * key's records before {@code p} (pending ones included); records after {@code p} start a new row. A set with a TTL
 * is refused: live, idle rows are evicted by a timed sweep, which no replay of the log can reproduce.
 *
 * <h2>Zero skew</h2>
 * A row at {@code t} is bit-identical to what a live read at {@code t} returned when that reader had applied exactly
 * the records known by {@code t + lag}, each at the applying clock of its known time, none of the key's with an event
 * time at or after {@code t}, and the key's records came from one partition (README "Training rows").
 *
 * <p>Immutable and thread-safe; each {@code writeCsv} or {@code write} is one run on the calling thread, with its own
 * consumer (client id {@code freshet-training-N}, assign mode, {@code read_committed}) and its own running rows.
 *
 * @param <L> the label type
 */
public final class TrainingSet<L> {
    private static final AtomicLong RUNS = new AtomicLong();
    /** The label time column, first in every row. */
    static final String LABEL_TIME_COLUMN = TrainingSink.LABEL_TIME_COLUMN;

    final TrainingPlan<L> plan;
    final List<LabelColumn<L>> labelColumns;
    final MigrationStart start;
    /** The view whose columns the rows hold, or null: every feature of every joined set. */
    final TrainingView<L> view;

    private TrainingSet(Builder<L> b) {
        Iterable<L> labels = b.labelTopic == null ? b.labels : new LabelTopic<>(b.kafka, b.labelTopic, b.labelDecoder,
            b.labelTimeMs, b.stallTimeout, "freshet-training-labels-" + RUNS.incrementAndGet());
        this.plan = new TrainingPlan<>(labels, b.labelTimeMs, b.joins, b.start.time, b.start.offsets, b.lagMs, b.kafka,
            b.engine, b.storeDirectory, b.progressEvery, b.progressListener, b.stallTimeout, "freshet-training-");
        this.labelColumns = List.copyOf(b.labelColumns);
        this.start = b.start;
        this.view = b.view == null ? null : TrainingView.of(b.view, plan.joins(), b.viewParams);
    }

    /**
     * Starts a training set over labels.
     *
     * @param labels the labels, in non-decreasing label time; iterated once per run
     * @param labelTimeMs a label's time {@code t}, epoch ms
     * @param <L> the label type
     * @return a builder
     */
    public static <L> Builder<L> forLabels(Iterable<L> labels, ToLongFunction<L> labelTimeMs) {
        return new Builder<>(Objects.requireNonNull(labels, "labels can't be null"),
            Objects.requireNonNull(labelTimeMs, "labelTimeMs can't be null"));
    }

    /**
     * Starts a training set over labels on a Kafka topic: each run reads the topic from its log start to its last
     * stable offsets when the run begins ({@code read_committed}, with the {@link Builder#kafka} properties) and takes
     * the partitions' labels in label time. Each partition must hold its labels in non-decreasing label time (key the
     * topic by anything, but write a partition's labels in time order); a record that does not decode stops the run
     * with its position, a null from the decoder is not a label.
     *
     * @param topic the labels' topic
     * @param decoder decodes a record into a label (called with a new {@code newReusable()} per label)
     * @param labelTimeMs a label's time {@code t}, epoch ms
     * @param <L> the label type
     * @return a builder
     */
    public static <L> Builder<L> forLabelTopic(String topic, RecordDecoder<L> decoder, ToLongFunction<L> labelTimeMs) {
        Builder<L> b = new Builder<>(null, Objects.requireNonNull(labelTimeMs, "labelTimeMs can't be null"));
        b.labelTopic = Objects.requireNonNull(topic, "topic can't be null");
        b.labelDecoder = Objects.requireNonNull(decoder, "decoder can't be null");
        return b;
    }

    /** One label column: its name and how a label gives its value. */
    static final class LabelColumn<L> {
        final String name;
        final Function<L, ?> value;

        LabelColumn(String name, Function<L, ?> value) {
            this.name = name;
            this.value = value;
        }
    }


    /**
     * Writes the rows to a CSV file (created or replaced) and the sidecar JSON beside it: {@code name.csv} →
     * {@code name.json} (any other name gets {@code .json} appended). Same as {@code write(TrainingSink.csv(csv))}.
     *
     * @param csv the CSV file
     * @return the final progress: rows written, records read, time taken
     * @throws UncheckedIOException when a file cannot be written
     * @throws IllegalArgumentException when labels are out of time order, or a topic or start offset is wrong
     * @throws IllegalStateException when a bad record meets {@link BadRecordPolicy#FAIL}, or the history stalls
     */
    public TrainingProgress writeCsv(Path csv) {
        return write(TrainingSink.csv(Objects.requireNonNull(csv, "csv can't be null")));
    }

    /**
     * Writes the rows to a sink ({@link TrainingSink#csv}, or Parquet from {@code freshet-parquet}) and the sidecar
     * JSON beside its file: {@code name.csv} or {@code name.parquet} → {@code name.json} (any other name gets
     * {@code .json} appended). The sink is closed when this returns or throws.
     *
     * @param sink where the rows go, for this run only
     * @return the final progress: rows written, records read, time taken
     * @throws UncheckedIOException when a file cannot be written
     * @throws IllegalArgumentException when labels are out of time order, or a topic or start offset is wrong
     * @throws IllegalStateException when a bad record meets {@link BadRecordPolicy#FAIL}, or the history stalls
     */
    public TrainingProgress write(TrainingSink sink) {
        Objects.requireNonNull(sink, "sink can't be null");
        if (view != null) {
            return writeView(sink);
        }
        try (sink) {
            List<String> labelColumnNames = new ArrayList<>();
            for (LabelColumn<L> c : labelColumns) {
                labelColumnNames.add(c.name);
            }
            List<FeatureSet<?>> sets = new ArrayList<>();
            for (TrainingJoin<L, ?> j : plan.joins()) {
                sets.add(j.set());
            }
            sink.open(labelColumnNames, sets);
            Object[] labelValues = new Object[labelColumns.size()];
            TrainingRun<L> run = new TrainingRun<>(plan);
            TrainingProgress done = run.execute((label, t, vectors) -> {
                for (int i = 0; i < labelValues.length; i++) {
                    labelValues[i] = labelColumns.get(i).value.apply(label);
                }
                sink.write(t, labelValues, vectors);
            });
            sink.finish();
            TrainingSidecar.write(TrainingSidecar.of(sink.file()), sink, this, run, done);
            return done;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write training rows to " + sink.file() + ": " + e.getMessage(), e);
        }
    }

    /** The rows of a {@link Builder#view}: the view's columns, CSV only. */
    private TrainingProgress writeView(TrainingSink sink) {
        try (sink) {
            if (!(sink instanceof TrainingCsv)) {
                throw new IllegalArgumentException("rows of view=" + view.view.name() + " are written as CSV only: "
                    + "use writeCsv(path) or write(TrainingSink.csv(path))");
            }
            TrainingCsv csv = (TrainingCsv) sink;
            List<String> labelColumnNames = new ArrayList<>();
            for (LabelColumn<L> c : labelColumns) {
                labelColumnNames.add(c.name);
            }
            csv.openView(labelColumnNames, view.view);
            TrainingRun<L> run = new TrainingRun<>(plan);
            TrainingProgress done = run.execute(view.rows(csv, labelColumns));
            csv.finish();
            TrainingSidecar.write(TrainingSidecar.of(sink.file()), sink, this, run, done);
            return done;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write training rows to " + sink.file() + ": " + e.getMessage(), e);
        }
    }

    /** Runs once into a sink; for the writers and tests that check vectors as read. */
    TrainingProgress run(RowSink<L> sink) throws IOException {
        return new TrainingRun<>(plan).execute(sink);
    }

    @Override
    public String toString() {
        List<String> sets = new ArrayList<>();
        for (TrainingJoin<L, ?> j : plan.joins()) {
            sets.add(j.set().name());
        }
        return "TrainingSet{sets=" + sets + ", start=" + start + ", asOfKnownTimeLagMs=" + plan.lagMs() + "}";
    }

    /**
     * Builds a {@link TrainingSet}. Each option is checked when set; {@link #build()} checks what needs them all.
     * Reusable: {@code build()} copies what it was given.
     *
     * @param <L> the label type
     */
    public static final class Builder<L> {
        private final Iterable<L> labels;
        private final ToLongFunction<L> labelTimeMs;
        private String labelTopic;
        private RecordDecoder<L> labelDecoder;
        private final List<LabelColumn<L>> labelColumns = new ArrayList<>();
        private final List<TrainingJoin<L, ?>> joins = new ArrayList<>();
        private MigrationStart start = MigrationStart.logStart();
        private long lagMs;
        private Properties kafka;
        private StoreEngine engine;
        private Path storeDirectory;
        private Duration progressEvery = Duration.ofSeconds(10);
        private Consumer<TrainingProgress> progressListener;
        private Duration stallTimeout = Duration.ofMinutes(2);
        private FeatureView view;
        private final List<ToDoubleFunction<L>> viewParams = new ArrayList<>();

        private Builder(Iterable<L> labels, ToLongFunction<L> labelTimeMs) {
            this.labels = labels;
            this.labelTimeMs = labelTimeMs;
        }

        /**
         * Adds a label column, written after {@code label_time_ms} in the order added.
         *
         * @param name column name (not {@code label_time_ms}, no {@code __}, unique)
         * @param value the label's value (CSV writes its {@code toString()}, Parquet types the column by the first
         *     row's value; null as empty)
         * @return this
         */
        public Builder<L> labelColumn(String name, Function<L, ?> value) {
            Objects.requireNonNull(name, "name can't be null");
            Objects.requireNonNull(value, "value can't be null");
            if (name.isEmpty() || name.contains("__") || name.equals(LABEL_TIME_COLUMN)) {
                throw new IllegalArgumentException("label column name=" + name + " is taken or reserved: feature "
                    + "columns use set__feature and the first column is " + LABEL_TIME_COLUMN + "; pick another");
            }
            for (LabelColumn<L> c : labelColumns) {
                if (c.name.equals(name)) {
                    throw new IllegalArgumentException("label column name=" + name + " was already added");
                }
            }
            labelColumns.add(new LabelColumn<>(name, value));
            return this;
        }

        /**
         * Joins a numeric-keyed feature set: each row gets the set's features for the label's key.
         *
         * @param set the definition (as served)
         * @param entityKey the label's key of the set's entity
         * @param sources the set's sources, as registered with the pipeline (at least one)
         * @param <E> the set's event type
         * @return this
         * @throws IllegalArgumentException when the set has a TEXT key or a ttl, or the sources are none or repeat a
         *     topic
         */
        @SafeVarargs
        public final <E> Builder<L> features(FeatureSet<E> set, ToLongFunction<L> entityKey, Source<E>... sources) {
            Objects.requireNonNull(set, "set can't be null");
            Objects.requireNonNull(entityKey, "entityKey can't be null");
            if (set.keyType() != KeyType.LONG) {
                throw new IllegalArgumentException("set=" + set.name() + " has a TEXT key: join it with "
                    + "featuresByTextKey(set, label -> key, sources)");
            }
            add(new TrainingJoin<>(set, entityKey, null, checkSources(set, sources)));
            return this;
        }

        /**
         * Joins a text-keyed feature set: each row gets the set's features for the label's key (a null key reads
         * MISSING).
         *
         * @param set the definition (as served)
         * @param entityKey the label's key of the set's entity
         * @param sources the set's sources, as registered with the pipeline (at least one)
         * @param <E> the set's event type
         * @return this
         * @throws IllegalArgumentException when the set has a LONG key or a ttl, or the sources are none or repeat a
         *     topic
         */
        @SafeVarargs
        public final <E> Builder<L> featuresByTextKey(FeatureSet<E> set,
            Function<L, ? extends CharSequence> entityKey, Source<E>... sources) {
            Objects.requireNonNull(set, "set can't be null");
            Objects.requireNonNull(entityKey, "entityKey can't be null");
            if (set.keyType() != KeyType.TEXT) {
                throw new IllegalArgumentException("set=" + set.name() + " has a LONG key: join it with "
                    + "features(set, label -> key, sources)");
            }
            add(new TrainingJoin<>(set, null, entityKey, checkSources(set, sources)));
            return this;
        }

        private void add(TrainingJoin<L, ?> join) {
            for (TrainingJoin<L, ?> j : joins) {
                if (j.set().name().equals(join.set().name())) {
                    throw new IllegalArgumentException("set=" + join.set().name() + " is joined already: its columns "
                        + "are named after the set, so join each set once");
                }
            }
            joins.add(join);
        }

        private static <E> List<Source<E>> checkSources(FeatureSet<E> set, Source<E>[] sources) {
            Objects.requireNonNull(sources, "sources can't be null");
            if (set.ttlMs() != Long.MAX_VALUE) {
                // Live, an idle row is evicted by a sweep (once a second, and before each batch of its shard) and
                // served until then: when a row went is a matter of thread timing that no replay of the log can
                // know, so a row at t could differ from what a live read at t returned. Refused rather than skewed.
                throw new IllegalArgumentException("set=" + set.name() + " has ttl=" + set.ttlMs() + " ms: the live "
                    + "store evicts idle rows by a timed sweep that a replay cannot reproduce, so its training rows "
                    + "could differ from what was served; join a definition without ttl (same features: its rows "
                    + "are those the live store holds until eviction)");
            }
            if (sources.length == 0) {
                throw new IllegalArgumentException("set=" + set.name() + " has no source: pass the sources the "
                    + "pipeline registers it with");
            }
            Set<String> topics = new HashSet<>();
            for (Source<E> s : sources) {
                Objects.requireNonNull(s, "source can't be null");
                if (!topics.add(s.topic())) {
                    throw new IllegalArgumentException("set=" + set.name() + " names topic=" + s.topic() + " twice");
                }
            }
            return List.of(sources);
        }

        /**
         * Writes the rows as one {@link FeatureView}'s columns instead of every feature of every set:
         * {@code label_time_ms}, the label columns, then exactly {@link FeatureView#columns()}, each cell the value
         * {@code ViewVector.copyTo} gives for the label's keys and parameters at the label time (empty where missing).
         * Each set of the view must be joined ({@link #features} or {@link #featuresByTextKey}: the label's key for it
         * binds the view's key) in the definition the view was built on, and each request parameter given by
         * {@link #viewParam}. CSV only.
         *
         * @param view the view the model reads live
         * @return this
         */
        public Builder<L> view(FeatureView view) {
            Objects.requireNonNull(view, "view can't be null");
            if (this.view != null) {
                throw new IllegalArgumentException("view=" + this.view.name() + " was already set: rows hold one view");
            }
            this.view = view;
            viewParams.clear();
            for (int i = 0; i < view.params().size(); i++) {
                viewParams.add(null);
            }
            return this;
        }

        /**
         * Maps a request parameter of the {@link #view} to the label: what the request carried live (e.g. the
         * payment's amount) must be a field of the label, so that the request-time features of a row equal the
         * served ones.
         *
         * @param param a request parameter of the view
         * @param value the label's value of it (NaN: unknown, the features using it read missing)
         * @return this
         */
        public Builder<L> viewParam(String param, ToDoubleFunction<L> value) {
            Objects.requireNonNull(param, "param can't be null");
            Objects.requireNonNull(value, "value can't be null");
            if (view == null) {
                throw new IllegalStateException("viewParam(" + param + ") before view(view): set the view first");
            }
            viewParams.set(view.paramSlot(param), value);
            return this;
        }

        /**
         * @param start where the feature history starts (default the log start), as for a migration
         * @return this
         */
        public Builder<L> from(MigrationStart start) {
            this.start = Objects.requireNonNull(start, "start can't be null");
            return this;
        }

        /**
         * Only records the broker had by {@code t + lag} count for a label at {@code t} (default 0: exactly what a
         * live read at {@code t} could have seen).
         *
         * @param lag how long after the label time a record still counts, 0 to 30 days
         * @return this
         */
        public Builder<L> asOfKnownTime(Duration lag) {
            Objects.requireNonNull(lag, "lag can't be null");
            if (lag.isNegative() || lag.compareTo(Duration.ofDays(30)) > 0) {
                throw new IllegalArgumentException("asOfKnownTime lag=" + lag + " is out of range: use 0 to 30 days "
                    + "(the run keeps the records of the last lag of traffic in memory)");
            }
            this.lagMs = lag.toMillis();
            return this;
        }

        /**
         * @param properties consumer properties: {@code bootstrap.servers} and security, as for the pipeline; the
         *     run sets its own client id, {@code read_committed} and no group
         * @return this
         */
        public Builder<L> kafka(Properties properties) {
            Objects.requireNonNull(properties, "properties can't be null");
            if (properties.getProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG) == null) {
                throw new IllegalArgumentException("kafka properties have no " + ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG
                    + ": set it to the cluster the feature topics are on");
            }
            this.kafka = new Properties();
            this.kafka.putAll(properties);
            return this;
        }

        /**
         * Keeps the running rows in stores of this engine (e.g. the table engine) in a new directory under
         * {@code directory} (e.g. on tmpfs, {@code /dev/shm}), deleted when the run ends. Default: on the heap.
         *
         * @param engine the engine
         * @param directory where the run's store directories go
         * @return this
         */
        public Builder<L> runningRows(StoreEngine engine, Path directory) {
            this.engine = Objects.requireNonNull(engine, "engine can't be null");
            this.storeDirectory = Objects.requireNonNull(directory, "directory can't be null");
            return this;
        }

        /**
         * @param every how often the run reports (default 10 s; also logged at INFO)
         * @param listener receives each report on the run's thread, and the final one
         * @return this
         */
        public Builder<L> progress(Duration every, Consumer<TrainingProgress> listener) {
            Objects.requireNonNull(every, "every can't be null");
            if (every.isNegative() || every.isZero()) {
                throw new IllegalArgumentException("progress every=" + every + " must be positive");
            }
            this.progressEvery = every;
            this.progressListener = Objects.requireNonNull(listener, "listener can't be null");
            return this;
        }

        /**
         * @param timeout how long the history may return nothing before its end offsets before the run fails
         *     (default 2 min)
         * @return this
         */
        public Builder<L> stallTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout can't be null");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("stallTimeout=" + timeout + " must be positive");
            }
            this.stallTimeout = timeout;
            return this;
        }

        /**
         * @return the training set
         * @throws IllegalStateException when no set is joined or the Kafka properties are missing
         */
        public TrainingSet<L> build() {
            if (joins.isEmpty()) {
                throw new IllegalStateException("no feature set joined: call features(set, label -> key, sources)");
            }
            if (kafka == null) {
                throw new IllegalStateException("no kafka properties: call kafka(properties) with bootstrap.servers");
            }
            if (view != null) {
                TrainingView.of(view, joins, viewParams); // checks the bindings now, not at the first run
            }
            return new TrainingSet<>(this);
        }
    }
}
