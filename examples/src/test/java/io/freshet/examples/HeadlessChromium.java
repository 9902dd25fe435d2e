package io.freshet.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real headless Chromium (Debian's {@code chromium} package) driven over the Chrome DevTools Protocol on its
 * websocket, with the JDK's own HTTP and websocket clients: nothing downloads a browser or a driver. One page, one
 * connection; the browser runs in a fresh profile under a directory the caller owns and is killed (with the
 * processes it started) by {@link #close()}.
 *
 * <p>Threading: commands from one test thread; events arrive on the websocket's thread and are kept in
 * thread-safe lists.
 */
final class HeadlessChromium implements AutoCloseable {
    /** The environment variable or system property that names the browser binary. */
    static final String BINARY_PROPERTY = "freshet.chromium";
    private static final List<String> CANDIDATES =
        List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);

    private final Process process;
    private final WebSocket socket;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final List<String> exceptions = new CopyOnWriteArrayList<>();
    private final List<String> requestedUrls = new CopyOnWriteArrayList<>();

    private HeadlessChromium(Process process, WebSocket.Builder builder, URI pageSocket) throws Exception {
        this.process = process;
        this.socket = builder.buildAsync(pageSocket, new Listener()).get(30, TimeUnit.SECONDS);
    }

    /** @return the browser binary: {@code -Dfreshet.chromium}, {@code FRESHET_CHROMIUM}, or a Debian path; or null */
    static Path find() {
        String named = System.getProperty(BINARY_PROPERTY, System.getenv("FRESHET_CHROMIUM"));
        if (named != null && !named.isBlank()) {
            return Path.of(named);
        }
        for (String c : CANDIDATES) {
            if (Files.isExecutable(Path.of(c))) {
                return Path.of(c);
            }
        }
        return null;
    }

    /**
     * Starts the browser on {@code about:blank} with a window of the given size and connects to its page.
     *
     * @param binary the browser
     * @param work an empty directory this browser may use (profile, log)
     * @param width window width, px
     * @param height window height, px
     * @return the connected browser
     * @throws Exception when it does not start within 30 s (its log is in the message)
     */
    static HeadlessChromium start(Path binary, Path work, int width, int height) throws Exception {
        Path profile = Files.createDirectories(work.resolve("profile"));
        Path log = work.resolve("chromium.log");
        Process p = new ProcessBuilder(binary.toString(), "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-extensions", "--hide-scrollbars", "--window-size=" + width + "," + height,
            "--user-data-dir=" + profile, "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
            "about:blank")
            .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            // The browser writes its debugging port to the profile once it listens.
            Path portFile = profile.resolve("DevToolsActivePort");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(portFile) || Files.readAllLines(portFile).isEmpty()) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    throw new IOException("chromium did not start (" + (p.isAlive() ? "no port in 30 s" : "exit "
                        + p.exitValue()) + "): " + Files.readString(log));
                }
                Thread.sleep(50);
            }
            int port = Integer.parseInt(Files.readAllLines(portFile).get(0).trim());
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            URI pageSocket = null;
            while (pageSocket == null) {
                JsonNode targets = JSON.readTree(http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/json/list")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
                for (JsonNode t : targets) {
                    if ("page".equals(t.path("type").asText())) {
                        pageSocket = URI.create(t.get("webSocketDebuggerUrl").asText());
                    }
                }
                if (pageSocket == null) {
                    if (System.nanoTime() > deadline) {
                        throw new IOException("chromium has no page target: " + targets);
                    }
                    Thread.sleep(50);
                }
            }
            HeadlessChromium c = new HeadlessChromium(p, http.newWebSocketBuilder(), pageSocket);
            c.send("Runtime.enable", JSON.createObjectNode());
            c.send("Network.enable", JSON.createObjectNode());
            c.send("Page.enable", JSON.createObjectNode());
            return c;
        } catch (Exception | Error e) {
            kill(p);
            throw e;
        }
    }

    /** @param url where the page goes; returns once the browser accepted it (the page loads on) */
    void navigate(String url) throws Exception {
        JsonNode r = send("Page.navigate", JSON.createObjectNode().put("url", url));
        if (r.has("errorText")) {
            throw new IOException("chromium could not load " + url + ": " + r.get("errorText").asText());
        }
    }

    /**
     * @param expression JavaScript evaluated in the page; its value must be JSON-serializable
     * @return the value, as JSON
     */
    JsonNode evaluate(String expression) throws Exception {
        JsonNode r = send("Runtime.evaluate",
            JSON.createObjectNode().put("expression", expression).put("returnByValue", true));
        if (r.has("exceptionDetails")) {
            throw new IllegalStateException("the page threw on " + expression + ": " + r.get("exceptionDetails"));
        }
        return r.path("result").path("value");
    }

    /** @param png where the screenshot of the window goes */
    void screenshot(Path png) throws Exception {
        JsonNode r = send("Page.captureScreenshot", JSON.createObjectNode().put("format", "png"));
        Files.createDirectories(png.toAbsolutePath().getParent());
        Files.write(png, Base64.getDecoder().decode(r.get("data").asText()));
    }

    /** @return uncaught exceptions the page reported, one line each */
    List<String> exceptions() {
        return new ArrayList<>(exceptions);
    }

    /** @return every URL the page requested (documents, scripts, styles, fetches), in order */
    List<String> requestedUrls() {
        return new ArrayList<>(requestedUrls);
    }

    private JsonNode send(String method, ObjectNode params) throws Exception {
        long id = ids.incrementAndGet();
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        pending.put(id, reply);
        ObjectNode msg = JSON.createObjectNode().put("id", id).put("method", method);
        msg.set("params", params);
        socket.sendText(msg.toString(), true).get(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        JsonNode r = reply.get(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        if (r.has("error")) {
            throw new IOException(method + " failed: " + r.get("error"));
        }
        return r.path("result");
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                dispatch(text);
            }
            ws.request(1);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            pending.values().forEach(f -> f.completeExceptionally(error));
        }

        private void dispatch(String text) {
            JsonNode m;
            try {
                m = JSON.readTree(text);
            } catch (IOException e) {
                return;
            }
            if (m.has("id")) {
                CompletableFuture<JsonNode> f = pending.remove(m.get("id").asLong());
                if (f != null) {
                    f.complete(m);
                }
                return;
            }
            String method = m.path("method").asText();
            if ("Runtime.exceptionThrown".equals(method)) {
                JsonNode d = m.path("params").path("exceptionDetails");
                exceptions.add(d.path("exception").path("description").asText(d.path("text").asText()));
            } else if ("Network.requestWillBeSent".equals(method)) {
                requestedUrls.add(m.path("params").path("request").path("url").asText());
            }
        }
    }

    /** Closes the connection and kills the browser and every process it started. */
    @Override
    public void close() {
        socket.abort();
        kill(process);
    }

    private static void kill(Process p) {
        List<ProcessHandle> children = p.descendants().toList();
        p.destroy();
        children.forEach(ProcessHandle::destroy);
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                children.forEach(ProcessHandle::destroyForcibly);
                p.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
