package io.freshet.kafka.internal.training;

import io.freshet.core.spi.StoreEngine;
import io.freshet.kafka.TrainingProgress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;
import org.apache.kafka.common.TopicPartition;

/**
 * What a training run needs, as the public builder checked it: the labels, the joined sets, where the history starts,
 * the as-of-known-time lag, the consumer properties, where the running rows live and how progress is reported.
 * Immutable (the properties are copied); each {@link TrainingRun} made from it is one run.
 *
 * @param <L> the label type
 */
public final class TrainingPlan<L> {
    final Iterable<L> labels;
    final ToLongFunction<L> labelTimeMs;
    final List<TrainingJoin<L, ?>> joins;
    final Instant startTime;
    final Map<TopicPartition, Long> startOffsets;
    final long lagMs;
    final Properties kafka;
    final StoreEngine engine;
    final Path storeDirectory;
    final Duration progressEvery;
    final Consumer<TrainingProgress> progressListener;
    final Duration stallTimeout;
    final String clientIdPrefix;

    /**
     * @param labels the labels, in non-decreasing label time; iterated once per run
     * @param labelTimeMs a label's time
     * @param joins the joined sets, in column order
     * @param startTime where the history starts by time, or null (then {@code startOffsets}, or the log start)
     * @param startOffsets where the history starts by offset, or null
     * @param lagMs the as-of-known-time lag
     * @param kafka consumer properties (copied)
     * @param engine the running rows' engine, or null for the heap
     * @param storeDirectory where the engine's stores go (with an engine)
     * @param progressEvery how often a run reports
     * @param progressListener receives each report, or null
     * @param stallTimeout how long the history may return nothing before its end
     * @param clientIdPrefix the consumers' client id prefix (a run number is appended)
     */
    public TrainingPlan(Iterable<L> labels, ToLongFunction<L> labelTimeMs, List<TrainingJoin<L, ?>> joins,
        Instant startTime, Map<TopicPartition, Long> startOffsets, long lagMs, Properties kafka, StoreEngine engine,
        Path storeDirectory, Duration progressEvery, Consumer<TrainingProgress> progressListener,
        Duration stallTimeout, String clientIdPrefix) {
        this.labels = labels;
        this.labelTimeMs = labelTimeMs;
        this.joins = List.copyOf(joins);
        this.startTime = startTime;
        this.startOffsets = startOffsets;
        this.lagMs = lagMs;
        this.kafka = new Properties();
        this.kafka.putAll(kafka);
        this.engine = engine;
        this.storeDirectory = storeDirectory;
        this.progressEvery = progressEvery;
        this.progressListener = progressListener;
        this.stallTimeout = stallTimeout;
        this.clientIdPrefix = clientIdPrefix;
    }

    /** @return the joined sets, in column order */
    public List<TrainingJoin<L, ?>> joins() {
        return joins;
    }

    /** @return the as-of-known-time lag, ms */
    public long lagMs() {
        return lagMs;
    }
}
