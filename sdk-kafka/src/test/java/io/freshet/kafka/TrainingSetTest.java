package io.freshet.kafka;

import static io.freshet.kafka.TrainingFixtures.KEEP_OLD_RECORDS;
import static io.freshet.kafka.TrainingFixtures.MERCHANTS;
import static io.freshet.kafka.TrainingFixtures.USERS;
import static io.freshet.kafka.TrainingFixtures.parseCsv;
import static io.freshet.kafka.TrainingFixtures.produce;
import static io.freshet.kafka.TrainingFixtures.randomLabels;
import static io.freshet.kafka.TrainingFixtures.randomStream;
import static io.freshet.kafka.TrainingFixtures.row;
import static io.freshet.kafka.TrainingFixtures.withKnownTimes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshet.core.FeatureKind;
import io.freshet.core.FeatureRef;
import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureVector;
import io.freshet.core.VectorStatus;
import io.freshet.core.testing.ReferenceModel;
import io.freshet.kafka.TrainingFixtures.Label;
import io.freshet.kafka.TrainingFixtures.Sent;
import io.freshet.kafka.internal.StartOffsets;
import io.freshet.store.StoreEngines;
import io.freshet.testkit.FreshetKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training rows on the real broker, checked against an independent computation: for each label at {@code t}, a fresh
 * {@link ReferenceModel} fed exactly the records that qualify (event time below {@code t}, known time at most
 * {@code t + lag}), in log order, with each record's known time as the applying clock, must equal the row. The
 * streams hold out-of-order, late (3 h), future (within and beyond the skew) events, create timestamps that go back
 * in their partition, and aborted transactions.
 */
class TrainingSetTest {
    @RegisterExtension
    static final FreshetKafka KAFKA = FreshetKafka.create();

    private static final long T0 = PipelineFixtures.T0;
    @Test
    void everyRowEqualsTheReferenceFedExactlyTheQualifyingRecords(FreshetKafka broker, @TempDir Path dir)
        throws Exception {
        assertThat(USERS.refs()).extracting(FeatureRef::kind).as("every kind is checked")
            .containsAll(EnumSet.allOf(FeatureKind.class));
        String topic = broker.uniqueName("train-pay");
        broker.createTopic(topic, 3, KEEP_OLD_RECORDS);
        Random r = new Random(20261205);
        List<Long> arrivals = new ArrayList<>();
        List<Payment> events = randomStream(r, 3000, 60, arrivals);
        List<Sent> sent = produce(broker, topic, events, arrivals, new Random(15));
        assertThat(sent.size()).as("some transactions aborted").isBetween(2000, 2960);
        assertThat(sent).as("some record timestamps go back in their partition: the known time is their maximum")
            .anyMatch(s -> s.knownMs() > s.timestampMs());
        List<Label> labels = randomLabels(r, sent, 400, 60);

        for (Duration lag : List.of(Duration.ZERO, Duration.ofMinutes(4))) {
            TrainingSet.Builder<Label> b = builder(broker, topic, labels, lag);
            if (!lag.isZero()) {
                // The running rows on the table engine once, the heap the other time: the engine must not matter.
                b.runningRows(StoreEngines.table(), dir);
            }
            List<String> failures = new ArrayList<>();
            int[] checked = new int[4];
            TrainingProgress done = b.build().run((label, t, vectors) -> {
                check(failures, USERS, label.user(), null, t, lag, sent, vectors[0], checked);
                check(failures, MERCHANTS, 0, label.merchant(), t, lag, sent, vectors[1], checked);
            });
            assertThat(failures).as("lag=%s: rows that differ from the reference", lag).isEmpty();
            assertThat(done.labelsDone()).isEqualTo(labels.size());
            assertThat(done.complete()).isTrue();
            // The test must exercise what it claims: present and missing rows, stale ones, and leakage candidates.
            assertThat(checked[0]).as("present rows").isGreaterThan(300);
            assertThat(checked[1]).as("missing rows").isGreaterThan(0);
            assertThat(checked[2]).as("stale rows").isGreaterThan(0);
            assertThat(checked[3]).as("rows a late-known or future record would have changed").isGreaterThan(50);
        }
        try (var left = Files.list(dir)) {
            assertThat(left).as("the run deletes its running-rows stores").isEmpty();
        }

        // The same labels from a Kafka topic (two partitions, each in label time) give the same rows.
        String labelTopic = broker.uniqueName("train-labels");
        broker.createTopic(labelTopic, 2, KEEP_OLD_RECORDS);
        try (KafkaProducer<Long, byte[]> p = PipelineFixtures.producer(broker)) {
            for (Label l : labels) {
                String text = l.user() + "," + (l.merchant() == null ? "" : l.merchant()) + "," + l.timeMs() + ","
                    + l.fraud();
                p.send(new ProducerRecord<>(labelTopic, l.user(), text.getBytes(StandardCharsets.UTF_8))).get();
            }
        }
        Duration lag = Duration.ofMinutes(1);
        Source<Payment> source = Source.of(topic, new PaymentCodec()).onBadRecord(BadRecordPolicy.SKIP);
        List<String> failures = new ArrayList<>();
        TrainingProgress done = TrainingSet.forLabelTopic(labelTopic, TrainingSetTest::decodeLabel, Label::timeMs)
            .features(USERS, Label::user, source)
            .featuresByTextKey(MERCHANTS, Label::merchant, source)
            .asOfKnownTime(lag)
            .kafka(broker.clientProperties())
            .build()
            .run((label, t, vectors) -> {
                check(failures, USERS, label.user(), null, t, lag, sent, vectors[0], new int[4]);
                check(failures, MERCHANTS, 0, label.merchant(), t, lag, sent, vectors[1], new int[4]);
            });
        assertThat(failures).as("labels from a topic: rows that differ from the reference").isEmpty();
        assertThat(done.labelsDone()).isEqualTo(labels.size());
        assertThat(done.labelsTotal()).isEqualTo(-1);
    }

    private static Label decodeLabel(RecordView record, Label reuse) {
        String[] f = new String(record.value(), StandardCharsets.UTF_8).split(",", -1);
        return new Label(Long.parseLong(f[0]), f[1].isEmpty() ? null : f[1], Long.parseLong(f[2]),
            Boolean.parseBoolean(f[3]));
    }

    @Test
    void recordsKnownAfterTheLagNeverLeakIntoARowAndTheCsvSaysSo(FreshetKafka broker, @TempDir Path dir)
        throws Exception {
        String topic = broker.uniqueName("train-leak");
        broker.createTopic(topic, 1, KEEP_OLD_RECORDS);
        long t = T0 + Duration.ofHours(1).toMillis();
        long lagMs = Duration.ofMinutes(2).toMillis();
        List<Payment> events = new ArrayList<>();
        List<Long> timestamps = new ArrayList<>();
        // Known long before t: counts.
        events.add(new Payment(7, "m-1", t - 600_000, 10.0, false));
        timestamps.add(t - 540_000);
        // A future event known before t: its own time is after t, so it does not count at t.
        events.add(new Payment(7, "m-2", t + 60_000, 1000.0, false));
        timestamps.add(t - 60_000);
        // Event time before t, known exactly at t + lag: counts.
        events.add(new Payment(7, "m-4", t - 200_000, 1.0, false));
        timestamps.add(t + lagMs);
        // Event time before t, known just after t + lag: a late arrival that must not leak.
        events.add(new Payment(7, "m-3", t - 300_000, 100.0, true));
        timestamps.add(t + lagMs + 1);
        List<Sent> sent = produce(broker, topic, events, timestamps);
        long later = t + Duration.ofMinutes(10).toMillis();
        List<Label> labels = List.of(new Label(7, "m-3", t, true), new Label(7, null, later, false),
            new Label(8, "m-1", later, false));

        Path csv = dir.resolve("rows.csv");
        List<TrainingProgress> reports = new ArrayList<>();
        TrainingProgress done = builder(broker, topic, labels, Duration.ofMillis(lagMs))
            .progress(Duration.ofNanos(1), reports::add).build().writeCsv(csv);
        assertThat(done.labelsDone()).isEqualTo(3);
        assertThat(done.labelsTotal()).isEqualTo(3);
        assertThat(done.complete()).isTrue();
        assertThat(done.percentDone()).isEqualTo(100.0);
        assertThat(done.eta()).isEqualTo(Duration.ZERO);
        assertThat(done.recordsToRead()).isEqualTo(4);
        assertThat(reports).hasSizeGreaterThanOrEqualTo(2).last().isEqualTo(done);
        TrainingProgress first = reports.get(0);
        assertThat(first.complete()).isFalse();
        assertThat(first.labelsDone()).isBetween(1L, 3L);
        assertThat(first.percentDone()).isEqualTo(100.0 * first.labelsDone() / 3);
        assertThat(first.toString()).contains("labels=" + first.labelsDone() + "/3");

        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        assertThat(lines).hasSize(4);
        List<String> header = parseCsv(lines.get(0));
        assertThat(header.subList(0, 4)).containsExactly("label_time_ms", "fraud", "users__status",
            "users__last_amount");
        Map<String, String> atT = row(header, lines.get(1));
        // Only the first and the third record qualify at t: 2 events, 11.0 in all.
        assertThat(atT.get("users__txn_total")).isEqualTo("2");
        assertThat(atT.get("users__amount_1h")).isEqualTo("11.0");
        assertThat(atT.get("users__declines_1h")).isEqualTo("0");
        assertThat(atT.get("users__last_amount")).isEqualTo("1.0");
        assertThat(atT.get("users__last_amount__event_time_ms")).isEqualTo(Long.toString(t - 200_000));
        assertThat(atT.get("users__status")).isEqualTo("FRESH");
        assertThat(atT.get("fraud")).isEqualTo("true");
        assertThat(atT.get("label_time_ms")).isEqualTo(Long.toString(t));
        // The same key ten minutes later: every record is known and in the past, the leaked one included now.
        Map<String, String> atLater = row(header, lines.get(2));
        assertThat(atLater.get("users__txn_total")).isEqualTo("4");
        assertThat(atLater.get("users__amount_1h")).isEqualTo("1111.0");
        assertThat(atLater.get("users__declines_1h")).isEqualTo("1");
        assertThat(atLater.get("users__last_merchants")).startsWith("[").endsWith("]");
        assertThat(atLater.get("merchant_stats__status")).isEqualTo("MISSING"); // a null key
        Map<String, String> unknown = row(header, lines.get(3));
        assertThat(unknown.get("users__status")).isEqualTo("MISSING");
        assertThat(unknown.get("users__txn_total")).isEmpty();
        assertThat(unknown.get("merchant_stats__txn_total")).isEqualTo("1");

        // The independent computation agrees, and would not if the late record leaked.
        List<String> failures = new ArrayList<>();
        builder(broker, topic, labels, Duration.ofMillis(lagMs)).build().run((label, lt, vectors) ->
            check(failures, USERS, label.user(), null, lt, Duration.ofMillis(lagMs), sent, vectors[0], new int[4]));
        assertThat(failures).isEmpty();
        ReferenceModel<Payment> leaked = new ReferenceModel<>(USERS);
        for (Sent s : sent) {
            if (s.event().tsMs() < t) {
                leaked.apply(s.event().copy(), s.knownMs());
            }
        }
        assertThat(leaked.expected(7, t).value("txn_total").asLong()).as("a leak would change the row").isEqualTo(3);

        String sidecar = Files.readString(dir.resolve("rows.json"));
        assertThat(sidecar).contains("\"fingerprint\": \"" + Long.toHexString(USERS.fingerprint()) + "\"")
            .contains("\"lagMs\": " + lagMs).contains("\"rows\": 3").contains("\"format\": \"freshet-training-rows/2\"")
            .contains("\"" + topic + "-0\": 4");
    }

    /**
     * Point 6 on a {@code LogAppendTime} topic: the broker's clock, not the producer's, decides what is known by
     * {@code t + lag}. Records go out in chunks a little apart, labels fall between them, and each row must equal the
     * reference fed only the records whose append time is within {@code t + lag}.
     */
    @Test
    void onALogAppendTimeTopicTheBrokersClockDecidesWhatIsKnown(FreshetKafka broker) throws Exception {
        String topic = broker.uniqueName("train-append");
        Map<String, String> config = new HashMap<>(KEEP_OLD_RECORDS);
        config.put("message.timestamp.type", "LogAppendTime");
        broker.createTopic(topic, 2, config);
        Random r = new Random(99);
        List<Long> arrivals = new ArrayList<>();
        List<Payment> stream = randomStream(r, 600, 15, arrivals);
        // Event times near the broker's clock (the stream spans ten minutes of event time up to about now).
        long shift = System.currentTimeMillis() - arrivals.get(arrivals.size() - 1);
        List<Payment> events = new ArrayList<>();
        for (Payment e : stream) {
            events.add(new Payment(e.userId(), e.merchant().toString(), e.tsMs() + shift, e.amount(), e.declined));
        }
        List<Sent> raw = new ArrayList<>();
        for (int from = 0; from < events.size(); from += 60) {
            int to = Math.min(events.size(), from + 60);
            raw.addAll(produce(broker, topic, events.subList(from, to), arrivals.subList(from, to)));
            Thread.sleep(15);
        }
        List<Sent> sent = withKnownTimes(raw);
        assertThat(sent).as("append times are the broker's clock, not the create times sent")
            .allMatch(s -> s.timestampMs() > T0 + Duration.ofDays(365).toMillis());
        long first = sent.get(0).knownMs();
        long last = sent.get(sent.size() - 1).knownMs();
        List<Label> labels = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            labels.add(new Label(r.nextInt(16), null, first + (long) (r.nextDouble() * (last - first + 1)), false));
        }
        labels.sort(Comparator.comparingLong(Label::timeMs));
        Source<Payment> source = Source.of(topic, new PaymentCodec()).onBadRecord(BadRecordPolicy.SKIP);
        for (Duration lag : List.of(Duration.ZERO, Duration.ofMillis(20))) {
            List<String> failures = new ArrayList<>();
            int[] counts = new int[4];
            TrainingSet.forLabels(labels, Label::timeMs)
                .features(USERS, Label::user, source)
                .asOfKnownTime(lag)
                .kafka(broker.clientProperties())
                .build()
                .run((label, t, vectors) -> check(failures, USERS, label.user(), null, t, lag, sent, vectors[0],
                    counts));
            assertThat(failures).as("lag=%s: rows that differ from the reference", lag).isEmpty();
            assertThat(counts[3]).as("rows a record appended after t + lag would have changed").isGreaterThan(20);
        }
    }

    @Test
    void labelsOutOfTimeOrderAreRefusedWithTheFix(FreshetKafka broker) throws Exception {
        String topic = broker.uniqueName("train-order");
        broker.createTopic(topic, 1, KEEP_OLD_RECORDS);
        List<Label> labels = List.of(new Label(1, "m-1", T0 + 1000, false), new Label(1, "m-1", T0, false));
        assertThatThrownBy(() -> builder(broker, topic, labels, Duration.ZERO).build().run((l, t, v) -> { }))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sort them by label time");
    }

    @Test
    void aSetOnTwoTopicsMergesThemByKnownTimeThenTopicOrder(FreshetKafka broker) throws Exception {
        String first = broker.uniqueName("train-a");
        String second = broker.uniqueName("train-b");
        broker.createTopic(first, 2, KEEP_OLD_RECORDS);
        broker.createTopic(second, 3, KEEP_OLD_RECORDS);
        Random r = new Random(77);
        List<Long> arrivals = new ArrayList<>();
        List<Payment> events = randomStream(r, 1500, 20, arrivals);
        List<Payment> a = new ArrayList<>();
        List<Long> aTs = new ArrayList<>();
        List<Payment> b = new ArrayList<>();
        List<Long> bTs = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            // Whole seconds, so that records of the two topics often share a known time and the tie rule counts.
            long ts = arrivals.get(i) / 1000 * 1000;
            if (r.nextBoolean()) {
                a.add(events.get(i));
                aTs.add(ts);
            } else {
                b.add(events.get(i));
                bTs.add(ts);
            }
            if (r.nextInt(3) == 0) {
                // A twin on the second topic: same user, event time and record time, another amount. Latest breaks
                // an event-time tie by arrival, so last_amount shows which of the two the merge applied last.
                Payment e = events.get(i);
                b.add(new Payment(e.userId(), "m-twin", e.tsMs(), e.amount() + 1, false));
                bTs.add(ts);
            }
        }
        List<Sent> sent = new ArrayList<>(produce(broker, first, a, aTs));
        for (Sent s : produce(broker, second, b, bTs)) {
            sent.add(new Sent(s.event(), s.partition(), s.offset(), s.timestampMs(), s.knownMs(), 1));
        }
        sent.sort(Comparator.comparingLong(Sent::knownMs).thenComparingInt(Sent::topicIndex)
            .thenComparingInt(Sent::partition).thenComparingLong(Sent::offset));
        List<Label> labels = randomLabels(r, sent, 300, 20);
        Duration lag = Duration.ofSeconds(30);
        List<String> failures = new ArrayList<>();
        TrainingSet.forLabels(labels, Label::timeMs)
            .features(USERS, Label::user, Source.of(first, new PaymentCodec()).onBadRecord(BadRecordPolicy.SKIP),
                Source.of(second, new PaymentCodec()).onBadRecord(BadRecordPolicy.SKIP))
            .asOfKnownTime(lag)
            .kafka(broker.clientProperties())
            .build()
            .run((label, t, vectors) -> check(failures, USERS, label.user(), null, t, lag, sent, vectors[0],
                new int[4]));
        assertThat(failures).isEmpty();
    }

    @Test
    void aBadRecordUnderFailStopsTheRunWithItsPosition(FreshetKafka broker) throws Exception {
        String topic = broker.uniqueName("train-bad");
        broker.createTopic(topic, 1, KEEP_OLD_RECORDS);
        broker.send(topic, "k".getBytes(StandardCharsets.UTF_8), "not a payment".getBytes(StandardCharsets.UTF_8));
        Properties kafka = broker.clientProperties();
        // The record has the broker's clock as timestamp: a label after it makes the run read it.
        long after = System.currentTimeMillis() + Duration.ofHours(1).toMillis();
        TrainingSet<Label> training = TrainingSet.forLabels(List.of(new Label(1, "m-1", after, false)), Label::timeMs)
            .features(USERS, Label::user, Source.of(topic, new PaymentCodec()))
            .kafka(kafka)
            .build();
        assertThatThrownBy(() -> training.run((l, t, v) -> { }))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining(topic + "-0@0")
            .hasMessageContaining("DECODE_ERROR")
            .hasMessageContaining("BadRecordPolicy.SKIP")
            .hasMessageNotContaining("not a payment");
    }

    /**
     * {@code TombstonePolicy.DELETE}: a tombstone of a user at log position p, known at k, deletes the user's row for
     * every label with {@code t + lag >= k}, as the live pipeline deletes it when it applies p; the user's records
     * before p in the log are gone with it (also those whose event time qualifies only at a later label), the ones
     * after it start a new row. Checked against a fresh reference per label, fed in log order the qualifying records
     * and the known tombstones ({@link ReferenceModel#delete}).
     */
    @Test
    void tombstonesDeleteTheRowForLabelsFromTheirKnownTime(FreshetKafka broker) throws Exception {
        String topic = broker.uniqueName("train-tomb");
        broker.createTopic(topic, 3, KEEP_OLD_RECORDS);
        Random r = new Random(1717);
        List<Long> arrivals = new ArrayList<>();
        List<Payment> events = randomStream(r, 2000, 25, arrivals);
        for (int i = 0; i < events.size(); i++) {
            if (r.nextInt(100) < 4) {
                Payment e = events.get(i);
                events.set(i, new Payment(e.userId(), "m-gone", e.tsMs(), -1, false)); // a tombstone of the user
            }
        }
        List<Sent> sent = produce(broker, topic, events, arrivals, new Random(16));
        assertThat(sent).as("committed tombstones").filteredOn(s -> s.event().amount() < 0).hasSizeGreaterThan(40);
        List<Label> labels = randomLabels(r, sent, 400, 25);
        Source<Payment> source = Source.of(topic, new PaymentCodec()).onBadRecord(BadRecordPolicy.SKIP)
            .tombstones(TombstonePolicy.DELETE);
        for (Duration lag : List.of(Duration.ZERO, Duration.ofMinutes(3))) {
            List<String> failures = new ArrayList<>();
            int[] deletedRows = new int[1];
            TrainingSet.forLabels(labels, Label::timeMs)
                .features(USERS, Label::user, source)
                .asOfKnownTime(lag)
                .kafka(broker.clientProperties())
                .build()
                .run((label, t, vectors) -> {
                    ReferenceModel<Payment> model = new ReferenceModel<>(USERS);
                    boolean deleted = false;
                    for (Sent s : sent) {
                        Payment e = s.event();
                        if (e.userId() != label.user() || s.knownMs() > t + lag.toMillis()) {
                            continue;
                        }
                        if (e.amount() < 0) {
                            deleted |= model.delete(label.user());
                        } else if (e.tsMs() < t) {
                            model.apply(e.copy(), s.knownMs());
                        }
                    }
                    deletedRows[0] += deleted ? 1 : 0;
                    List<String> diff = model.expected(label.user(), t).mismatches(vectors[0]);
                    if (!diff.isEmpty()) {
                        failures.add("user=" + label.user() + " t=" + t + ": " + diff);
                    }
                });
            assertThat(failures).as("lag=%s: rows that differ from the reference with deletes", lag).isEmpty();
            assertThat(deletedRows[0]).as("rows a tombstone changed").isGreaterThan(50);
        }
    }

    /**
     * Tombstones of a text-keyed set: the Kafka key is the merchant's UTF-8 (StringSerializer), as the pipeline reads
     * it; a merchant's records before its tombstone are gone for the labels from the tombstone's known time on.
     */
    @Test
    void textKeyTombstonesDeleteTheMerchantsRow(FreshetKafka broker) throws Exception {
        String topic = broker.uniqueName("train-tomb-text");
        broker.createTopic(topic, 2, KEEP_OLD_RECORDS);
        Random r = new Random(4242);
        List<Long> arrivals = new ArrayList<>();
        List<Payment> events = randomStream(r, 1200, 30, arrivals);
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        List<Payment> produced = new ArrayList<>();
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(PipelineFixtures.producerProps(broker),
            new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < events.size(); i++) {
                Payment e = events.get(i);
                String merchant = e.merchant().toString();
                boolean tombstone = r.nextInt(100) < 5;
                Payment sentEvent = tombstone ? new Payment(e.userId(), merchant, e.tsMs(), -1, false) : e;
                acks.add(p.send(new ProducerRecord<>(topic, null, arrivals.get(i), merchant,
                    tombstone ? null : PaymentCodec.encode(e))));
                produced.add(sentEvent);
            }
        }
        List<Sent> sent = new ArrayList<>();
        for (int i = 0; i < produced.size(); i++) {
            RecordMetadata md = acks.get(i).get();
            sent.add(new Sent(produced.get(i), md.partition(), md.offset(), md.timestamp(), 0, 0));
        }
        sent = withKnownTimes(sent);
        List<Label> labels = randomLabels(r, sent, 300, 30);
        Source<Payment> source = Source.of(topic, new PaymentCodec()).onBadRecord(BadRecordPolicy.SKIP)
            .tombstones(TombstonePolicy.DELETE);
        Duration lag = Duration.ofMinutes(2);
        List<String> failures = new ArrayList<>();
        int[] deletedRows = new int[1];
        List<Sent> log = sent;
        TrainingSet.forLabels(labels, Label::timeMs)
            .featuresByTextKey(MERCHANTS, Label::merchant, source)
            .asOfKnownTime(lag)
            .kafka(broker.clientProperties())
            .build()
            .run((label, t, vectors) -> {
                if (label.merchant() == null) {
                    return;
                }
                ReferenceModel<Payment> model = new ReferenceModel<>(MERCHANTS);
                boolean deleted = false;
                for (Sent s : log) {
                    Payment e = s.event();
                    if (!label.merchant().equals(e.merchant().toString()) || s.knownMs() > t + lag.toMillis()) {
                        continue;
                    }
                    if (e.amount() < 0) {
                        deleted |= model.delete(label.merchant());
                    } else if (e.tsMs() < t) {
                        model.apply(e.copy(), s.knownMs());
                    }
                }
                deletedRows[0] += deleted ? 1 : 0;
                List<String> diff = model.expected(label.merchant(), t).mismatches(vectors[0]);
                if (!diff.isEmpty()) {
                    failures.add("merchant=" + label.merchant() + " t=" + t + ": " + diff);
                }
            });
        assertThat(failures).as("rows that differ from the reference with deletes").isEmpty();
        assertThat(deletedRows[0]).as("rows a tombstone changed").isGreaterThan(30);
    }

    /**
     * The start resolver over both clients a history read uses (a migration's admin client, a training run's
     * consumer) on the real broker: the same offsets for each kind of start, the rule itself being
     * {@code StartOffsetsTest}'s.
     */
    @Test
    void bothClientsResolveAStartToTheSameOffsets(FreshetKafka broker) throws Exception {
        String topic = broker.uniqueName("train-start");
        broker.createTopic(topic, 2, KEEP_OLD_RECORDS);
        List<Payment> events = new ArrayList<>();
        List<Long> timestamps = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            events.add(new Payment(i % 7, "m-1", T0 + i * 1000L, 1.0, false));
            timestamps.add(T0 + i * 1000L);
        }
        List<Sent> sent = produce(broker, topic, events, timestamps); // no transaction: no marker still to come
        List<TopicPartition> partitions = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
        Properties cp = broker.clientProperties();
        cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        long mid = T0 + 20_000;
        Map<TopicPartition, Long> expectedMid = new HashMap<>();
        for (Sent s : sent) {
            if (s.timestampMs() >= mid) {
                expectedMid.merge(new TopicPartition(topic, s.partition()), s.offset(), Math::min);
            }
        }
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(cp, new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
            StartOffsets.Lookup viaAdmin = StartOffsets.admin(broker.admin());
            StartOffsets.Lookup viaConsumer = StartOffsets.consumer(consumer);
            Map<TopicPartition, Long> explicit = Map.of(partitions.get(1), 3L);
            for (Instant time : Arrays.asList(null, Instant.ofEpochMilli(mid),
                Instant.ofEpochMilli(T0 + 3_600_000))) {
                assertThat(StartOffsets.resolve(partitions, time, null, viaAdmin)).as("at %s", time)
                    .isEqualTo(StartOffsets.resolve(partitions, time, null, viaConsumer));
            }
            assertThat(StartOffsets.resolve(partitions, Instant.ofEpochMilli(mid), null, viaAdmin))
                .containsAllEntriesOf(expectedMid);
            assertThat(StartOffsets.resolve(partitions, null, null, viaAdmin)).containsOnlyKeys(partitions)
                .allSatisfy((tp, o) -> assertThat(o).isZero());
            // Past every record: each partition starts at its end.
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            assertThat(StartOffsets.resolve(partitions, Instant.ofEpochMilli(T0 + 3_600_000), null, viaConsumer))
                .isEqualTo(ends);
            assertThat(StartOffsets.resolve(partitions, null, explicit, viaAdmin))
                .isEqualTo(StartOffsets.resolve(partitions, null, explicit, viaConsumer))
                .containsEntry(partitions.get(0), 0L).containsEntry(partitions.get(1), 3L);
        }
    }

    @Test
    void builderRefusesWhatCannotWork() {
        Source<Payment> src = Source.of("t", new PaymentCodec());
        Properties kafka = new Properties();
        kafka.put("bootstrap.servers", "localhost:1");
        TrainingSet.Builder<Label> b = TrainingSet.forLabels(List.<Label>of(), Label::timeMs);
        assertThatThrownBy(() -> b.featuresByTextKey(USERS, Label::merchant, src))
            .hasMessageContaining("features(set");
        assertThatThrownBy(() -> b.features(MERCHANTS, Label::user, src)).hasMessageContaining("featuresByTextKey");
        assertThatThrownBy(b::build).hasMessageContaining("no feature set joined");
        b.features(USERS, Label::user, src);
        assertThatThrownBy(() -> b.features(USERS, Label::user, src)).hasMessageContaining("joined already");
        assertThatThrownBy(b::build).hasMessageContaining("kafka(properties)");
        assertThatThrownBy(() -> b.kafka(new Properties())).hasMessageContaining("bootstrap.servers");
        assertThatThrownBy(() -> b.asOfKnownTime(Duration.ofMillis(-1))).hasMessageContaining("0 to 30 days");
        assertThatThrownBy(() -> b.labelColumn("label_time_ms", Label::fraud)).hasMessageContaining("reserved");
        assertThatThrownBy(() -> b.labelColumn("a__b", Label::fraud)).hasMessageContaining("reserved");
        FeatureSet<Payment> withTtl = FeatureSet.builder("users_ttl", Payment.class).entity("user", Payment::userId)
            .eventTime(Payment::tsMs).ttl(Duration.ofHours(1)).count("txn_total").build();
        assertThatThrownBy(() -> TrainingSet.forLabels(List.<Label>of(), Label::timeMs)
            .features(withTtl, Label::user, Source.of("t", new PaymentCodec())))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("set=users_ttl has ttl=3600000 ms")
            .hasMessageContaining("join a definition without ttl");
        // Sources that delete on tombstones are replayed (tombstonesDeleteTheRowForLabelsFromTheirKnownTime).
        assertThat(TrainingSet.forLabels(List.<Label>of(), Label::timeMs)
            .features(USERS, Label::user, src.tombstones(TombstonePolicy.DELETE)).kafka(kafka).build().toString())
            .contains("users");
        assertThat(b.kafka(kafka).build().toString()).contains("users");
    }

    // --- the independent computation -------------------------------------------------------------------------

    /**
     * The row for one set of one label against a fresh reference fed the qualifying records of the key in log order
     * (known time, then partition, then offset), each applied at its known time.
     */
    private static void check(List<String> failures, FeatureSet<Payment> set, long longKey, String textKey, long t,
        Duration lag, List<Sent> sent, FeatureVector v, int[] counts) {
        if (set == MERCHANTS && textKey == null) {
            if (v != null) {
                failures.add("null merchant key produced a vector");
            }
            return;
        }
        ReferenceModel<Payment> model = new ReferenceModel<>(set);
        boolean affected = false;
        for (Sent s : sent) {
            Payment e = s.event();
            boolean sameKey = set == MERCHANTS ? textKey.equals(e.merchant().toString()) : e.userId() == longKey;
            if (!sameKey) {
                continue;
            }
            boolean qualifies = e.tsMs() < t && s.knownMs() <= t + lag.toMillis();
            long horizon = t + lag.toMillis();
            affected |= e.tsMs() >= t && s.knownMs() <= horizon || e.tsMs() < t && s.knownMs() > horizon;
            if (qualifies) {
                model.apply(e.copy(), s.knownMs());
            }
        }
        ReferenceModel.Expected expected = set == MERCHANTS ? model.expected(textKey, t) : model.expected(longKey, t);
        List<String> diff = expected.mismatches(v);
        if (!diff.isEmpty()) {
            failures.add(set.name() + " key=" + (textKey != null ? textKey : longKey) + " t=" + t + ": " + diff);
        }
        if (set == USERS) {
            counts[0] += v.status() != VectorStatus.MISSING ? 1 : 0;
            counts[1] += v.status() == VectorStatus.MISSING ? 1 : 0;
            counts[2] += v.status() == VectorStatus.STALE ? 1 : 0;
            counts[3] += affected ? 1 : 0;
        }
    }

    // --- streams, labels, producing -----------------------------------------------------------------------------

    private static TrainingSet.Builder<Label> builder(FreshetKafka broker, String topic, List<Label> labels,
        Duration lag) {
        Source<Payment> source = Source.of(topic, new PaymentCodec()).onBadRecord(BadRecordPolicy.SKIP);
        return TrainingSet.forLabels(labels, Label::timeMs)
            .labelColumn("fraud", Label::fraud)
            .features(USERS, Label::user, source)
            .featuresByTextKey(MERCHANTS, Label::merchant, source)
            .from(MigrationStart.logStart())
            .asOfKnownTime(lag)
            .kafka(broker.clientProperties());
    }
}
