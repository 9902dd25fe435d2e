package io.freshet.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshet.kafka.metrics.TrainingMetrics;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** {@link TrainingMetrics} on a real {@link PrometheusMeterRegistry}: each gauge carries the report it was handed. */
class TrainingMetricsTest {

    @Test
    void gaugesFollowTheRunsReportsAndLeaveOnClose() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        TrainingMetrics metrics = TrainingMetrics.bind(registry, "daily", Tags.of("app", "fraud"));
        PrometheusScrape before = new PrometheusScrape(registry.scrape());
        assertThat(before.find("freshet_training_labels_done_labels", "run", "daily", "app", "fraud"))
            .singleElement().satisfies(s -> assertThat(s.value()).isNaN());

        Consumer<TrainingProgress> listener = metrics.listener();
        listener.accept(new TrainingProgress(250, 1_000, 40_000, 90_000, 125.0, Duration.ofSeconds(2), false));
        PrometheusScrape mid = new PrometheusScrape(registry.scrape());
        assertThat(value(mid, "freshet_training_labels_done_labels")).isEqualTo(250);
        assertThat(value(mid, "freshet_training_labels_total_labels")).isEqualTo(1_000);
        assertThat(value(mid, "freshet_training_records_read_records")).isEqualTo(40_000);
        assertThat(value(mid, "freshet_training_records_todo_records")).isEqualTo(90_000);
        assertThat(value(mid, "freshet_training_percent_done_percent")).isEqualTo(25.0);
        assertThat(value(mid, "freshet_training_rows_rate_rows")).isEqualTo(125.0);
        assertThat(value(mid, "freshet_training_eta_seconds")).as("2 s for 25%%: 6 s left").isEqualTo(6.0);
        assertThat(value(mid, "freshet_training_complete")).isZero();

        listener.accept(new TrainingProgress(7, -1, 0, 0, 3.5, Duration.ofSeconds(2), false));
        PrometheusScrape unknown = new PrometheusScrape(registry.scrape());
        assertThat(value(unknown, "freshet_training_labels_total_labels")).as("total not known").isNaN();
        assertThat(value(unknown, "freshet_training_eta_seconds")).as("no share done: no ETA").isNaN();

        listener.accept(new TrainingProgress(1_000, 1_000, 90_000, 90_000, 500.0, Duration.ofSeconds(2), true));
        PrometheusScrape done = new PrometheusScrape(registry.scrape());
        assertThat(value(done, "freshet_training_complete")).isEqualTo(1);
        assertThat(value(done, "freshet_training_eta_seconds")).isZero();
        assertThat(value(done, "freshet_training_percent_done_percent")).isEqualTo(100.0);

        metrics.close();
        assertThat(new PrometheusScrape(registry.scrape()).samples()).as("no gauge left once closed").isEmpty();
    }

    @Test
    void aRunMustBeNamed() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        assertThatThrownBy(() -> TrainingMetrics.bind(registry, " ")).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("'run' tag");
    }

    private static double value(PrometheusScrape s, String name) {
        return s.find(name, "run", "daily").get(0).value();
    }
}
