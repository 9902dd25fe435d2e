package io.freshet.examples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.freshet.core.FeatureReader;
import io.freshet.core.FeatureVector;
import io.freshet.core.FeatureView;
import io.freshet.core.ViewReader;
import io.freshet.core.ViewRequest;
import io.freshet.core.ViewVector;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Serves the features of the demo's users over HTTP on the loopback interface only, with the JDK's built-in server:
 * {@code GET /features/{user}} (every feature, its age, the vector status) and {@code GET /score/{user}} (the
 * {@link RiskScore} with its terms and the features it read); see {@link FeatureJson} for the documents. Each read
 * goes through the pipeline's {@link FeatureReader} into a vector owned by the serving thread. A user the store has
 * no row for answers 200 with {@code "status":"MISSING"} (a new user is a valid question); a path that is not a
 * positive user id answers 400, an unknown path 404, a method other than GET 405, all with a JSON error. With a
 * {@link LivePage}, the same port also serves the live page at {@code /} and the Prometheus scrape at
 * {@code /metrics}. With a trained {@link FraudModel} (the train-and-serve demo), {@code GET /score/{user}} answers the
 * model's probability of fraud instead, read through the model's {@code FeatureView} with the payment's
 * {@code ?amount=A} as its request parameter (without it, the request-time columns read missing); the hand-set
 * score stays beside it as the baseline.
 *
 * <p>Threading: requests run on {@value #THREADS} daemon threads; {@link #close()} from any thread.
 */
public final class FeatureServer implements AutoCloseable {
    /** Request threads. */
    public static final int THREADS = 2;

    private final HttpServer server;
    private final ExecutorService executor;
    private final FeatureReader reader;
    private final LivePage page;
    private final RiskScore model;
    private final FraudModel trained;
    private final ServedScores servedScores;
    private final ThreadLocal<FeatureVector> vectors;
    private final ThreadLocal<double[]> scratch;
    /** The trained model's view, its reader and per request thread its request and vector (null without a model). */
    private final ViewReader viewReader;
    private final ThreadLocal<ViewRequest> viewRequests;
    private final ThreadLocal<ViewVector> viewVectors;
    private final int userSlot;
    private final int amountSlot;
    private final AtomicLong requests = new AtomicLong();

    private FeatureServer(HttpServer server, FeatureReader reader, LivePage page, FraudModel trained,
        ServedScores servedScores) {
        this.server = server;
        this.reader = reader;
        this.page = page;
        this.model = new RiskScore(reader.featureSet());
        this.trained = trained;
        this.servedScores = servedScores;
        this.vectors = ThreadLocal.withInitial(reader.featureSet()::newVector);
        int width = trained == null ? 0 : trained.columns().width();
        this.scratch = ThreadLocal.withInitial(() -> new double[Math.max(width, RiskScore.TERMS.size())]);
        FeatureView view = trained == null ? null : trained.columns().view();
        this.viewReader = view == null ? null : view.reader(reader);
        this.viewRequests = view == null ? null : ThreadLocal.withInitial(view::newRequest);
        this.viewVectors = view == null ? null : ThreadLocal.withInitial(view::newVector);
        this.userSlot = view == null ? -1 : view.keySlot("user_id");
        this.amountSlot = view == null ? -1 : view.paramSlot(ModelColumns.AMOUNT);
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "freshet-demo-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
    }

    /**
     * Binds 127.0.0.1 and starts serving.
     *
     * @param port TCP port, 0 for any free port
     * @param reader the reader of the user-risk set
     * @return the running server
     * @throws BindException when the port is taken
     * @throws IOException when the server cannot start
     */
    public static FeatureServer start(int port, FeatureReader reader) throws IOException {
        return start(port, reader, null);
    }

    /**
     * Binds 127.0.0.1 and starts serving the features and, when given, the live page.
     *
     * @param port TCP port, 0 for any free port
     * @param reader the reader of the user-risk set
     * @param page the live page and {@code /metrics}, or null for none
     * @return the running server
     * @throws BindException when the port is taken
     * @throws IOException when the server cannot start
     */
    static FeatureServer start(int port, FeatureReader reader, LivePage page) throws IOException {
        return start(port, reader, page, null, null);
    }

    /**
     * Binds 127.0.0.1 and serves the features and the trained model's scores.
     *
     * @param port TCP port, 0 for any free port
     * @param reader the reader of the user-risk set
     * @param page the live page and {@code /metrics}, or null for none
     * @param trained the model {@code /score} answers with, or null for the hand-set score
     * @param servedScores where served scores are recorded (when it records), or null
     * @return the running server
     * @throws BindException when the port is taken
     * @throws IOException when the server cannot start
     */
    static FeatureServer start(int port, FeatureReader reader, LivePage page, FraudModel trained,
        ServedScores servedScores) throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
        FeatureServer s = new FeatureServer(http, reader, page, trained, servedScores);
        http.start();
        return s;
    }

    /** @return the bound port */
    public int port() {
        return server.getAddress().getPort();
    }

    /** @return requests answered so far */
    public long requests() {
        return requests.get();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            requests.incrementAndGet();
            if (!"GET".equals(ex.getRequestMethod())) {
                ex.getResponseHeaders().set("Allow", "GET");
                reply(ex, 405, FeatureJson.error("method=" + ex.getRequestMethod() + " is not allowed: use GET"));
                return;
            }
            String path = ex.getRequestURI().getPath();
            if (page != null && page.serves(path)) {
                page.handle(ex);
                return;
            }
            boolean features = path.startsWith("/features/");
            boolean score = path.startsWith("/score/");
            if (!features && !score) {
                reply(ex, 404,
                    FeatureJson.error("path=" + path + " is unknown: use /features/{user} or /score/{user}"
                        + (page == null ? "" : ", or / for the live page and /metrics for Prometheus")));
                return;
            }
            String id = path.substring(features ? "/features/".length() : "/score/".length());
            long user;
            try {
                user = Long.parseLong(id);
            } catch (NumberFormatException e) {
                user = -1;
            }
            if (user <= 0) {
                reply(ex, 400,
                    FeatureJson.error("user=" + id + " is not a user id: use a positive integer, e.g. /features/1"));
                return;
            }
            if (score && trained != null) {
                String doc;
                try {
                    doc = trainedScore(user, ex.getRequestURI().getRawQuery());
                } catch (IllegalArgumentException e) {
                    reply(ex, 400, FeatureJson.error(e.getMessage()));
                    return;
                }
                reply(ex, 200, doc);
                return;
            }
            FeatureVector v = vectors.get();
            reader.read(user, v);
            reply(ex, 200, features ? FeatureJson.features(user, v) : FeatureJson.score(user, v, model));
        } catch (RuntimeException e) {
            reply(ex, 500, FeatureJson.error("read failed: " + e));
        }
    }

    /**
     * The trained model's document: {@code {"user","status","model","score","handSetScore","amount"}}, from one read
     * of the model's view with the request's amount as its parameter (NaN without one: the request-time columns read
     * missing). A bad query parameter throws IllegalArgumentException, answered 400 by the caller.
     */
    private String trainedScore(long user, String query) {
        double amount = Double.NaN;
        if (query != null) {
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                String name = eq < 0 ? pair : pair.substring(0, eq);
                String value = eq < 0 ? "" : pair.substring(eq + 1);
                if ("amount".equals(name)) {
                    amount = parsePositive(value);
                } else if (!name.isEmpty()) {
                    throw new IllegalArgumentException("query parameter " + name + " is unknown: use amount, e.g."
                        + " /score/97?amount=120.5");
                }
            }
        }
        ViewRequest request = viewRequests.get();
        ViewVector v = viewVectors.get();
        request.key(userSlot, user).param(amountSlot, amount);
        viewReader.read(request, v);
        double[] x = scratch.get();
        double p = trained.score(v, x);
        if (servedScores != null) {
            servedScores.record(user, v, amount, p);
        }
        FeatureVector userVector = v.vectorOf(reader.featureSet());
        double handSet = model.evaluate(userVector, x);
        return String.format(Locale.ROOT, "{\"user\":%d,\"status\":\"%s\",\"model\":\"tribuo logistic"
            + " regression\",\"score\":%s,\"handSetScore\":%s,\"amount\":%s}", user, userVector.status(), p,
            handSet, Double.isNaN(amount) ? "null" : Double.toString(amount));
    }

    private static double parsePositive(String value) {
        double d;
        try {
            d = Double.parseDouble(value);
        } catch (NumberFormatException e) {
            d = Double.NaN;
        }
        if (!(d > 0) || Double.isInfinite(d)) {
            throw new IllegalArgumentException("amount=" + value + " is not a positive amount: use e.g. amount=120.5");
        }
        return d;
    }

    private static void reply(HttpExchange ex, int code, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        ex.sendResponseHeaders(code, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    /** Stops accepting, lets requests in flight finish (up to 1 s), and stops the request threads. */
    @Override
    public void close() {
        server.stop(1);
        executor.shutdown();
        try {
            executor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
