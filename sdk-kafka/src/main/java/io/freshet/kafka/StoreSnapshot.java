package io.freshet.kafka;

import io.freshet.core.FeatureSet;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A consistent snapshot of a running pipeline's store for one feature set: every row plus exactly the Kafka offsets
 * those rows reflect, copied into a new store directory while the pipeline keeps applying (no shard's writer stops
 * for longer than one apply). A pipeline (in this process or on another host) registered with a store opened on that
 * directory resumes each partition from those offsets instead of replaying the topics: a warm start of a replica.
 *
 * <pre>{@code
 * long rows = StoreSnapshot.of(pipeline, USER_RISK).to(Path.of("/data/snapshots/user_risk-2026-12-05"));
 * // copy the directory to the new host, then register USER_RISK there with StoreConfig.directory(thatDirectory)
 * }</pre>
 *
 * <p>The copy is a normal store of the same definition and options (its capacity is the live store's current one),
 * sealed when complete; open it with the same {@code StoreConfig} except the directory. A snapshot that did not
 * complete is deleted, or, after a kill of the process taking it, refused by every open with
 * {@code StoreException.Reason.INCOMPLETE}. The table engine (the default) takes snapshots; other engines throw
 * {@link UnsupportedOperationException}. A store that is not open in any process is snapshotted with the store tool:
 * {@code freshet-store snapshot DIR TARGET --set CLASS}.
 *
 * <p>Threading: call {@link #to} from any thread but the pipeline's own; it blocks until the copy is sealed (about
 * as long as copying the store's bytes) and allocates only at its start. One snapshot of a set at a time. Immutable.
 */
public final class StoreSnapshot {
    private final FeaturePipeline pipeline;
    private final FeatureSet<?> set;

    private StoreSnapshot(FeaturePipeline pipeline, FeatureSet<?> set) {
        this.pipeline = pipeline;
        this.set = set;
    }

    /**
     * @param pipeline a started pipeline
     * @param set a feature set registered in it
     * @return the snapshot of that set's store, ready to be taken with {@link #to}
     */
    public static StoreSnapshot of(FeaturePipeline pipeline, FeatureSet<?> set) {
        Objects.requireNonNull(pipeline, "pipeline can't be null");
        Objects.requireNonNull(set, "set can't be null");
        pipeline.runtime(set);
        return new StoreSnapshot(pipeline, set);
    }

    /**
     * Takes the snapshot into a directory and waits until it is complete and sealed.
     *
     * @param directory an absent or empty directory (created if absent)
     * @return rows copied
     * @throws IllegalStateException when the pipeline is not running (its appliers do the copying)
     * @throws UnsupportedOperationException when the set's store engine cannot take snapshots
     * @throws io.freshet.core.StoreException when the directory is not empty, or the copy fails or stalls
     */
    public long to(Path directory) {
        Objects.requireNonNull(directory, "directory can't be null");
        return pipeline.snapshotStore(set, directory);
    }
}
