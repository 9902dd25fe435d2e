package io.freshet.kafka;

import io.freshet.kafka.internal.Heartbeats;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Produces a small heartbeat record to every partition of source topics every interval, with the producer's wall
 * clock, so that a pipeline knows how fresh each partition is end to end even while it carries no events: an idle
 * partition still shows produce → servable age, and a stalled consumer or producer shows an age that grows. Off
 * unless started (run it beside the producers of the topics, or anywhere with the same clock discipline).
 *
 * <pre>{@code
 * try (FreshnessProbe probe = FreshnessProbe.start(producerProps, Duration.ofSeconds(1), "payments")) { ... }
 * }</pre>
 *
 * <p>A heartbeat has no key and no value and one header ({@code freshet.heartbeat}, 8 bytes, big-endian epoch ms);
 * a pipeline recognises it, never applies it to a feature and never counts it as a bad record, and records per
 * partition the produce time of the newest one it routed ({@code freshet.heartbeat.age} when metrics are bound; the
 * input of {@link FeaturePipelineBuilder#freshnessSlo}). Not for compacted topics (a record without a key is refused
 * there). Other consumers of the topics see the heartbeats: they should skip records with that header.
 *
 * <p>Threading: {@link #start} and {@link #close} from any thread; one daemon thread produces. Allocation: a few
 * small objects per heartbeat.
 */
public final class FreshnessProbe implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FreshnessProbe.class);

    private final KafkaProducer<byte[], byte[]> producer;
    private final List<String> topics;
    private final ScheduledExecutorService timer;
    private volatile long heartbeats;

    private FreshnessProbe(KafkaProducer<byte[], byte[]> producer, List<String> topics, long intervalMs) {
        this.producer = producer;
        this.topics = topics;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "freshet-freshness-probe");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(this::beat, 0, intervalMs, TimeUnit.MILLISECONDS);
    }

    /**
     * @param producerProperties Kafka client properties ({@code bootstrap.servers}, security); copied. Serializers
     *     are set to byte arrays.
     * @param interval time between heartbeats of a partition, 10 ms..1 h
     * @param topics source topics (existing; partitions added later are picked up)
     * @return the running probe
     */
    public static FreshnessProbe start(Properties producerProperties, Duration interval, String... topics) {
        Objects.requireNonNull(producerProperties, "producerProperties can't be null");
        Objects.requireNonNull(interval, "interval can't be null");
        if (interval.toMillis() < 10 || interval.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("interval=" + interval + " is out of range: use 10 ms..1 h");
        }
        if (topics.length == 0) {
            throw new IllegalArgumentException("no topic: name the source topics to send heartbeats to");
        }
        Properties p = new Properties();
        p.putAll(producerProperties);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "freshet-freshness-probe");
        p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "0");
        return new FreshnessProbe(new KafkaProducer<>(p), List.of(topics), interval.toMillis());
    }

    /** @return heartbeats sent so far (acknowledged or not) */
    public long heartbeats() {
        return heartbeats;
    }

    private void beat() {
        try {
            for (String topic : topics) {
                for (PartitionInfo pi : producer.partitionsFor(topic)) {
                    long now = System.currentTimeMillis();
                    RecordHeaders h = new RecordHeaders();
                    h.add(Heartbeats.HEADER, Heartbeats.encode(now));
                    producer.send(new ProducerRecord<>(topic, pi.partition(), now, null, null, h));
                    heartbeats++;
                }
            }
            producer.flush();
        } catch (RuntimeException e) {
            // The next interval tries again; a pipeline sees the gap as a growing heartbeat age.
            LOG.warn("freshness probe topics={}: {}", topics, e.toString());
        }
    }

    /** Stops the heartbeats and closes the producer. Idempotent. */
    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
    }
}
