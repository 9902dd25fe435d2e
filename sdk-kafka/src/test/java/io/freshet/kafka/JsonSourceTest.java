package io.freshet.kafka;

import static io.freshet.kafka.PipelineFixtures.MEMORY;
import static io.freshet.kafka.PipelineFixtures.NOW;
import static io.freshet.kafka.PipelineFixtures.USER_RISK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshet.core.ManualClock;
import io.freshet.testkit.FreshetKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link JsonDecoder} as a pipeline source on a real broker: JSON payments (nested user id, text merchant, epoch or
 * RFC 3339 time, an optional flag) read back equal to the reference model over the good records, while malformed,
 * incomplete, wrong-typed and out-of-range records are dead-lettered under their own reasons; under FAIL the
 * pipeline stops at the bad record with a message naming the field.
 */
class JsonSourceTest {
    @RegisterExtension
    static final FreshetKafka KAFKA = FreshetKafka.create();

    static final JsonDecoder<Payment> DECODER = JsonDecoder.builder(Payment::new)
        .longField("user.id", (p, v) -> p.userId = v)
        .textField("merchant.name", p -> p.merchant)
        .doubleField("amount", (p, v) -> p.amount = v)
        .timestampField("ts", TimeUnit.MILLISECONDS, (p, v) -> p.tsMs = v)
        .booleanField("declined", false, (p, v) -> p.declined = v)
        .build();

    /** The bad kinds injected, in turn. */
    static final BadRecordReason[] BAD = {BadRecordReason.MALFORMED, BadRecordReason.MISSING_FIELD,
        BadRecordReason.WRONG_TYPE, BadRecordReason.OUT_OF_RANGE};

    static byte[] json(Payment p, int variant) {
        String ts = variant % 2 == 0 ? Long.toString(p.tsMs) : "\"" + Instant.ofEpochMilli(p.tsMs) + "\"";
        String amount = variant % 3 == 0 ? p.amount + "" : Long.toString((long) p.amount);
        String declined = p.declined ? ", \"declined\": true" : variant % 4 == 0 ? ", \"declined\": false" : "";
        return ("{\"event\": \"payment\", \"user\": {\"id\": " + p.userId + ", \"tier\": [1, 2]}, \"merchant\": "
            + "{\"name\": \"" + p.merchant + "\", \"geo\": {\"lat\": 1.5}}, \"amount\": " + amount + ", \"ts\": " + ts
            + declined + "}").getBytes(StandardCharsets.UTF_8);
    }

    static byte[] bad(Payment p, BadRecordReason reason) {
        String s = new String(json(p, 0), StandardCharsets.UTF_8);
        switch (reason) {
            case MALFORMED:
                return s.substring(0, s.length() - 1).getBytes(StandardCharsets.UTF_8);
            case MISSING_FIELD:
                return s.replace("\"amount\"", "\"amt\"").getBytes(StandardCharsets.UTF_8);
            case WRONG_TYPE:
                return s.replace("\"amount\": ", "\"amount\": \"").replace(", \"ts\"", "\", \"ts\"")
                    .getBytes(StandardCharsets.UTF_8);
            default:
                return s.replace("\"id\": " + p.userId, "\"id\": 99999999999999999999")
                    .getBytes(StandardCharsets.UTF_8);
        }
    }

    @Test
    void jsonSourceMatchesTheReferenceAndDeadLettersEachBadRecordUnderItsReason(FreshetKafka broker)
        throws Exception {
        String topic = broker.uniqueName("json-payments");
        String dlq = broker.uniqueName("json-payments-dlq");
        broker.createTopic(topic, 3);
        broker.createTopic(dlq, 1);
        List<Payment> good = PipelineFixtures.stream(19, 3_000, 120);
        Map<BadRecordReason, Long> injected = new EnumMap<>(BadRecordReason.class);
        int bad = 0;
        List<Future<?>> acks = new ArrayList<>();
        try (KafkaProducer<Long, byte[]> p = PipelineFixtures.producer(broker)) {
            for (int i = 0; i < good.size(); i++) {
                Payment e = good.get(i);
                acks.add(p.send(new ProducerRecord<>(topic, e.userId, json(e, i))));
                if (i % 61 == 60) {
                    BadRecordReason r = BAD[bad++ % BAD.length];
                    injected.merge(r, 1L, Long::sum);
                    acks.add(p.send(new ProducerRecord<>(topic, e.userId, bad(e, r))));
                }
            }
            p.flush();
            for (Future<?> f : acks) {
                f.get();
            }
        }
        try (FeaturePipeline p = FeaturePipeline.builder()
            .kafka(PipelineFixtures.pipelineProps(broker))
            .clock(new ManualClock(NOW))
            .consumerThreads(2)
            .register(USER_RISK, MEMORY, PipelineFixtures.storeConfig(USER_RISK, 2),
                Source.of(topic, DECODER).deadLetterTo(dlq))
            .start()) {
            assertThat(p.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            PipelineMetrics.SetCounts c = p.metrics().set(USER_RISK.name());
            assertThat(c.applied()).isEqualTo(good.size());
            assertThat(c.deadLettered()).isEqualTo(bad);
            assertThat(c.badByReason()).isEqualTo(injected);
            PipelineFixtures.assertMatchesReference(p.reader(USER_RISK), PipelineFixtures.reference(USER_RISK, good));
        }
        assertThat(BadRecordBatteryTest.readDeadLetters(broker, dlq, bad)).isEqualTo(injected);
    }

    @Test
    void failStopsAtAWrongTypedRecordWithAMessageNamingTheField(FreshetKafka broker) throws Exception {
        String topic = broker.uniqueName("json-fail");
        broker.createTopic(topic, 1);
        List<Payment> stream = PipelineFixtures.stream(7, 40, 5);
        try (KafkaProducer<Long, byte[]> p = PipelineFixtures.producer(broker)) {
            for (int i = 0; i < stream.size(); i++) {
                byte[] v = i == 20 ? bad(stream.get(i), BadRecordReason.WRONG_TYPE) : json(stream.get(i), i);
                p.send(new ProducerRecord<>(topic, 1L, v)).get();
            }
        }
        try (FeaturePipeline p = FeaturePipeline.builder()
            .kafka(PipelineFixtures.pipelineProps(broker))
            .clock(new ManualClock(NOW))
            .register(USER_RISK, MEMORY, PipelineFixtures.storeConfig(USER_RISK, 1), Source.of(topic, DECODER))
            .start()) {
            assertThatThrownBy(() -> p.awaitCaughtUp(Duration.ofSeconds(60)))
                .isInstanceOfSatisfying(BadRecordException.class, e -> {
                    assertThat(e.offset()).isEqualTo(20);
                    assertThat(e.reason()).isEqualTo(BadRecordReason.WRONG_TYPE);
                    assertThat(e.getMessage()).contains("reason=WRONG_TYPE field=amount offset=")
                        .contains(": is a string, expected a number").doesNotContain("\n");
                });
        }
    }
}
