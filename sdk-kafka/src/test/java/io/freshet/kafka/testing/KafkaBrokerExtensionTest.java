package io.freshet.kafka.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Proves the shared test broker is a real one: produce, transactions, group consumption, read_committed. */
@ExtendWith(KafkaBrokerExtension.class)
class KafkaBrokerExtensionTest {
    static final List<KafkaBroker> SEEN = new ArrayList<>();

    @Test
    void producedRecordsAreConsumedByAGroupMember(KafkaBroker broker) throws Exception {
        SEEN.add(broker);
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
    void abortedTransactionsAreInvisibleToReadCommitted(KafkaBroker broker) throws Exception {
        SEEN.add(broker);
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

    static KafkaProducer<String, String> producer(KafkaBroker broker, String txId) {
        Properties p = broker.clientProperties();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        if (txId != null) {
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, txId);
        }
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    static List<String> consume(KafkaBroker broker, String topic, String isolation, int n) {
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
