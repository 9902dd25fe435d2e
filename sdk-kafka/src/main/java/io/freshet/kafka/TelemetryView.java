package io.freshet.kafka;

import io.freshet.core.internal.ServedAges;
import io.freshet.kafka.internal.CommitStamps;
import io.freshet.kafka.internal.HeartbeatSeen;
import io.freshet.kafka.internal.IngestLoop;
import io.freshet.kafka.internal.PipelineCore;
import io.freshet.kafka.internal.PipelineTelemetry;
import io.freshet.kafka.internal.SetRuntime;
import io.freshet.kafka.internal.ShardApplier;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.HdrHistogram.Histogram;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pipeline's {@link PipelineTelemetry}: the figures behind {@link FeaturePipeline#metrics()} and
 * {@link FeaturePipeline#status}, read without starting a new metrics interval, and the pipeline's close listeners.
 *
 * <p>Threading: any thread. Allocation: see {@link PipelineTelemetry}.
 */
final class TelemetryView implements PipelineTelemetry {
    private static final Logger LOG = LoggerFactory.getLogger(TelemetryView.class);

    private final PipelineCore core;
    private final MetricsCollector metrics;
    private final StatusMonitor status;
    private final SloMonitor slo;
    /** The pipeline's migrations (its own live list). */
    private final List<Migration> migrations;
    private final List<Runnable> closeListeners = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    TelemetryView(PipelineCore core, MetricsCollector metrics, StatusMonitor status, SloMonitor slo,
        List<Migration> migrations) {
        this.core = core;
        this.migrations = migrations;
        this.slo = slo;
        this.metrics = metrics;
        this.status = status;
    }

    @Override
    public String instanceId() {
        return core.instanceId();
    }

    @Override
    public List<SetRuntime> sets() {
        return core.sets();
    }

    @Override
    public MigrationProgress migrationProgress(int set) {
        for (Migration m : migrations) {
            if (m.liveRuntime().index() == set) {
                return m.lastProgress();
            }
        }
        return null;
    }

    @Override
    public boolean started() {
        return core.loops() != null;
    }

    @Override
    public long count(int set, int counterId) {
        return started() ? core.count(set, counterId) : 0;
    }

    @Override
    public SetStatus status(int set) {
        return status.status(core.sets().get(set));
    }

    @Override
    public Map<TopicPartition, Long> lag() {
        return new HashMap<>(core.lagBoard().lag());
    }

    @Override
    public Map<TopicPartition, HeartbeatSeen> heartbeats() {
        return core.lagBoard().heartbeats();
    }

    @Override
    public SloStatus sloStatus(int set) {
        return slo.status(core.sets().get(set).featureSet().name());
    }

    @Override
    public long pauses() {
        IngestLoop[] loops = core.loops();
        long n = 0;
        if (loops != null) {
            for (IngestLoop l : loops) {
                n += l.pauses();
            }
        }
        return n;
    }

    @Override
    public void copyStages(Histogram[] into, Histogram[] applyBySet) {
        metrics.copyTotals(into, applyBySet);
    }

    @Override
    public int applierCount() {
        ShardApplier[] a = core.appliers();
        return a == null ? 0 : a.length;
    }

    @Override
    public void stampCommits(int applier, CommitStamps stamps) {
        ShardApplier[] a = core.appliers();
        if (a == null || applier < 0 || applier >= a.length) {
            throw new IllegalArgumentException("applier=" + applier + " is not one of the " + applierCount()
                + " appliers of a started pipeline: start it first and pass 0 to applierCount() - 1");
        }
        a[applier].stampCommits(stamps);
    }

    @Override
    public ServedAges recordServedAges(int set) {
        return core.sets().get(set).recordServedAges();
    }

    @Override
    public void stopServedAges(int set, ServedAges ages) {
        core.sets().get(set).stopServedAges(ages);
    }

    @Override
    public void onClose(Runnable listener) {
        closeListeners.add(listener);
        if (closed && closeListeners.remove(listener)) {
            listener.run();
        }
    }

    @Override
    public void removeOnClose(Runnable listener) {
        closeListeners.remove(listener);
    }

    /** Runs the close listeners once (the pipeline closed). */
    void closed() {
        closed = true;
        for (Runnable r : closeListeners) {
            if (closeListeners.remove(r)) {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    LOG.warn("pipeline instance={} close listener: {}", core.instanceId(), e.toString());
                }
            }
        }
    }
}
