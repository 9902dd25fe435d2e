package io.freshet.kafka;

import static io.freshet.kafka.PipelineFixtures.MEMORY;
import static io.freshet.kafka.PipelineFixtures.NOW;
import static io.freshet.kafka.PipelineFixtures.USER_RISK;
import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.ManualClock;
import io.freshet.kafka.avro.AvroDecoder;
import io.freshet.kafka.avro.AvroWire;
import io.freshet.kafka.avro.SchemaProvider;
import io.freshet.testkit.FreshetKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Avro in the Schema Registry wire format end to end on a real broker: a topic carrying two schema versions (v1
 * without the merchant, int user ids, float amounts, ms timestamps; v2 with a nullable merchant, microsecond
 * timestamps and a field the decoder skips) feeds a set through {@link AvroDecoder} with a map provider. Features
 * equal the reference model (v1 events with the declared default merchant); a wrong magic byte, an unknown schema id,
 * a truncated body, a schema lacking a field declared without default, a null where no default is declared and a NaN
 * amount are dead-lettered under their own reasons, and nothing else is.
 */
class AvroSourceTest {
    @RegisterExtension
    static final FreshetKafka KAFKA = FreshetKafka.create();

    static final Schema V1 = AvroWire.schema("""
        {"type": "record", "name": "Payment", "fields": [
          {"name": "user_id", "type": "int"},
          {"name": "ts", "type": {"type": "long", "logicalType": "timestamp-millis"}},
          {"name": "amount", "type": "float"},
          {"name": "declined", "type": "boolean"}]}""");
    static final Schema V2 = AvroWire.schema("""
        {"type": "record", "name": "Payment", "fields": [
          {"name": "note", "type": "string"},
          {"name": "user_id", "type": "long"},
          {"name": "merchant", "type": ["null", "string"], "default": null},
          {"name": "ts", "type": {"type": "long", "logicalType": "timestamp-micros"}},
          {"name": "amount", "type": "double"},
          {"name": "declined", "type": "boolean"}]}""");
    /** Lacks user_id, which the decoder declares without a default: SCHEMA_MISMATCH. */
    static final Schema V3 = AvroWire.schema("""
        {"type": "record", "name": "Payment", "fields": [
          {"name": "ts", "type": "long"},
          {"name": "amount", "type": "double"}]}""");
    /** A nullable user_id: null is MISSING_FIELD (the decoder declares no default for it). */
    static final Schema V4 = AvroWire.schema("""
        {"type": "record", "name": "Payment", "fields": [
          {"name": "user_id", "type": ["null", "long"]},
          {"name": "ts", "type": "long"},
          {"name": "amount", "type": "double"},
          {"name": "declined", "type": "boolean"}]}""");
    static final String DEFAULT_MERCHANT = "unknown";

    static AvroDecoder<Payment> decoder() {
        return AvroDecoder.builder(Payment::new, SchemaProvider.of(Map.of(1, V1, 2, V2, 3, V3, 4, V4)))
            .longField("user_id", (p, v) -> p.userId = v)
            .timestampMsField("ts", (p, v) -> p.tsMs = v)
            .doubleField("amount", (p, v) -> p.amount = v)
            .booleanField("declined", (p, v) -> p.declined = v)
            .stringField("merchant", DEFAULT_MERCHANT, (p, bytes, offset, length) -> {
                p.merchantNull = false;
                p.merchant.setLength(0);
                p.merchant.append(new String(bytes, offset, length, StandardCharsets.UTF_8));
            })
            .build();
    }

    static byte[] v1(Payment p) {
        GenericRecord r = new GenericData.Record(V1);
        r.put("user_id", (int) p.userId);
        r.put("ts", p.tsMs);
        r.put("amount", (float) p.amount);
        r.put("declined", p.declined);
        return AvroWire.encode(1, r);
    }

    static byte[] v2(Payment p, int schemaId) {
        GenericRecord r = new GenericData.Record(V2);
        r.put("note", "skipped by the decoder");
        r.put("user_id", p.userId);
        r.put("merchant", p.merchant.toString());
        r.put("ts", p.tsMs * 1000 + 999);
        r.put("amount", p.amount);
        r.put("declined", p.declined);
        return AvroWire.encode(schemaId, r);
    }

    @Test
    void avroSourceMatchesTheReferenceAndDeadLettersBadRecordsUnderTheirReasons(FreshetKafka broker)
        throws Exception {
        String topic = broker.uniqueName("avro-payments");
        String dlq = broker.uniqueName("avro-payments-dlq");
        broker.createTopic(topic, 3);
        broker.createTopic(dlq, 1);
        List<Payment> sent = PipelineFixtures.stream(83, 3_000, 150);
        List<Payment> expected = new ArrayList<>();
        int[] injected = new int[6];
        List<Future<?>> acks = new ArrayList<>();
        try (KafkaProducer<Long, byte[]> p = PipelineFixtures.producer(broker)) {
            for (int i = 0; i < sent.size(); i++) {
                Payment e = sent.get(i);
                boolean old = i % 3 == 0;
                acks.add(p.send(new ProducerRecord<>(topic, e.userId, old ? v1(e) : v2(e, 2))));
                expected.add(old ? new Payment(e.userId, DEFAULT_MERCHANT, e.tsMs, e.amount, e.declined) : e);
                if (i % 61 == 60) {
                    int kind = (i / 61) % injected.length;
                    byte[] bad = switch (kind) {
                        case 0 -> {
                            byte[] b = v2(e, 2);
                            b[0] = 'F'; // not the Schema Registry format
                            yield b;
                        }
                        case 1 -> v2(e, 99); // an id the provider does not know
                        case 2 -> {
                            byte[] b = v2(e, 2);
                            yield Arrays.copyOf(b, b.length - 10);
                        }
                        case 3 -> {
                            GenericRecord r = new GenericData.Record(V3);
                            r.put("ts", e.tsMs);
                            r.put("amount", e.amount);
                            yield AvroWire.encode(3, r);
                        }
                        case 4 -> {
                            GenericRecord r = new GenericData.Record(V4);
                            r.put("user_id", null);
                            r.put("ts", e.tsMs);
                            r.put("amount", e.amount);
                            r.put("declined", e.declined);
                            yield AvroWire.encode(4, r);
                        }
                        default -> {
                            Payment nan = e.copy();
                            nan.amount = Double.NaN; // decodes; the set's value rule rejects it
                            yield v2(nan, 2);
                        }
                    };
                    acks.add(p.send(new ProducerRecord<>(topic, e.userId, bad)));
                    injected[kind]++;
                }
            }
            p.flush();
            for (Future<?> f : acks) {
                f.get();
            }
        }
        Map<BadRecordReason, Long> badReasons = Map.of(BadRecordReason.BAD_MAGIC_BYTE, (long) injected[0],
            BadRecordReason.UNKNOWN_SCHEMA_ID, (long) injected[1], BadRecordReason.TRUNCATED, (long) injected[2],
            BadRecordReason.SCHEMA_MISMATCH, (long) injected[3], BadRecordReason.MISSING_FIELD, (long) injected[4],
            BadRecordReason.NON_FINITE_VALUE, (long) injected[5]);
        assertThat(injected).doesNotContain(0);
        int bad = java.util.stream.IntStream.of(injected).sum();
        try (FeaturePipeline p = FeaturePipeline.builder()
            .kafka(PipelineFixtures.pipelineProps(broker))
            .clock(new ManualClock(NOW))
            .consumerThreads(2)
            .register(USER_RISK, MEMORY, PipelineFixtures.storeConfig(USER_RISK, 2),
                Source.of(topic, decoder()).deadLetterTo(dlq))
            .start()) {
            assertThat(p.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            PipelineMetrics.SetCounts c = p.metrics().set(USER_RISK.name());
            assertThat(c.applied()).isEqualTo(sent.size());
            assertThat(c.deadLettered()).isEqualTo(bad);
            assertThat(c.badByReason()).isEqualTo(badReasons);
            PipelineFixtures.assertMatchesReference(p.reader(USER_RISK),
                PipelineFixtures.reference(USER_RISK, expected));
        }
        assertThat(BadRecordBatteryTest.readDeadLetters(broker, dlq, bad)).isEqualTo(badReasons);
    }

    @Test
    void aFailingSourceStopsWithTheDecodersReasonAndMessage(FreshetKafka broker) throws Exception {
        String topic = broker.uniqueName("avro-unknown");
        broker.createTopic(topic, 1);
        try (KafkaProducer<Long, byte[]> p = PipelineFixtures.producer(broker)) {
            p.send(new ProducerRecord<>(topic, 1L, v2(new Payment(1, "m", NOW, 1, false), 42))).get();
        }
        try (FeaturePipeline p = FeaturePipeline.builder()
            .kafka(PipelineFixtures.pipelineProps(broker))
            .clock(new ManualClock(NOW))
            .register(USER_RISK, MEMORY, PipelineFixtures.storeConfig(USER_RISK, 1), Source.of(topic, decoder()))
            .start()) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (p.failure() == null && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(p.failure()).isInstanceOfSatisfying(BadRecordException.class, e -> {
                assertThat(e.reason()).isEqualTo(BadRecordReason.UNKNOWN_SCHEMA_ID);
                assertThat(e.offset()).isZero();
                assertThat(e.getMessage()).contains("reason=UNKNOWN_SCHEMA_ID schema id 42 unavailable: unknown to"
                    + " the schema map (ids [1, 2, 3, 4])");
            });
        }
    }
}
