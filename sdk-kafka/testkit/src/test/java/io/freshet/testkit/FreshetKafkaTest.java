package io.freshet.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Proves the test kit's cluster is a real one: produce, transactions, group consumption, read_committed; and its
 * helpers: topic configs, the acknowledged send, unique names, the parameter.
 */
class FreshetKafkaTest {
    @RegisterExtension
    static final FreshetKafka KAFKA = FreshetKafka.create();
    static final List<String> SEEN = new ArrayList<>();

    @Test
    void producedRecordsAreConsumedByAGroupMember(FreshetKafka broker) throws Exception {
        assertThat(broker).isSameAs(KAFKA);
        SEEN.add(broker.bootstrapServers());
        String topic = broker.uniqueName("smoke");
        broker.createTopic(topic, 3);
        try (KafkaProducer<String, String> p = producer(broker, null)) {
            for (int i = 0; i < 30; i++) {
                p.send(new ProducerRecord<>(topic, "k" + i, "v" + i)).get();
            }
        }
        List<String> got = consume(broker, topic, "read_uncommitted", 30);
        assertThat(got).hasSize(30).contains("v0", "v29");
    }

    @Test
    void abortedTransactionsAreInvisibleToReadCommitted(FreshetKafka broker) throws Exception {
        SEEN.add(broker.bootstrapServers());
        String topic = broker.uniqueName("smoke-tx");
        broker.createTopic(topic, 1);
        try (KafkaProducer<String, String> p = producer(broker, broker.uniqueName("tx"))) {
            p.initTransactions();
            p.beginTransaction();
            p.send(new ProducerRecord<>(topic, "k", "aborted"));
            p.flush();
            p.abortTransaction();
            p.beginTransaction();
            p.send(new ProducerRecord<>(topic, "k", "committed"));
            p.commitTransaction();
        }
        assertThat(consume(broker, topic, "read_committed", 1)).containsExactly("committed");
        assertThat(consume(broker, topic, "read_uncommitted", 2)).containsExactly("aborted", "committed");
    }

    @Test
    void sendWaitsForTheAcknowledgementSoTheRecordIsReadableAtOnce() {
        String topic = KAFKA.uniqueName("send");
        KAFKA.createTopic(topic, 2);
        RecordMetadata m = KAFKA.send(topic, "user-42", "v1");
        assertThat(m.topic()).isEqualTo(topic);
        assertThat(m.offset()).isZero();
        KAFKA.send(topic, (byte[]) null, new byte[] {1, 2});
        // No flush and no wait in between: both are acknowledged, so the log end offsets already count them.
        long end = 0;
        for (int p = 0; p < 2; p++) {
            end += endOffset(topic, p);
        }
        assertThat(end).isEqualTo(2);
        assertThat(consume(KAFKA, topic, "read_uncommitted", 2)).contains("v1");
    }

    @Test
    void topicConfigsAreApplied() throws Exception {
        String topic = KAFKA.uniqueName("compacted");
        KAFKA.createTopic(topic, 1, Map.of("cleanup.policy", "compact"));
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Config c = KAFKA.admin().describeConfigs(List.of(r)).all().get(30, TimeUnit.SECONDS).get(r);
        assertThat(c.get("cleanup.policy").value()).isEqualTo("compact");
    }

    @Test
    void deletedTopicsAreGoneAndUniqueNamesDiffer() throws Exception {
        String a = KAFKA.uniqueName("t");
        String b = KAFKA.uniqueName("t");
        assertThat(a).isNotEqualTo(b).startsWith("t-");
        KAFKA.createTopic(a, 1);
        KAFKA.deleteTopic(a);
        assertThat(KAFKA.admin().listTopics().names().get(30, TimeUnit.SECONDS)).doesNotContain(a);
    }

    private static long endOffset(String topic, int partition) {
        try {
            org.apache.kafka.common.TopicPartition tp = new org.apache.kafka.common.TopicPartition(topic, partition);
            return KAFKA.admin().listOffsets(Map.of(tp, org.apache.kafka.clients.admin.OffsetSpec.latest())).all()
                .get(30, TimeUnit.SECONDS).get(tp).offset();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static KafkaProducer<String, String> producer(FreshetKafka broker, String txId) {
        if (txId == null) {
            return broker.producer(new StringSerializer(), new StringSerializer());
        }
        Properties p = broker.clientProperties();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, txId);
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    static List<String> consume(FreshetKafka broker, String topic, String isolation, int n) {
        Properties p = broker.clientProperties();
        p.put(ConsumerConfig.GROUP_ID_CONFIG, broker.uniqueName("g"));
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        List<String> out = new ArrayList<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(),
            new StringDeserializer())) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (out.size() < n && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) {
                    out.add(r.value());
                }
            }
            // One more poll: nothing beyond n may show up (e.g. an aborted record leaking through).
            for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(300))) {
                out.add(r.value());
            }
        }
        return out;
    }
}
