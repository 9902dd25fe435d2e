package io.freshet.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loads the fraud demo's live page in a real headless Chromium while the demo runs on its embedded broker: waits until
 * every plot has points, checks that the page loaded nothing but the demo's own files and threw nothing, then, once
 * the run is over, that the numbers on the page are the ones {@code /metrics} reports. Saves a screenshot to
 * {@code target/live-page/live-page.png}.
 *
 * <p>Skipped when no Chromium is installed (a developer's machine), unless {@code FRESHET_REQUIRE_CHROMIUM=true} (or
 * {@code -Dfreshet.requireChromium=true}): {@code .ci/run} sets it, so there a missing browser fails the build. No
 * timing assertions: every wait is a bounded poll.
 */
class LivePageBrowserTest {
    static final String REQUIRE_PROPERTY = "freshet.requireChromium";
    private static final Path ARTIFACTS = Path.of("target", "live-page");
    private static final Duration WAIT = Duration.ofSeconds(45);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void livePagePlotsTheRunAndShowsWhatMetricsReports(@TempDir Path work) throws Exception {
        Path chromium = HeadlessChromium.find();
        if (chromium == null || !Files.isExecutable(chromium)) {
            String why = "no Chromium at " + (chromium == null ? "/usr/bin/chromium" : chromium)
                + " (install Debian's chromium, or name one with -D" + HeadlessChromium.BINARY_PROPERTY + ")";
            if (Boolean.parseBoolean(System.getProperty(REQUIRE_PROPERTY, System.getenv("FRESHET_REQUIRE_CHROMIUM")))) {
                fail(why + ", and FRESHET_REQUIRE_CHROMIUM / -D" + REQUIRE_PROPERTY + " asks for the browser test");
            }
            Assumptions.abort(why + ": the live page's browser test is skipped");
        }
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        FraudDemoOptions options = FraudDemoOptions.parse("--duration", "8s", "--port", "0", "--rate", "2000",
            "--users", "2000", "--partitions", "3");
        try (FraudDemo demo = FraudDemo.start(options, out)) {
            // The demo's seconds start with production (in start): run its loop before the browser starts.
            CompletableFuture<FraudDemoSummary> run = CompletableFuture.supplyAsync(() -> {
                try {
                    return demo.runToEnd();
                } catch (Exception e) {
                    throw new IllegalStateException("the demo failed", e);
                }
            });
            try (HeadlessChromium browser = HeadlessChromium.start(chromium, work, 1240, 1000)) {
                check(demo, run, browser);
            }
        }
    }

    private void check(FraudDemo demo, CompletableFuture<FraudDemoSummary> run, HeadlessChromium browser)
        throws Exception {
        String base = "http://127.0.0.1:" + demo.httpPort();
        browser.navigate(base + "/");

        // Live: the plots fill while payments are produced (the run lasts 8 s; three points is well inside).
        JsonNode live = awaitPage(browser, "every plot has 3 points with data, while the demo produces",
            p -> p.path("ratePoints").asInt() >= 3 && p.path("freshPoints").asInt() >= 3
                && p.path("lagPoints").asInt() >= 3);
        assertThat(live.path("canvases").asInt()).as("uPlot drew three canvases").isEqualTo(3);
        assertThat(live.path("appliedPerSMax").asDouble()).as("records applied per second").isPositive();

        run.get(WAIT.toSeconds() + FraudDemo.DRAIN_TIMEOUT_S, TimeUnit.SECONDS);
        JsonNode done = awaitPage(browser, "the page shows the run's last point", p -> p.path("finished")
            .asBoolean());
        // The page's tiles against the Prometheus scrape: production has stopped and the pipeline has applied
        // everything, so nothing moves any more; the binder refreshes once a second, so poll until it has.
        long applied = done.path("applied").asLong();
        long rows = done.path("storeRows").asLong();
        String scrape = awaitScrape(base, s -> s.contains("freshet_records_applied_total")
            && PrometheusText.value(s, "freshet_records_applied_total", "set=\"user_risk\"") == applied
            && PrometheusText.value(s, "freshet_store_rows", "set=\"user_risk\"") == rows
            && PrometheusText.sum(s, "freshet_lag_records") == 0);
        Files.createDirectories(ARTIFACTS);
        browser.screenshot(ARTIFACTS.resolve("live-page.png"));
        Files.writeString(ARTIFACTS.resolve("metrics.txt"), scrape);

        assertThat(applied).as("applied on the page").isPositive();
        assertThat((long) PrometheusText.value(scrape, "freshet_store_rows", "set=\"user_risk\""))
            .as("store rows on the page vs /metrics").isEqualTo(rows).isPositive();
        assertThat(done.path("produced").asLong()).as("produced on the page vs /metrics").isPositive()
            .isEqualTo((long) PrometheusText.value(scrape, "freshet_demo_records_produced_records_total"));
        assertThat(done.path("badRecords").asLong()).as("bad records on the page vs /metrics")
            .isEqualTo((long) PrometheusText.sum(scrape, "freshet_records_bad_total", "set=\"user_risk\""));
        assertThat(done.path("state").asText()).isEqualTo("RUNNING");
        assertThat(PrometheusText.value(scrape, "freshet_set_status", "set=\"user_risk\"", "state=\"RUNNING\""))
            .as("status on the page vs /metrics").isEqualTo(1.0);
        assertThat(done.path("lag").asLong()).isZero();
        assertThat(PrometheusText.sum(scrape, "freshet_lag_records")).as("lag on the page vs /metrics").isZero();

        assertThat(browser.exceptions()).as("uncaught exceptions in the page").isEmpty();
        assertThat(done.path("error").asBoolean()).as("the page's error line is hidden").isFalse();
        assertThat(browser.requestedUrls()).as("the page loads only the demo's own files: it works offline")
            .isNotEmpty()
            .allSatisfy(u -> assertThat(u).startsWith(base + "/"));
    }

    /** Polls the page's DOM (and the charts' data) until {@code ready} holds, within {@link #WAIT}. */
    private static JsonNode awaitPage(HeadlessChromium browser, String what, Predicate<JsonNode> ready)
        throws Exception {
        String probe = """
            (() => {
              if (!document.getElementById('updated')) return { loaded: false };
              const v = (id) => document.getElementById(id).dataset.value;
              const filled = (c) => typeof charts === 'undefined' ? 0
                : Math.min(...c.data.slice(1).map((s) => s.filter((x) => x != null).length));
              const up = document.getElementById('updated').dataset;
              return {
                canvases: document.querySelectorAll('.chart canvas').length,
                ratePoints: typeof charts === 'undefined' ? 0 : filled(charts.rate),
                lagPoints: typeof charts === 'undefined' ? 0 : filled(charts.lag),
                freshPoints: typeof charts === 'undefined' ? 0
                  : charts.freshness.data[4].filter((x) => x != null).length,
                appliedPerSMax: typeof charts === 'undefined' ? 0
                  : Math.max(0, ...charts.rate.data[2].filter((x) => x != null)),
                seq: +up.seq, finished: up.finished === 'true',
                produced: v('produced'), applied: v('applied'), lag: v('lag'), state: v('state'),
                storeRows: v('store-rows'), badRecords: v('bad-records'),
                error: !document.getElementById('error').hidden,
              };
            })()""";
        long deadline = System.nanoTime() + WAIT.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = browser.evaluate(probe);
            if (ready.test(last)) {
                return last;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("waited " + WAIT.toSeconds() + " s for: " + what + "; the page showed " + last
            + "; exceptions " + browser.exceptions());
    }

    /** Scrapes {@code /metrics} until {@code agrees} holds, within {@link #WAIT}. */
    private String awaitScrape(String base, Predicate<String> agrees) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        String scrape = get(base + "/metrics");
        while (!agrees.test(scrape)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited " + WAIT.toSeconds() + " s for /metrics to agree with the page;"
                    + " the last scrape:\n" + scrape);
            }
            Thread.sleep(200);
            scrape = get(base + "/metrics");
        }
        return scrape;
    }

    private String get(String url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
            .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("GET %s", url).isEqualTo(200);
        return r.body();
    }
}
