package io.freshet.kafka;

import io.freshet.testkit.FreshetKafka;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.LongSerializer;

/**
 * The tests' transactional producer: one transaction per call, committed or aborted, that knows for certain whether
 * its records became visible even when the broker refuses one of the transaction's requests.
 *
 * <p>Why it exists: on a loaded machine a client may retry an {@code EndTxn} whose first attempt the coordinator
 * already completed, and with transactions version 2 the broker answers the retry with {@code INVALID_TXN_STATE}
 * ("state is COMPLETE_COMMIT, but received transaction marker result to send: COMMIT"): the client calls that fatal,
 * although the commit happened. A send can fail the same way. A test that then counted the batch as aborted (or
 * died) would judge the pipeline against a wrong reference. So on any failure inside a transaction this producer
 * closes the broken client, opens a new one under the same transactional id ({@code initTransactions} completes or
 * aborts whatever the old one left open, so the outcome is settled), and reads the topic with {@code read_committed}
 * to learn whether the batch's records are there. Every earlier outcome is known, so the count answers exactly: this
 * producer must be its topic's only writer.
 */
final class TransactionalTestProducer implements AutoCloseable {

    private final FreshetKafka broker;
    private final String topic;
    private final Properties props;
    private KafkaProducer<Long, byte[]> producer;
    /** Records of this producer's committed transactions: what {@code read_committed} must count on the topic. */
    private long committedRecords;
    private int recoveries;
    /** Set by a test: the next commit succeeds and then throws, as a refused retry of its {@code EndTxn} does. */
    private boolean failAfterNextCommit;

    TransactionalTestProducer(FreshetKafka broker, String topic, String transactionalId) {
        this.broker = broker;
        this.topic = topic;
        this.props = PipelineFixtures.producerProps(broker);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        this.producer = open();
    }

    /** Equivalent to {@link #transaction(List, boolean, List, Runnable)} without acks or a hook. */
    boolean transaction(List<ProducerRecord<Long, byte[]>> records, boolean commit) {
        return transaction(records, commit, null, null);
    }

    /**
     * Sends {@code records} in one transaction, waits for every send, then commits ({@code commit}) or aborts it.
     *
     * @param acks when not null, receives each record's send future, in order (complete when this returns)
     * @param beforeEnd when not null, runs after the sends and before the commit or abort (tests inject faults here)
     * @return whether the records are committed: visible to {@code read_committed} consumers
     */
    boolean transaction(List<ProducerRecord<Long, byte[]>> records, boolean commit,
        List<Future<RecordMetadata>> acks, Runnable beforeEnd) {
        int ackStart = acks == null ? 0 : acks.size();
        try {
            producer.beginTransaction();
            for (ProducerRecord<Long, byte[]> r : records) {
                Future<RecordMetadata> f = producer.send(r);
                if (acks != null) {
                    acks.add(f);
                }
            }
            producer.flush();
            if (acks != null) {
                for (int i = ackStart; i < acks.size(); i++) {
                    acks.get(i).get();
                }
            }
            if (beforeEnd != null) {
                beforeEnd.run();
            }
            if (commit) {
                producer.commitTransaction();
                if (failAfterNextCommit) {
                    failAfterNextCommit = false;
                    throw new KafkaException("injected: the commit happened but the client was told otherwise");
                }
                committedRecords += records.size();
                return true;
            }
            producer.abortTransaction();
            return false;
        } catch (KafkaException | ExecutionException e) {
            return recover(records.size(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted in a transaction on topic=" + topic, e);
        }
    }

    /** Makes the next commit throw after it happened (tests of this class). */
    void failAfterNextCommit() {
        failAfterNextCommit = true;
    }

    /** How many transactions failed inside and were settled by reading the topic. */
    int recoveries() {
        return recoveries;
    }

    private boolean recover(int batchSize, Exception cause) {
        recoveries++;
        producer.close(Duration.ZERO);
        producer = open(); // fences the broken client and settles its open transaction
        long visible = countCommitted();
        if (visible == committedRecords + batchSize) {
            committedRecords = visible;
            return true;
        }
        if (visible == committedRecords) {
            return false;
        }
        throw new AssertionError("after a failed transaction (" + cause + ") read_committed counts " + visible
            + " records on topic=" + topic + ", expected " + committedRecords + " or " + (committedRecords + batchSize),
            cause);
    }

    private KafkaProducer<Long, byte[]> open() {
        KafkaProducer<Long, byte[]> p = new KafkaProducer<>(props, new LongSerializer(), new ByteArraySerializer());
        p.initTransactions();
        return p;
    }

    /** Counts the topic's committed records once no transaction is open on it (last stable offset = high watermark). */
    private long countCommitted() {
        try {
            int partitions = broker.admin().describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS)
                .get(topic).partitions().size();
            Map<TopicPartition, OffsetSpec> latest = IntStream.range(0, partitions).boxed()
                .collect(Collectors.toMap(p -> new TopicPartition(topic, p), p -> OffsetSpec.latest()));
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            Map<TopicPartition, Long> end = new HashMap<>();
            while (true) {
                Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> stable = broker.admin()
                    .listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all()
                    .get(30, TimeUnit.SECONDS);
                Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> high = broker.admin().listOffsets(latest)
                    .all().get(30, TimeUnit.SECONDS);
                if (latest.keySet().stream().allMatch(tp -> stable.get(tp).offset() == high.get(tp).offset())) {
                    high.forEach((tp, info) -> end.put(tp, info.offset()));
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("a transaction stayed open on topic=" + topic + " for 120 s");
                }
                Thread.sleep(5);
            }
            Properties cp = broker.clientProperties();
            cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            long count = 0;
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(cp, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
                c.assign(end.keySet());
                c.seekToBeginning(end.keySet());
                while (end.entrySet().stream().anyMatch(e -> c.position(e.getKey()) < e.getValue())) {
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("reading topic=" + topic + " to its end took over 120 s");
                    }
                    ConsumerRecords<byte[], byte[]> got = c.poll(Duration.ofMillis(200));
                    count += got.count();
                }
            }
            return count;
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("counting the committed records of topic=" + topic + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted counting topic=" + topic, e);
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
