package io.freshet.benchmarks.harness;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The freshness ceiling of a consumer that does nothing: a bare {@link KafkaConsumer} on its own thread, reading the
 * same topic at the same time as the pipeline under test (assigned every partition, from the end, with the
 * pipeline's fetch settings), that records for every measured event (intended send at or after the measured start)
 * the time from its broker append ({@code LogAppendTime}, ms) to the return of the poll that brought it: in ms, as
 * the pipeline's own broker → poll stage does it, and in µs from the wall clock's µs; and, end to end, the intended
 * send time → poll return in µs (as the harness times the pipeline).
 *
 * <p>Threading: {@link #start} and {@link #stop} from the harness thread; the probe's thread records. Allocates
 * freely (a harness).
 */
final class BareConsumerProbe implements AutoCloseable {
    private final Histogram appendToPollMs = new Histogram(TimeUnit.MINUTES.toMillis(5), 3);
    private final Histogram appendToPollMicros = new Histogram(TimeUnit.MINUTES.toMicros(5), 3);
    private final Histogram intendedToPollMicros = new Histogram(TimeUnit.MINUTES.toMicros(5), 3);
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final AtomicLong recordFromNanos;
    private final CountDownLatch ready = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile Throwable failure;
    private Thread thread;

    /**
     * @param bootstrap bootstrap servers
     * @param topic the topic (with {@code message.timestamp.type=LogAppendTime})
     * @param recordFromNanos the measured interval's start (intended send time, nanoTime), set by the sender
     */
    BareConsumerProbe(String bootstrap, String topic, AtomicLong recordFromNanos) {
        Properties p = new Properties();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "10000");
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(64 * 1024 * 1024));
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(16 * 1024 * 1024));
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.recordFromNanos = recordFromNanos;
        List<TopicPartition> tps = new ArrayList<>();
        for (PartitionInfo info : consumer.partitionsFor(topic)) {
            tps.add(new TopicPartition(topic, info.partition()));
        }
        consumer.assign(tps);
        consumer.seekToEnd(tps);
        for (TopicPartition tp : tps) {
            consumer.position(tp); // resolves the end now: nothing sent after start() is skipped
        }
    }

    /** Starts the probe's thread and waits until it polls. */
    void start() throws InterruptedException {
        thread = new Thread(this::run, "bare-consumer-probe");
        thread.setDaemon(true);
        thread.start();
        if (!ready.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("bare consumer probe did not start polling in 30 s");
        }
    }

    private void run() {
        try {
            ready.countDown();
            while (running) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                if (records.isEmpty()) {
                    continue;
                }
                long pollNanos = System.nanoTime();
                long pollMs = System.currentTimeMillis();
                Instant now = Instant.now();
                long pollMicros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
                long from = recordFromNanos.get();
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    long sendNanos = PaymentCodec.sendNanos(r.value());
                    if (sendNanos < from) {
                        continue;
                    }
                    long ts = r.timestamp();
                    appendToPollMs.recordValue(clamp(pollMs - ts, appendToPollMs));
                    appendToPollMicros.recordValue(clamp(pollMicros - ts * 1_000, appendToPollMicros));
                    intendedToPollMicros.recordValue(clamp((pollNanos - sendNanos) / 1_000, intendedToPollMicros));
                }
            }
        } catch (RuntimeException | Error e) {
            failure = e;
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private static long clamp(long v, Histogram h) {
        return Math.min(Math.max(v, 0), h.getHighestTrackableValue());
    }

    /**
     * Stops the probe after its last poll (give it the pipeline's drain time first) and returns its figures.
     *
     * @param row where the figures go: {@code bareAppendToPollMs}, {@code bareAppendToPollMicros},
     *     {@code bareIntendedToPollMicros}
     */
    void stopInto(Map<String, Object> row) throws InterruptedException {
        close();
        Harness.putProbeFigures(row, "bareStatus", failure,
            new String[] {"bareAppendToPollMs", "bareAppendToPollMicros", "bareIntendedToPollMicros"},
            appendToPollMs, appendToPollMicros, intendedToPollMicros);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        if (thread != null) {
            thread.join(10_000);
        } else {
            consumer.close(Duration.ZERO);
        }
    }
}
