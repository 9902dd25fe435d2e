package io.freshet.kafka;

import static io.freshet.kafka.PipelineFixtures.NOW;
import static io.freshet.kafka.PipelineFixtures.USER_RISK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.freshet.core.FeatureReader;
import io.freshet.core.FeatureVector;
import io.freshet.core.ManualClock;
import io.freshet.kafka.metrics.FreshetMetrics;
import io.freshet.testkit.FreshetKafka;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link FreshetMetrics} on a real {@link PrometheusMeterRegistry} over a real broker: the scraped text carries every
 * meter by name and tags, with the values the test caused (17 undecodable records, 5 with a negative time, 2 with a
 * non-finite amount, 3 dead-lettered, a known number of reads of known ages), and the meters are gone once the
 * pipeline closes.
 */
class FreshetMetricsPrometheusTest {
    @RegisterExtension
    static final FreshetKafka KAFKA = FreshetKafka.create();

    private static final int USERS = 60;
    private static final String SET = USER_RISK.name();

    @Test
    void scrapeCarriesEveryMeterWithTheValuesTheTestCaused(FreshetKafka broker) throws Exception {
        String topic = broker.uniqueName("prom");
        String side = broker.uniqueName("prom-side");
        String dlq = broker.uniqueName("prom-dlq");
        broker.createTopic(topic, 3);
        broker.createTopic(side, 1);
        broker.createTopic(dlq, 1);
        List<Payment> good = PipelineFixtures.stream(81, 2_000, USERS);
        PipelineFixtures.produce(broker, topic, good);
        try (KafkaProducer<Long, byte[]> pr = PipelineFixtures.producer(broker)) {
            for (int i = 0; i < 17; i++) {
                pr.send(new ProducerRecord<>(topic, (long) i, new byte[] {1, 2, 3})).get();
            }
            for (int i = 0; i < 5; i++) {
                pr.send(new ProducerRecord<>(topic, (long) i, PaymentCodec.encode(
                    new Payment(i, "m-1", -1_000 - i, 10, false)))).get();
            }
            for (int i = 0; i < 2; i++) {
                pr.send(new ProducerRecord<>(topic, (long) i, PaymentCodec.encode(
                    new Payment(i, "m-1", NOW - 1_000, Double.NaN, false)))).get();
            }
            for (int i = 0; i < 3; i++) {
                pr.send(new ProducerRecord<>(side, (long) i, new byte[] {9})).get();
            }
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Tags extra = Tags.of("pipeline", "prom");
        FeaturePipeline p = FeaturePipeline.builder()
            .kafka(PipelineFixtures.pipelineProps(broker))
            .clock(new ManualClock(NOW))
            .register(USER_RISK, PipelineFixtures.memoryStore(USER_RISK, 2),
                Source.of(topic, new PaymentCodec()).onBadRecord(BadRecordPolicy.SKIP),
                Source.of(side, new PaymentCodec()).deadLetterTo(dlq))
            .start();
        try (p; FreshetMetrics bound = FreshetMetrics.bind(p, registry, extra, Duration.ofMillis(100))) {
            assertThat(p.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            PipelineMetrics snapshot = p.metrics();
            PipelineMetrics.SetCounts counts = snapshot.set(SET);
            assertThat(counts.applied()).isEqualTo(good.size());

            // A refresh takes the stage totals first and the readers' figures after: one that began before the
            // pipeline caught up and was descheduled in between (2 shared cores) published every read beside part of
            // the stream applied (once 516 of 2,000). So the reads start only once a refresh has the stage counts
            // the pipeline had when it caught up (final then): every refresh that sees a read sees them too.
            awaitScrape(registry, x -> x.find("freshet_freshness_seconds_count").size() == 4
                && x.value("freshet_freshness_seconds_count", "stage", "poll_to_applied")
                    == snapshot.pollToApplied().count()
                && x.value("freshet_freshness_seconds_count", "stage", "broker_to_poll")
                    == snapshot.brokerToPoll().count()
                && x.value("freshet_freshness_seconds_count", "stage", "event_to_broker")
                    == snapshot.eventToBroker().count());

            FeatureReader reader = p.reader(USER_RISK);
            FeatureVector v = USER_RISK.newVector();
            int reads = 0;
            long maxAgeMs = 0;
            double sumAgeMs = 0;
            Set<Long> users = new HashSet<>();
            good.forEach(e -> users.add(e.userId));
            long readsStartNs = System.nanoTime();
            for (long user : users) {
                for (int i = 0; i < 3; i++) {
                    assertThat(reader.read(user, v)).isTrue();
                    long age = v.readTimeMs() - v.rowEventTimeMs();
                    maxAgeMs = Math.max(maxAgeMs, age);
                    sumAgeMs += age;
                    reads++;
                }
            }
            assertThat(reader.read(1_000_000L, v)).as("an absent key reads, and records no age").isFalse();
            double readsWallSeconds = (System.nanoTime() - readsStartNs) / 1e9;
            final int servedReads = reads;
            PrometheusScrape s = awaitScrape(registry, x -> x.find("freshet_served_age_seconds_count").size() == 1
                && x.value("freshet_served_age_seconds_count", "set", SET) == servedReads
                && !Double.isNaN(x.value("freshet_served_age_max_seconds", "set", SET))
                && x.value("freshet_read_latency_seconds_count", "set", SET) == servedReads + 1);

            // Records, by what happened to them.
            assertThat(s.value("freshet_records_applied_total", "set", SET, "pipeline", "prom"))
                .isEqualTo(good.size());
            assertThat(s.value("freshet_records_skipped_total", "set", SET)).isEqualTo(17 + 5 + 2);
            assertThat(s.value("freshet_records_dead_lettered_total", "set", SET)).isEqualTo(3);
            assertThat(s.value("freshet_records_rejected_total", "set", SET)).isEqualTo(5 + 2);
            assertThat(s.value("freshet_records_bad_total", "set", SET, "reason", "DECODE_ERROR")).isEqualTo(17 + 3);
            assertThat(s.value("freshet_records_bad_total", "set", SET, "reason", "NEGATIVE_TIME")).isEqualTo(5);
            assertThat(s.value("freshet_records_bad_total", "set", SET, "reason", "NON_FINITE_VALUE")).isEqualTo(2);
            assertThat(s.find("freshet_records_bad_total", "set", SET)).as("one sample per reason")
                .hasSize(BadRecordReason.values().length);
            assertThat(counts.late()).as("the stream has 3 h late events").isPositive();
            assertThat(s.value("freshet_records_late_total", "set", SET)).isEqualTo(counts.late());
            assertThat(s.value("freshet_records_duplicate_total", "set", SET)).isZero();
            assertThat(s.value("freshet_records_store_full_total", "set", SET)).isZero();
            assertThat(s.value("freshet_backpressure_pauses_total", "pipeline", "prom")).isEqualTo(snapshot.pauses());

            // Store and status.
            assertThat(s.value("freshet_store_rows", "set", SET)).isEqualTo(users.size());
            assertThat(s.value("freshet_store_capacity_rows", "set", SET)).isEqualTo(1_000_000);
            assertThat(s.value("freshet_set_status", "set", SET, "state", "RUNNING")).isEqualTo(1);
            for (SetStatus.State other : SetStatus.State.values()) {
                if (other != SetStatus.State.RUNNING) {
                    assertThat(s.value("freshet_set_status", "set", SET, "state", other.name())).isZero();
                }
            }

            // Lag: every partition of both sources, all consumed.
            List<String> partitions = new ArrayList<>();
            for (PrometheusScrape.Sample l : s.find("freshet_lag_records", "pipeline", "prom")) {
                partitions.add(l.labels().get("topic") + "-" + l.labels().get("partition"));
                assertThat(l.value()).as("lag of %s", l.labels()).isZero();
            }
            assertThat(partitions).containsExactlyInAnyOrder(topic + "-0", topic + "-1", topic + "-2", side + "-0");

            // Freshness per stage: counts since start equal the pipeline's own histograms; sums in seconds.
            PipelineMetrics later = p.metrics();
            assertThat(s.value("freshet_freshness_seconds_count", "stage", "poll_to_applied")).as(s.text())
                .isEqualTo(good.size());
            assertThat(s.value("freshet_freshness_seconds_sum", "stage", "poll_to_applied")).isCloseTo(
                later.pollToApplied().mean() * good.size() / 1e6, within(1e-3 + later.pollToApplied().mean() * 1e-3));
            assertThat(s.value("freshet_freshness_seconds_count", "stage", "broker_to_poll"))
                .isEqualTo(later.brokerToPoll().count());
            assertThat(s.value("freshet_freshness_seconds_count", "stage", "event_to_broker"))
                .isEqualTo(later.eventToBroker().count());
            assertThat(s.value("freshet_freshness_seconds_count", "stage", "applied_to_served")).isEqualTo(reads);
            for (String stage : new String[] {"event_to_broker", "broker_to_poll", "poll_to_applied",
                "applied_to_served"}) {
                for (String q : new String[] {"0.5", "0.9", "0.99", "0.999"}) {
                    assertThat(s.find("freshet_freshness_percentile_seconds", "stage", stage, "quantile", q))
                        .as("stage %s quantile %s", stage, q).hasSize(1);
                }
                assertThat(s.find("freshet_freshness_max_seconds", "stage", stage)).hasSize(1);
            }

            // Served age: the reads' own ages (the histogram's buckets are at most 6.25 % wide).
            assertThat(s.value("freshet_served_age_seconds_sum", "set", SET))
                .isCloseTo(sumAgeMs / 1e3, within(sumAgeMs / 1e3 * 0.07));
            assertThat(s.value("freshet_served_age_max_seconds", "set", SET))
                .isCloseTo(maxAgeMs / 1e3, within(maxAgeMs / 1e3 * 0.07 + 1e-3));
            assertThat(s.value("freshet_served_age_percentile_seconds", "set", SET, "quantile", "0.5"))
                .isBetween(0.0, maxAgeMs / 1e3 * 1.07);

            // Apply latency: the set's share of poll → applied (its only set here: all of it).
            assertThat(s.value("freshet_apply_latency_seconds_count", "set", SET, "pipeline", "prom"))
                .isEqualTo(good.size());
            assertThat(s.value("freshet_apply_latency_seconds_sum", "set", SET))
                .isEqualTo(s.value("freshet_freshness_seconds_sum", "stage", "poll_to_applied"));
            for (String q : new String[] {"0.5", "0.9", "0.99", "0.999"}) {
                assertThat(s.find("freshet_apply_latency_percentile_seconds", "set", SET, "quantile", q)).hasSize(1);
                assertThat(s.find("freshet_read_latency_percentile_seconds", "set", SET, "quantile", q)).hasSize(1);
            }
            assertThat(s.find("freshet_apply_latency_max_seconds", "set", SET)).hasSize(1);

            // Read latency: every read, the absent key's too; together no longer than the loop that made them.
            assertThat(s.value("freshet_read_latency_seconds_sum", "set", SET))
                .isPositive().isLessThanOrEqualTo(readsWallSeconds * 1.07);
            assertThat(s.value("freshet_read_latency_max_seconds", "set", SET))
                .isPositive().isLessThanOrEqualTo(readsWallSeconds * 1.07);
            assertThat(s.value("freshet_read_latency_percentile_seconds", "set", SET, "quantile", "0.5"))
                .isPositive().isLessThanOrEqualTo(s.value("freshet_read_latency_max_seconds", "set", SET) * 1.07);
            assertThat(bound).isNotNull();
        }
        assertThat(new PrometheusScrape(registry.scrape()).samples()).as("no meter left once the pipeline closed")
            .noneMatch(x -> x.name().startsWith("freshet_"));
    }

    private static PrometheusScrape awaitScrape(PrometheusMeterRegistry registry, Predicate<PrometheusScrape> ready)
        throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        PrometheusScrape s = new PrometheusScrape(registry.scrape());
        while (!ready.test(s)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the scrape never got ready:\n" + s.text());
            }
            Thread.sleep(50);
            s = new PrometheusScrape(registry.scrape());
        }
        return s;
    }
}
