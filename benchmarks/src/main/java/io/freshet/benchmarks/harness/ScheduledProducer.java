package io.freshet.benchmarks.harness;

import io.freshet.benchmarks.peers.KeySequence;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Sends {@link FreshnessHarness}'s payment events on a fixed schedule from the calling thread, timing each from its
 * intended send time (see the harness's class comment). One run per instance.
 */
final class ScheduledProducer {
    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;
    private final int rate;
    private final KeySequence users;
    /** Run on another thread when the measured interval begins (e.g. to start a metrics interval), or null. */
    Runnable onMeasureStart;
    /** Called with the intended time of the first measured event before the first send, or null. */
    LongConsumer onSchedule;
    /** Every {@code probeEvery}-th event goes to its probe key and arms it (measured ones), or null: no probes. */
    ReadableProbe probe;

    ScheduledProducer(String bootstrap, String topic, int rate, int keys) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        this.topic = topic;
        this.rate = rate;
        this.users = KeySequence.of(KeySequence.ZIPF, keys, Harness.SEED);
    }

    /**
     * @param recordFromNanos set to the intended time of the first measured event
     * @return what was sent and measured
     */
    SendStats run(int warmupSeconds, int seconds, AtomicLong recordFromNanos) {
        SendStats stats = new SendStats();
        final Histogram sendCallMicros = stats.sendCallMicros;
        final Histogram ackMicros = stats.ackMicros;
        long periodNanos = 1_000_000_000L / rate;
        long total = (long) rate * (warmupSeconds + seconds);
        long warmupEvents = (long) rate * warmupSeconds;
        SplittableRandom random = new SplittableRandom(Harness.SEED);
        AtomicReference<Exception> failure = new AtomicReference<>();
        long[] gcAtStart = null;
        long start = System.nanoTime() + 50_000_000L;
        long wallStart = System.currentTimeMillis() + 50;
        recordFromNanos.set(start + warmupEvents * periodNanos);
        final long measureFrom = start + warmupEvents * periodNanos;
        if (onSchedule != null) {
            onSchedule.accept(measureFrom);
        }
        for (long i = 0; i < total; i++) {
            long intended = start + i * periodNanos;
            long now;
            while ((now = System.nanoTime()) < intended) {
                // At least SEND_QUANTUM_NANOS per wake-up: the events that fell due meanwhile go out together.
                LockSupport.parkNanos(Math.max(intended - now, FreshnessHarness.SEND_QUANTUM_NANOS));
            }
            if (i == warmupEvents) {
                gcAtStart = Harness.gcTotals();
                if (onMeasureStart != null) {
                    new Thread(onMeasureStart, "measure-start").start();
                }
            }
            stats.maxBehindNanos = Math.max(stats.maxBehindNanos, now - intended);
            final boolean measured = intended >= measureFrom;
            if (measured) {
                sendCallMicros.recordValue(Math.min((now - intended) / 1_000, sendCallMicros
                    .getHighestTrackableValue()));
            }
            byte[] key = new byte[PaymentCodec.KEY_BYTES];
            byte[] value = new byte[PaymentCodec.VALUE_BYTES];
            long timeMs = wallStart + (intended - start) / 1_000_000;
            long user = users.key((int) i);
            double amount = Math.exp(3 + random.nextGaussian());
            if (probe != null && i % probe.probeEvery == 0) {
                // A probe event: its own key, its sequence number as the amount (see ReadableProbe).
                int seq = (int) (i / probe.probeEvery);
                user = probe.probeKey;
                amount = seq;
                if (measured) {
                    probe.arm(seq, intended);
                }
            }
            PaymentCodec.encode(key, value, user, timeMs, amount, 1 + random.nextInt(5_000), intended);
            producer.send(new ProducerRecord<>(topic, null, timeMs, key, value), (md, e) -> {
                if (e != null) {
                    failure.compareAndSet(null, e);
                } else if (measured) {
                    ackMicros.recordValue(Math.min((System.nanoTime() - intended) / 1_000,
                        ackMicros.getHighestTrackableValue()));
                }
            });
        }
        producer.flush();
        long[] gcAtEnd = Harness.gcTotals();
        producer.close();
        if (failure.get() != null) {
            throw new IllegalStateException("producing to topic=" + topic + " failed: " + failure.get(),
                failure.get());
        }
        if (gcAtStart != null) {
            stats.gc = new long[] {gcAtEnd[0] - gcAtStart[0], gcAtEnd[1] - gcAtStart[1]};
        }
        stats.sent = total;
        return stats;
    }
}
