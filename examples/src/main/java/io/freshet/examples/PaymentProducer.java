package io.freshet.examples;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.LongSerializer;

/**
 * Produces synthetic payments to a topic at a fixed rate with a real {@link KafkaProducer}: keyed by user id
 * ({@code LongSerializer}, so Kafka's default partitioner keeps each user on one partition), valued in the
 * {@link PaymentCodec} format, record timestamps left to the producer (its wall clock at {@code send}), so the
 * pipeline's broker → poll stage measures produce → poll.
 *
 * <p>Pacing: every 1 ms the thread sends as many payments as the rate says are due since start. When the producer
 * cannot keep up for more than one second, it drops the backlog (counted in {@link #shortfall()}) rather than
 * bursting, so the rate shown is the rate achieved.
 *
 * <p>Threading: one thread of its own; the counters are readable from any thread. Allocation: a value array and a
 * record per payment (the producer keeps both until the broker acknowledges them).
 */
public final class PaymentProducer implements AutoCloseable {
    private final KafkaProducer<Long, byte[]> producer;
    private final String topic;
    private final double ratePerSecond;
    private final PaymentGenerator generator;
    private final Thread thread;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong sentOutOfBand = new AtomicLong();
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicReference<Exception> firstFailure = new AtomicReference<>();
    private volatile long shortfall;
    private volatile boolean running = true;
    private final Callback callback = (metadata, e) -> {
        if (e == null) {
            acked.incrementAndGet();
        } else {
            failed.incrementAndGet();
            firstFailure.compareAndSet(null, e);
        }
    };

    private final Callback outOfBandCallback = (metadata, e) -> {
        if (e != null) {
            firstFailure.compareAndSet(null, e);
        }
    };

    /**
     * @param kafka client properties (bootstrap servers, security); copied
     * @param topic the payments topic
     * @param ratePerSecond payments per second, positive
     * @param generator the source of payments (used by this producer's thread only)
     */
    public PaymentProducer(Properties kafka, String topic, double ratePerSecond, PaymentGenerator generator) {
        if (!(ratePerSecond > 0)) {
            throw new IllegalArgumentException("rate=" + ratePerSecond + " must be positive");
        }
        Properties p = new Properties();
        p.putAll(kafka);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        // A short linger batches at thousands of events/s without adding more than a few ms of freshness.
        p.put(ProducerConfig.LINGER_MS_CONFIG, "2");
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "freshet-demo-producer");
        this.producer = new KafkaProducer<>(p, new LongSerializer(), new ByteArraySerializer());
        this.topic = topic;
        this.ratePerSecond = ratePerSecond;
        this.generator = generator;
        this.thread = new Thread(this::run, "freshet-demo-producer");
        this.thread.setDaemon(true);
    }

    /** Starts producing. */
    public void start() {
        thread.start();
    }

    private void run() {
        Payment p = new Payment();
        long startNs = System.nanoTime();
        long due = 0;
        long skipped = 0;
        try {
            while (running) {
                long elapsedNs = System.nanoTime() - startNs;
                due = (long) (elapsedNs / 1e9 * ratePerSecond) - skipped;
                long backlog = due - sent.get();
                if (backlog > ratePerSecond) {
                    skipped += backlog;
                    shortfall = skipped;
                    continue;
                }
                for (long i = 0; i < backlog && running; i++) {
                    generator.next(System.currentTimeMillis(), p);
                    producer.send(new ProducerRecord<>(topic, p.userId(), PaymentCodec.encode(p)), callback);
                    sent.incrementAndGet();
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
        } catch (RuntimeException e) {
            firstFailure.compareAndSet(null, e);
            running = false;
        }
    }

    /**
     * Sends one payment now, outside the paced stream (counted in {@link #sentOutOfBand()}, not in {@link #sent()},
     * {@link #acked()} or {@link #failed()}; a failure is kept as {@link #firstFailure()}). Thread-safe.
     *
     * @param p the payment, encoded before this returns
     */
    public void send(Payment p) {
        producer.send(new ProducerRecord<>(topic, p.userId(), PaymentCodec.encode(p)), outOfBandCallback);
        sentOutOfBand.incrementAndGet();
    }

    /** @return payments sent by {@link #send(Payment)} */
    public long sentOutOfBand() {
        return sentOutOfBand.get();
    }

    /** @return payments handed to the Kafka producer */
    public long sent() {
        return sent.get();
    }

    /** @return payments the broker acknowledged */
    public long acked() {
        return acked.get();
    }

    /** @return payments the producer failed to deliver */
    public long failed() {
        return failed.get();
    }

    /** @return payments not sent because the producer fell more than a second behind the rate */
    public long shortfall() {
        return shortfall;
    }

    /** @return the first send failure, or null */
    public Exception firstFailure() {
        return firstFailure.get();
    }

    /**
     * Stops sending and waits for the payments in flight to be acknowledged (flush), keeping the producer open.
     *
     * @throws InterruptedException when interrupted while waiting for the thread
     */
    public void stop() throws InterruptedException {
        running = false;
        thread.join(TimeUnit.SECONDS.toMillis(10));
        producer.flush();
    }

    /** Stops (if still running) and closes the Kafka producer. */
    @Override
    public void close() {
        running = false;
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
    }
}
