package io.freshet.kafka;

import static io.freshet.kafka.PipelineFixtures.NOW;
import static io.freshet.kafka.PipelineFixtures.USER_RISK;
import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.ManualClock;
import io.freshet.kafka.metrics.FreshetMetrics;
import io.freshet.testkit.FreshetKafka;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * End-to-end freshness on the real broker: {@link FreshnessProbe} heartbeats reach every partition, an idle one
 * included, are never applied or counted as bad, and give each partition an age; a freshness SLO stays OK while they
 * flow, breaches (gauge, status, listener) once the probe stops, and recovers when it runs again. The same scrape
 * checks that every metric the committed Grafana dashboard queries is exported.
 */
class FreshnessSloTest {
    @RegisterExtension
    static final FreshetKafka KAFKA = FreshetKafka.create();

    private static final String SET = USER_RISK.name();

    @Test
    void heartbeatsKeepAnIdlePartitionFreshAndTheSloBreachesWhenTheyStop(FreshetKafka broker) throws Exception {
        String topic = broker.uniqueName("slo");
        broker.createTopic(topic, 3);
        List<Payment> events = PipelineFixtures.stream(101, 600, 30);
        try (KafkaProducer<Long, byte[]> pr = PipelineFixtures.producer(broker)) {
            for (Payment e : events) {
                // Partitions 0 and 1 only: partition 2 carries nothing but heartbeats.
                pr.send(new ProducerRecord<>(topic, (int) (e.userId & 1), e.userId, PaymentCodec.encode(e))).get();
            }
        }
        List<SloStatus> transitions = new CopyOnWriteArrayList<>();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        FreshnessProbe probe = FreshnessProbe.start(PipelineFixtures.producerProps(broker), Duration.ofMillis(100),
            topic);
        try (FeaturePipeline p = FeaturePipeline.builder()
                .kafka(PipelineFixtures.pipelineProps(broker))
                .clock(new ManualClock(NOW))
                .register(USER_RISK, PipelineFixtures.memoryStore(USER_RISK, 2), Source.of(topic, new PaymentCodec()))
                .freshnessSlo(USER_RISK, 99, Duration.ofMillis(1_500), Duration.ofSeconds(2))
                .onSloTransition(transitions::add)
                .start();
            FreshetMetrics bound = FreshetMetrics.bind(p, registry, Tags.empty(), Duration.ofMillis(100))) {
            assertThat(p.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            // Both per-partition gauges follow the binder's refresh (every 100 ms here) of what the consumers
            // published: wait for a scrape that has every partition in both before reading one.
            await("heartbeats and lag of every partition published", () -> {
                PrometheusScrape now = scrape(registry);
                return now.find("freshet_heartbeat_age_seconds", "topic", topic).size() == 3
                    && now.find("freshet_lag_records", "topic", topic).size() == 3;
            });
            PrometheusScrape s = scrape(registry);
            for (int partition = 0; partition < 3; partition++) {
                assertThat(s.value("freshet_heartbeat_age_seconds", "topic", topic, "partition", "" + partition))
                    .as("partition %d (2 is idle)", partition).isGreaterThanOrEqualTo(0).isLessThan(60);
            }
            PipelineMetrics m = p.metrics();
            assertThat(m.set(SET).applied()).as("heartbeats are never applied").isEqualTo(events.size());
            assertThat(m.set(SET).badRecords()).as("nor counted as bad").isZero();
            assertThat(p.storeRows(USER_RISK)).isEqualTo(events.stream().map(e -> e.userId).distinct().count());
            assertThat(p.status(USER_RISK).state()).isEqualTo(SetStatus.State.RUNNING);
            assertThat(p.failure()).isNull();
            await("SLO OK with heartbeats flowing", () -> p.sloStatus(USER_RISK).state() == SloStatus.State.OK
                && p.sloStatus(USER_RISK).measuredMs() >= 0);
            assertThat(s.value("freshet_slo_bound_seconds", "set", SET)).isEqualTo(1.5);
            assertDashboardQueriesOnlyExportedMetrics(s);

            probe.close();
            long stoppedMs = System.currentTimeMillis();
            await("SLO breached after the probe stopped",
                () -> p.sloStatus(USER_RISK).state() == SloStatus.State.BREACHED);
            SloStatus breached = p.sloStatus(USER_RISK);
            assertThat(breached.measuredMs()).isGreaterThan(1_500);
            await("breach on the gauge", () -> scrape(registry).value("freshet_slo_breached", "set", SET) == 1);
            System.out.printf("SLO breached %d ms after the probe stopped: %s%n", breached.sinceMs() - stoppedMs,
                breached);

            probe = FreshnessProbe.start(PipelineFixtures.producerProps(broker), Duration.ofMillis(100), topic);
            await("SLO recovered once heartbeats flow again",
                () -> p.sloStatus(USER_RISK).state() == SloStatus.State.OK);
            assertThat(scrape(registry).value("freshet_slo_breached", "set", SET)).isZero();
            assertThat(transitions).extracting(SloStatus::state)
                .containsExactly(SloStatus.State.BREACHED, SloStatus.State.OK);
            assertThat(transitions.get(0).set()).isEqualTo(SET);
            assertThat(p.metrics().set(SET).applied()).isEqualTo(events.size());
            assertThat(bound).isNotNull();
        } finally {
            probe.close();
        }
    }

    /**
     * Every {@code freshet_*} name in every query of the committed dashboard is a sample of a real scrape, with the
     * labels the query selects ({@code name{label="value"}}) and groups by ({@code by (label, ...)}), so that no panel
     * of the dashboard stays empty for want of a series.
     */
    private static void assertDashboardQueriesOnlyExportedMetrics(PrometheusScrape s) throws Exception {
        String json;
        try (InputStream in = FreshetMetrics.class.getResourceAsStream("freshet-dashboard.json")) {
            assertThat(in).as("dashboard resource").isNotNull();
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Matcher expr = Pattern.compile("\"expr\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(json);
        Pattern metric = Pattern.compile("\\bfreshet_[a-z0-9_]+(?:\\{([^}]*)})?");
        Pattern selector = Pattern.compile("([a-z_]+)=\\\\\"([^\\\\\"]*)\\\\\"");
        Pattern by = Pattern.compile("\\bby \\(([^)]*)\\)");
        Set<String> exported = new TreeSet<>();
        s.samples().forEach(x -> exported.add(x.name()));
        List<String> queried = new ArrayList<>();
        int queries = 0;
        while (expr.find()) {
            queries++;
            String query = expr.group(1);
            List<String> grouped = new ArrayList<>();
            Matcher g = by.matcher(query);
            while (g.find()) {
                for (String label : g.group(1).split(",")) {
                    grouped.add(label.trim());
                }
            }
            Matcher m = metric.matcher(query);
            boolean any = false;
            while (m.find()) {
                String name = m.group().replaceFirst("\\{.*", "");
                queried.add(name);
                any = true;
                List<String> labels = new ArrayList<>();
                if (m.group(1) != null) {
                    Matcher l = selector.matcher(m.group(1));
                    while (l.find()) {
                        labels.add(l.group(1));
                        labels.add(l.group(2));
                    }
                }
                List<PrometheusScrape.Sample> series = s.find(name, labels.toArray(String[]::new));
                assertThat(series).as("series of %s%s in query %s", name, labels, query).isNotEmpty();
                for (String label : grouped) {
                    assertThat(series).as("label %s of %s, grouped by in query %s", label, name, query)
                        .allMatch(x -> x.labels().containsKey(label));
                }
            }
            assertThat(any).as("query names a freshet metric: %s", query).isTrue();
        }
        assertThat(queries).as("dashboard queries").isGreaterThanOrEqualTo(10);
        assertThat(exported).as("metrics the dashboard queries, against the scrape").containsAll(queried);
    }

    private static PrometheusScrape scrape(PrometheusMeterRegistry registry) {
        return new PrometheusScrape(registry.scrape());
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(20);
        }
    }
}
