package io.freshet.kafka.internal;

import io.freshet.core.FeatureSet;
import io.freshet.core.StoreException;
import io.freshet.core.internal.CoreInternals;
import io.freshet.core.spi.RowStore;
import io.freshet.kafka.OffsetMismatchException;
import io.freshet.kafka.OffsetMismatchPolicy;
import io.freshet.kafka.PipelineException;
import io.freshet.kafka.ScaleMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@code FeaturePipeline.start()} does before the threads run: opens the stores (checking each against its
 * set's fingerprint), checks them against the cluster ({@link Preflight}: cluster id, topic ids, positions; a
 * mismatch fails or rebuilds the store from the log start, by {@link OffsetMismatchPolicy}), records the cluster in
 * them, deals the partitions to the consumer threads (replicated mode), wires the pipeline and gives each set its
 * reader.
 *
 * <p>Threading: the owner thread, once.
 */
public final class StartSequence {
    private static final Logger LOG = LoggerFactory.getLogger(StartSequence.class);

    private StartSequence() {
    }

    /**
     * @param core the pipeline, not wired yet
     * @param admin an admin client of the cluster
     * @param policy what to do on an offset mismatch
     * @param partitionsByTopic filled with each source topic's partition count
     */
    public static void run(PipelineCore core, Admin admin, OffsetMismatchPolicy policy,
        Map<String, Integer> partitionsByTopic) {
        for (SetRuntime s : core.sets()) {
            long openStart = System.nanoTime();
            RowStore store = s.ownsStore() ? s.storeEngineOpen() : s.store();
            PipelineEvents.storeOpened(s.featureSet().name(), String.valueOf(store.openState()), store.size(),
                store.capacity(), store.rolledBackApplies(), System.nanoTime() - openStart);
            checkStore(s.featureSet(), store);
            s.bindStore(store);
        }
        Preflight pf = new Preflight(admin, core.topics(), core.deadLetterTopics());
        for (SetRuntime s : core.sets()) {
            OffsetMismatchException m = pf.check(s);
            if (m != null) {
                if (policy == OffsetMismatchPolicy.FAIL) {
                    throw m;
                }
                LOG.warn("rebuilding store of set={} from the log start: {}", s.featureSet().name(), m.getMessage());
                rebuild(s);
                OffsetMismatchException again = pf.check(s);
                if (again != null) {
                    throw again;
                }
            }
            pf.record(s);
        }
        for (String t : core.topics()) {
            partitionsByTopic.put(t, pf.partitions(t));
        }
        core.wire(core.mode() == ScaleMode.REPLICATED ? replicatedAssignment(core, pf) : null);
        for (SetRuntime s : core.sets()) {
            s.setReader(CoreInternals.newReader(s.featureSet(), s.store(), core.clock()));
            CoreInternals.setCatchingUp(s.reader(), true);
        }
    }

    /** Deals every partition of every source topic to the consumer threads, round robin. */
    private static List<List<TopicPartition>> replicatedAssignment(PipelineCore core, Preflight pf) {
        List<List<TopicPartition>> assignment = new ArrayList<>();
        int n = core.consumerCount();
        for (int i = 0; i < n; i++) {
            assignment.add(new ArrayList<>());
        }
        int k = 0;
        for (String t : core.topics()) {
            for (int p = 0; p < pf.partitions(t); p++) {
                assignment.get(k++ % n).add(new TopicPartition(t, p));
            }
        }
        return assignment;
    }

    private static void checkStore(FeatureSet<?> set, RowStore store) {
        if (store.layout().fingerprint() != set.fingerprint()) {
            throw new PipelineException("set=" + set.name() + ": store was created for fingerprint="
                + Long.toHexString(store.layout().fingerprint()) + " but the set has fingerprint="
                + Long.toHexString(set.fingerprint()) + "; open the store with StoreConfig.builder(set)", null);
        }
    }

    private static void rebuild(SetRuntime s) {
        s.store().close();
        try {
            // The engine deletes exactly its own files (and refuses while another writer holds the store).
            s.destroyStore();
        } catch (StoreException e) {
            throw new PipelineException("set=" + s.featureSet().name() + ": cannot delete store directory="
                + s.storeConfig().directory() + " for a rebuild: " + e.getMessage(), e);
        }
        RowStore fresh = s.storeEngineOpen();
        checkStore(s.featureSet(), fresh);
        s.bindStore(fresh);
    }
}
