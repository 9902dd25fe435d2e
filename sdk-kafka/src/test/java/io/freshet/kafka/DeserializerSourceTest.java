package io.freshet.kafka;

import static io.freshet.kafka.PipelineFixtures.MEMORY;
import static io.freshet.kafka.PipelineFixtures.NOW;
import static io.freshet.kafka.PipelineFixtures.USER_RISK;
import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.ManualClock;
import io.freshet.testkit.FreshetKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The {@code Deserializer} source path end to end ({@link Source#deserializing}): a user's Kafka deserializer of
 * CSV values that also reads a record header, on a real broker. Features equal the reference model over the good
 * records; what the deserializer throws on (unparseable text, a header naming another format) is dead-lettered as
 * DECODE_ERROR and nothing else is.
 */
class DeserializerSourceTest {
    @RegisterExtension
    static final FreshetKafka KAFKA = FreshetKafka.create();

    static final String FORMAT_HEADER = "format";
    static final String FORMAT = "csv-v1";

    /** {@code userId,merchant,tsMs,amount,declined}; needs the {@code format: csv-v1} header. Thread-safe. */
    static final class CsvPaymentDeserializer implements Deserializer<Payment> {
        final AtomicLong calls = new AtomicLong();

        @Override
        public Payment deserialize(String topic, byte[] data) {
            throw new IllegalStateException("the pipeline should pass the record's headers");
        }

        @Override
        public Payment deserialize(String topic, Headers headers, byte[] data) {
            calls.incrementAndGet();
            Header h = headers.lastHeader(FORMAT_HEADER);
            if (h == null || !FORMAT.equals(new String(h.value(), StandardCharsets.UTF_8))) {
                throw new IllegalArgumentException("header " + FORMAT_HEADER + " is not " + FORMAT);
            }
            String[] f = new String(data, StandardCharsets.UTF_8).split(",", -1);
            if (f.length != 5) {
                throw new IllegalArgumentException("fields=" + f.length + ", expected 5");
            }
            return new Payment(Long.parseLong(f[0]), f[1], Long.parseLong(f[2]), Double.parseDouble(f[3]),
                Boolean.parseBoolean(f[4]));
        }
    }

    static byte[] csv(Payment p) {
        return (p.userId + "," + p.merchant + "," + p.tsMs + "," + p.amount + "," + p.declined)
            .getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void deserializerSourceMatchesTheReferenceAndDeadLettersWhatItCannotDecode(FreshetKafka broker)
        throws Exception {
        String topic = broker.uniqueName("csv-payments");
        String dlq = broker.uniqueName("csv-payments-dlq");
        broker.createTopic(topic, 3);
        broker.createTopic(dlq, 1);
        List<Payment> good = PipelineFixtures.stream(71, 5_000, 150);
        int injected = 0;
        List<Future<?>> acks = new ArrayList<>();
        try (KafkaProducer<Long, byte[]> p = PipelineFixtures.producer(broker)) {
            for (int i = 0; i < good.size(); i++) {
                Payment e = good.get(i);
                acks.add(p.send(record(topic, e.userId, csv(e), FORMAT)));
                if (i % 97 == 96) {
                    // Alternately text the deserializer cannot parse and a good value under another format header.
                    byte[] bad = injected % 2 == 0 ? "not a payment".getBytes(StandardCharsets.UTF_8) : csv(e);
                    acks.add(p.send(record(topic, e.userId, bad, injected % 2 == 0 ? FORMAT : "csv-v2")));
                    injected++;
                }
            }
            p.flush();
            for (Future<?> f : acks) {
                f.get();
            }
        }
        CsvPaymentDeserializer deserializer = new CsvPaymentDeserializer();
        try (FeaturePipeline p = FeaturePipeline.builder()
            .kafka(PipelineFixtures.pipelineProps(broker))
            .clock(new ManualClock(NOW))
            .consumerThreads(2)
            .register(USER_RISK, MEMORY, PipelineFixtures.storeConfig(USER_RISK, 2),
                Source.deserializing(topic, deserializer).deadLetterTo(dlq))
            .start()) {
            assertThat(p.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            PipelineMetrics.SetCounts c = p.metrics().set(USER_RISK.name());
            assertThat(c.applied()).isEqualTo(good.size());
            assertThat(c.deadLettered()).isEqualTo(injected);
            assertThat(c.badByReason()).isEqualTo(Map.of(BadRecordReason.DECODE_ERROR, (long) injected));
            PipelineFixtures.assertMatchesReference(p.reader(USER_RISK), PipelineFixtures.reference(USER_RISK, good));
        }
        assertThat(deserializer.calls.get()).isGreaterThanOrEqualTo(good.size() + injected);
        assertThat(BadRecordBatteryTest.readDeadLetters(broker, dlq, injected))
            .isEqualTo(Map.of(BadRecordReason.DECODE_ERROR, (long) injected));
    }

    private static ProducerRecord<Long, byte[]> record(String topic, long key, byte[] value, String format) {
        ProducerRecord<Long, byte[]> r = new ProducerRecord<>(topic, key, value);
        r.headers().add(FORMAT_HEADER, format.getBytes(StandardCharsets.UTF_8));
        return r;
    }
}
