package io.freshet.kafka.internal;

import io.freshet.core.internal.ServedAges;
import io.freshet.kafka.MigrationProgress;
import io.freshet.kafka.SetStatus;
import io.freshet.kafka.SloStatus;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.apache.kafka.common.TopicPartition;

/**
 * What a metrics binder reads from a running pipeline, beyond its public snapshot: cumulative figures that it can
 * difference on its own schedule, so that binding never steals the interval of {@code FeaturePipeline.metrics()}.
 * Obtained through {@link PipelineInternals}.
 *
 * <p>Internal: not part of the public API. Threading: any thread. Allocation: {@link #status} and {@link #lag}
 * allocate; the counters do not.
 */
public interface PipelineTelemetry {
    /** Stages of {@link #copyStages}, in order: event → broker (ms), broker → poll (ms), poll → applied (µs). */
    int STAGES = 3;

    /** @return the pipeline's instance id */
    String instanceId();

    /** @return the feature sets, by index */
    List<SetRuntime> sets();

    /** @return true once the pipeline's threads exist (counters, lag and stages read 0 before) */
    boolean started();

    /**
     * @param set a set index
     * @param counterId a counter ({@link PipelineCore.CounterIds})
     * @return its sum over threads since start, 0 before start
     */
    long count(int set, int counterId);

    /**
     * @param set a set index
     * @return the set's status now
     */
    SetStatus status(int set);

    /** @return the consumers' published lag per assigned partition (a copy) */
    Map<TopicPartition, Long> lag();

    /** @return the newest heartbeat per partition that has seen one (live view) */
    Map<TopicPartition, HeartbeatSeen> heartbeats();

    /**
     * @param set a set index
     * @return its freshness SLO status now, or null when it has none
     */
    SloStatus sloStatus(int set);

    /** @return back-pressure pauses since start */
    long pauses();

    /**
     * @param set a set index
     * @return the progress its migration's sampler last took (no Kafka request), or null while none runs
     */
    MigrationProgress migrationProgress(int set);

    /**
     * Copies the stage histograms since start into the caller's (reset first); takes what the pipeline's threads
     * recorded so far without disturbing the interval of {@code metrics()}.
     *
     * @param into {@link #STAGES} histograms
     * @param applyBySet one histogram per set (reset first): the poll → applied stage of the set's records since
     *     start, µs (the set's apply latency), taken in the same pass
     */
    void copyStages(Histogram[] into, Histogram[] applyBySet);

    /**
     * Starts recording the age of what the set's readers return and how long their reads take (idempotent).
     *
     * @param set a set index
     * @return the set's recorder
     */
    ServedAges recordServedAges(int set);

    /**
     * @param set a set index
     * @param ages stops recording into it (if still installed)
     */
    void stopServedAges(int set, ServedAges ages);

    /**
     * @param listener runs once when the pipeline closes (at once when it is closed already); listeners must not
     *     throw
     */
    void onClose(Runnable listener);

    /** @param listener a listener of {@link #onClose} that should no longer run */
    void removeOnClose(Runnable listener);

    /** @return the number of applier threads (0 before start) */
    int applierCount();

    /**
     * Installs (or, with null, removes) the ring applier {@code applier} stamps every applied record's commit into
     * (a freshness probe that takes no CPU from the pipeline's threads beyond the stamp).
     *
     * @param applier an applier index, 0 to {@link #applierCount()} - 1
     * @param stamps a ring for that applier alone, or null
     */
    void stampCommits(int applier, CommitStamps stamps);
}
