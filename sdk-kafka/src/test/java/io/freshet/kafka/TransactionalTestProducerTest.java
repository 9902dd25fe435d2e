package io.freshet.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.testkit.FreshetKafka;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.LongSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The tests' transactional producer tells a batch's real outcome after a failure inside its transaction. */
class TransactionalTestProducerTest {

    @RegisterExtension
    static final FreshetKafka KAFKA = FreshetKafka.create();

    @Test
    void aFencedCommitIsReportedAbortedAndTheNextTransactionCommits(FreshetKafka broker) {
        String topic = broker.uniqueName("ttp-fenced");
        broker.createTopic(topic, 2);
        String txId = broker.uniqueName("ttp-tx");
        try (TransactionalTestProducer p = new TransactionalTestProducer(broker, topic, txId)) {
            assertThat(p.transaction(records(topic, 0, 7), true)).isTrue();
            // Another client takes the transactional id mid-transaction: the open transaction is aborted, the commit
            // fails with ProducerFencedException.
            Runnable fence = () -> {
                Properties pp = PipelineFixtures.producerProps(broker);
                pp.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, txId);
                try (KafkaProducer<Long, byte[]> other = new KafkaProducer<>(pp, new LongSerializer(),
                    new ByteArraySerializer())) {
                    other.initTransactions();
                }
            };
            assertThat(p.transaction(records(topic, 7, 5), true, new ArrayList<>(), fence)).isFalse();
            assertThat(p.recoveries()).isEqualTo(1);
            assertThat(p.transaction(records(topic, 12, 3), true)).isTrue();
            assertThat(p.transaction(records(topic, 15, 4), false)).isFalse();
            assertThat(p.recoveries()).isEqualTo(1);
        }
    }

    @Test
    void aCommitThatHappenedButThrewIsReportedCommitted(FreshetKafka broker) {
        String topic = broker.uniqueName("ttp-committed");
        broker.createTopic(topic, 3);
        try (TransactionalTestProducer p = new TransactionalTestProducer(broker, topic, broker.uniqueName("ttp-tx"))) {
            assertThat(p.transaction(records(topic, 0, 4), false)).isFalse();
            assertThat(p.transaction(records(topic, 4, 6), true)).isTrue();
            p.failAfterNextCommit();
            assertThat(p.transaction(records(topic, 10, 9), true)).isTrue();
            assertThat(p.recoveries()).isEqualTo(1);
            // The count it keeps stays exact: a later failure is judged against 15 committed records, not 6.
            p.failAfterNextCommit();
            assertThat(p.transaction(records(topic, 19, 2), true)).isTrue();
            assertThat(p.recoveries()).isEqualTo(2);
        }
    }

    private static List<ProducerRecord<Long, byte[]>> records(String topic, int from, int n) {
        List<ProducerRecord<Long, byte[]>> out = new ArrayList<>();
        for (int i = from; i < from + n; i++) {
            out.add(new ProducerRecord<>(topic, (long) i, new byte[] {(byte) i}));
        }
        return out;
    }
}
