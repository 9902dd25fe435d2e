package io.freshet.benchmarks.harness;

import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Where the broker and the producer run, and how the harness reaches them. In production the broker runs on
 * another host and so, usually, does the producer: as children they have their own heaps and collectors, and
 * their pauses no longer stop the pipeline (they still share this machine's cores). Used by the harness's main
 * thread.
 */
final class FreshnessSetup {
    /** The broker's JVM, or null when the broker runs in this JVM. */
    ChildJvm brokerChild;
    /** Options of the producer's child JVM, or null to produce from this JVM. */
    List<String> producerJvmArgs;
    /** The readable probe of the next {@link #send} (a producer in this JVM only), or null. */
    ReadableProbe probe;

    /** @return how the broker and producer run, for the result file */
    Map<String, Object> describe(List<String> brokerJvmArgs) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("broker", brokerChild != null ? "child JVM " + String.join(" ", brokerJvmArgs) : "this JVM");
        m.put("producer", producerJvmArgs != null ? "child JVM " + String.join(" ", producerJvmArgs)
            : "this JVM");
        m.put("harnessJvm", ManagementFactory.getRuntimeMXBean().getInputArguments().toString());
        m.put("childCpus", System.getProperty(ChildJvm.CPUS_PROP_NAME, "any"));
        m.put("harnessCpus", Runtime.getRuntime().availableProcessors());
        return m;
    }

    /**
     * Sends the events of a run from this JVM or from a producer child. The measured interval's garbage
     * collections of this JVM (the system under test), of the broker child and of the producer's JVM are
     * recorded into {@code row}.
     *
     * @param recordFromNanos set to the intended time of the first measured event
     * @param onMeasureStart run on another thread when the measured interval begins, or null
     * @return what the sender measured
     */
    SendStats send(String bootstrap, String topic, int rate, int warmup, int seconds, int keys,
        AtomicLong recordFromNanos, Runnable onMeasureStart, Map<String, Object> row) throws Exception {
        long[][] atStart = new long[2][];
        Runnable measureStart = () -> {
            atStart[0] = Harness.gcTotals();
            atStart[1] = brokerGc();
            if (onMeasureStart != null) {
                onMeasureStart.run();
            }
        };
        SendStats stats;
        if (producerJvmArgs == null) {
            ScheduledProducer producer = new ScheduledProducer(bootstrap, topic, rate, keys);
            producer.onMeasureStart = measureStart;
            producer.probe = probe;
            stats = producer.run(warmup, seconds, recordFromNanos);
        } else {
            stats = sendFromChild(bootstrap, topic, rate, warmup, seconds, keys, recordFromNanos, measureStart);
        }
        long[] thisEnd = Harness.gcTotals();
        long[] brokerEnd = brokerGc();
        row.put("gcDuringMeasurement", gcMap(atStart[0], thisEnd));
        if (brokerChild != null) {
            row.put("gcBrokerJvm", gcMap(atStart[1], brokerEnd));
        }
        if (producerJvmArgs != null) {
            row.put("gcProducerJvm", gcMap(new long[] {0, 0}, stats.gc));
        }
        return stats;
    }

    private SendStats sendFromChild(String bootstrap, String topic, int rate, int warmup, int seconds, int keys,
        AtomicLong recordFromNanos, Runnable measureStart) throws Exception {
        try (ChildJvm child = ChildJvm.start("producer", producerJvmArgs, ProducerMain.class, List.of(bootstrap,
            topic, Integer.toString(rate), Integer.toString(warmup), Integer.toString(seconds),
            Integer.toString(keys)))) {
            // System.nanoTime() is CLOCK_MONOTONIC on Linux: one clock for every process on the machine, so
            // the child's intended send times are comparable with this JVM's nanoTime().
            long measureFrom = Long.parseLong(child.await("measureFrom", 120_000));
            recordFromNanos.set(measureFrom);
            Thread starter = new Thread(() -> {
                long now;
                while ((now = System.nanoTime()) < measureFrom) {
                    LockSupport.parkNanos(measureFrom - now);
                }
                measureStart.run();
            }, "measure-start");
            starter.setDaemon(true);
            starter.start();
            SendStats stats = SendStats.decode(child.await("stats",
                TimeUnit.SECONDS.toMillis(warmup + seconds + 120L)));
            starter.join(60_000);
            if (starter.isAlive()) {
                throw new IllegalStateException("the measured interval's start hook did not return in 60 s");
            }
            return stats;
        }
    }

    private long[] brokerGc() {
        if (brokerChild == null) {
            return null;
        }
        try {
            return BrokerMain.gc(brokerChild);
        } catch (Exception e) {
            throw new IllegalStateException("broker child did not report its GC: " + e, e);
        }
    }

    private static Map<String, Object> gcMap(long[] start, long[] end) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (start != null && end != null) {
            m.put("collections", end[0] - start[0]);
            m.put("millis", end[1] - start[1]);
        }
        return m;
    }
}
