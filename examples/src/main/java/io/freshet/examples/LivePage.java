package io.freshet.examples;

import com.sun.net.httpserver.HttpExchange;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;

/**
 * The demo's live page and Prometheus endpoint, served by {@link FeatureServer} on the same port:
 * <ul>
 *   <li>{@code GET /} the page: plots of freshness p50/p99 per stage, records/s produced and applied, lag, and the
 *       status, polled from {@code /live/series.json} every second;</li>
 *   <li>{@code GET /live/series.json} the {@link LiveSeries} as JSON;</li>
 *   <li>{@code GET /live/*.js|css} the page's script and style, and uPlot (MIT), served from the uPlot WebJar on the
 *       class path: the page loads nothing from anywhere else (its Content-Security-Policy says so), so it works
 *       offline;</li>
 *   <li>{@code GET /metrics} the registry's scrape in Prometheus text format 0.0.4.</li>
 * </ul>
 *
 * <p>Threading: {@link #handle} by the server's request threads, concurrently. The static files are read once, at
 * construction.
 */
final class LivePage {
    /** Where the uPlot WebJar keeps its files: META-INF/resources/webjars/uplot/VERSION/dist/. */
    private static final String UPLOT_POM = "/META-INF/maven/org.webjars.npm/uplot/pom.properties";
    private static final String PAGE_DIR = "/io/freshet/examples/live/";
    /** uPlot sizes its elements through inline styles; every file comes from the demo itself. */
    private static final String CSP =
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'";
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final LiveSeries series;
    private final PrometheusMeterRegistry registry;
    private final Map<String, Asset> assets;

    private record Asset(String contentType, byte[] body) {
    }

    /**
     * @param series what the page plots
     * @param registry what {@code /metrics} scrapes
     * @throws IllegalStateException when the page's files or the uPlot WebJar are missing from the class path
     */
    LivePage(LiveSeries series, PrometheusMeterRegistry registry) {
        this.series = series;
        this.registry = registry;
        String uplot = "/META-INF/resources/webjars/uplot/" + uplotVersion() + "/dist/";
        this.assets = Map.of(
            "/", new Asset("text/html; charset=utf-8", read(PAGE_DIR + "index.html")),
            "/live/live.js", new Asset("text/javascript; charset=utf-8", read(PAGE_DIR + "live.js")),
            "/live/live.css", new Asset("text/css; charset=utf-8", read(PAGE_DIR + "live.css")),
            "/live/uPlot.iife.min.js", new Asset("text/javascript; charset=utf-8", read(uplot + "uPlot.iife.min.js")),
            "/live/uPlot.min.css", new Asset("text/css; charset=utf-8", read(uplot + "uPlot.min.css")));
    }

    /**
     * @param path a request's path
     * @return whether {@link #handle} answers it
     */
    boolean serves(String path) {
        return assets.containsKey(path) || "/live/series.json".equals(path) || "/metrics".equals(path);
    }

    /**
     * Answers a GET of a path {@link #serves} (the caller checked the method).
     *
     * @param ex the exchange, closed by the caller
     * @throws IOException when the client went away
     */
    void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        if ("/metrics".equals(path)) {
            reply(ex, PROMETHEUS_TEXT, registry.scrape().getBytes(StandardCharsets.UTF_8));
        } else if ("/live/series.json".equals(path)) {
            ex.getResponseHeaders().set("Cache-Control", "no-store");
            reply(ex, "application/json; charset=utf-8", series.json().getBytes(StandardCharsets.UTF_8));
        } else {
            Asset a = assets.get(path);
            ex.getResponseHeaders().set("Content-Security-Policy", CSP);
            reply(ex, a.contentType(), a.body());
        }
    }

    private static void reply(HttpExchange ex, String contentType, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.sendResponseHeaders(200, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    private static String uplotVersion() {
        Properties p = new Properties();
        try (InputStream in = LivePage.class.getResourceAsStream(UPLOT_POM)) {
            if (in == null) {
                throw new IllegalStateException("the uPlot WebJar (org.webjars.npm:uplot) is not on the class path:"
                    + " run the demo through Maven (mvn -Pdemo) or add the jar");
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + UPLOT_POM, e);
        }
        return p.getProperty("version");
    }

    private static byte[] read(String resource) {
        try (InputStream in = LivePage.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("resource " + resource + " is missing from the class path:"
                    + " rebuild the examples module");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }
}
