package io.freshet.benchmarks.harness;

import io.freshet.benchmarks.peers.KeySequence;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;

/**
 * What the harness mains share: quiet logging, a pre-filled payments topic, result files, Streams start-up and
 * clean-up. Single-threaded helpers; allocate freely (set-up and reporting only).
 */
final class Harness {
    /** Seed of the pre-filled streams. */
    static final long SEED = 20261125L;
    /** Highest latency the probes' µs histograms track: 5 min. */
    static final long MAX_LATENCY_MICROS = TimeUnit.MINUTES.toMicros(5);

    private Harness() {
    }

    /** Keeps the broker's and clients' INFO logging out of the measurements' console output. */
    static void quietLogging() {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
    }

    /**
     * Produces {@code records} payments of {@code keys} users (Zipf) whose event times span {@code spanMs}, a
     * little out of order (up to 200 ms), and waits until the broker has acknowledged all of them.
     *
     * @return records per second produced
     */
    static double fill(String bootstrap, String topic, long records, int keys, long spanMs) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 256L * 1024 * 1024);
        KeySequence users = KeySequence.of(KeySequence.ZIPF, keys, SEED);
        SplittableRandom random = new SplittableRandom(SEED);
        AtomicReference<Exception> failure = new AtomicReference<>();
        long t0 = System.nanoTime();
        // Event times end now, so that a pipeline reading at the wall clock sees live windows.
        long startMs = System.currentTimeMillis() - spanMs;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
            new ByteArraySerializer())) {
            for (long i = 0; i < records; i++) {
                byte[] key = new byte[PaymentCodec.KEY_BYTES];
                byte[] value = new byte[PaymentCodec.VALUE_BYTES];
                long user = users.key((int) i);
                long timeMs = startMs + i * spanMs / records - random.nextInt(200);
                PaymentCodec.encode(key, value, user, timeMs, Math.exp(3 + random.nextGaussian()),
                    1 + random.nextInt(5_000), 0);
                producer.send(new ProducerRecord<>(topic, null, timeMs, key, value), (md, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    }
                });
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("pre-fill of topic=" + topic + " failed: " + failure.get(),
                failure.get());
        }
        return records / ((System.nanoTime() - t0) / 1e9);
    }

    /**
     * CPU time is what a contended machine cannot fake: a run that waits on the CPU takes longer but not more of it,
     * so CPU per record compares code paths where records per second only compare luck.
     *
     * @param namePrefix a thread name prefix
     * @return the CPU time of the live threads whose names start with it, ns
     */
    static long cpuNanosOfThreads(String namePrefix) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(namePrefix)) {
                long c = mx.getThreadCpuTime(t.getId());
                sum += Math.max(0, c);
            }
        }
        return sum;
    }

    /** @return this thread's CPU time, ns */
    static long cpuNanosOfThisThread() {
        return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    /** Waits until the app is RUNNING or fails. */
    static void awaitRunning(KafkaStreams streams, long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (streams.state() != KafkaStreams.State.RUNNING) {
            if (streams.state() == KafkaStreams.State.ERROR || streams.state() == KafkaStreams.State.NOT_RUNNING
                || System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("Kafka Streams state=" + streams.state()
                    + " after waiting for RUNNING");
            }
            Thread.sleep(5);
        }
    }

    /** @return a new row of a result file */
    static Map<String, Object> row(String system, String status) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("system", system);
        m.put("status", status);
        return m;
    }

    /** Writes a result file (creating its directory). */
    static void write(Path out, Map<String, Object> result) throws IOException {
        if (out.getParent() != null) {
            Files.createDirectories(out.getParent());
        }
        Files.writeString(out, Json.write(result), StandardCharsets.UTF_8);
        System.out.println("wrote " + out);
    }

    /** @return a new empty temporary directory */
    static Path tempDir(String prefix) throws IOException {
        return Files.createTempDirectory(prefix);
    }

    /** Deletes a directory tree, best effort. */
    static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("could not delete " + dir + ": " + e);
        }
    }

    /** @return a result map with the common header fields */
    static Map<String, Object> result(String suite) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("suite", suite);
        m.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        m.put("cpus", Runtime.getRuntime().availableProcessors());
        m.put("maxHeapMiB", Runtime.getRuntime().maxMemory() >> 20);
        return m;
    }

    /** @return p50/p99/p99.9/max of a histogram, for a result row */
    static Map<String, Object> percentiles(Histogram h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("n", h.getTotalCount());
        m.put("p50", h.getValueAtPercentile(50));
        m.put("p99", h.getValueAtPercentile(99));
        m.put("p999", h.getValueAtPercentile(99.9));
        m.put("max", h.getMaxValue());
        return m;
    }

    /**
     * Ends a freshness probe's {@code stopInto}: its status, {@code "failed: "} and the failure, when its thread
     * failed, then the percentiles ({@link #percentiles}) of each histogram under the key at the same position.
     *
     * @param row the probe's result row
     * @param statusKey where the status goes
     * @param failure what stopped the probe's thread, or null
     * @param keys one per histogram
     * @param histograms the probe's figures
     */
    static void putProbeFigures(Map<String, Object> row, String statusKey, Throwable failure, String[] keys,
        Histogram... histograms) {
        if (keys.length != histograms.length) {
            throw new IllegalArgumentException("keys=" + keys.length + " histograms=" + histograms.length
                + ": give one key per histogram");
        }
        if (failure != null) {
            row.put(statusKey, "failed: " + failure);
        }
        for (int i = 0; i < keys.length; i++) {
            row.put(keys[i], percentiles(histograms[i]));
        }
    }

    /**
     * Ends a probe's thread whose running flag the caller has just cleared: wakes it from its park and waits up to
     * 10 s for it.
     *
     * @param thread the probe's thread, or null when it never started
     * @throws InterruptedException when interrupted while waiting
     */
    static void wakeAndJoin(Thread thread) throws InterruptedException {
        if (thread != null) {
            LockSupport.unpark(thread);
            thread.join(10_000);
        }
    }

    /**
     * @param micros a latency, µs
     * @return it within [0, 5 min], the range of the probes' histograms (a clock step must not make
     *     {@code recordValue} throw)
     */
    static long clampMicros(long micros) {
        return Math.min(Math.max(micros, 0), MAX_LATENCY_MICROS);
    }

    /** Garbage-collection counts and times of this JVM (every collector), for differences over an interval. */
    static long[] gcTotals() {
        long count = 0;
        long millis = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            count += Math.max(0, gc.getCollectionCount());
            millis += Math.max(0, gc.getCollectionTime());
        }
        return new long[] {count, millis};
    }
}
