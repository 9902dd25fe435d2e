package io.freshet.kafka.avro.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.freshet.kafka.avro.SchemaProvider;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.Objects;

/**
 * {@link SchemaProvider#http}: {@code GET {base}/schemas/ids/{id}} with {@link HttpClient}, no registry client
 * library. The URL's user-info is removed from every request URI and message and sent as a basic-authentication
 * header instead; redirects are not followed (they could carry the header elsewhere).
 *
 * <p>Threading: safe for concurrent calls (the decoder calls it under its lock anyway).
 */
public final class HttpSchemaProvider implements SchemaProvider {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The registry's URL without user-info: the only form that appears in messages. */
    private final String baseUrl;
    private final String authorization;
    private final Duration timeout;
    private final HttpClient client;

    /**
     * @param registryUrl base URL, http or https, optionally with user-info
     * @param timeout longest wait for one answer
     */
    public HttpSchemaProvider(URI registryUrl, Duration timeout) {
        Objects.requireNonNull(registryUrl, "registryUrl can't be null");
        Objects.requireNonNull(timeout, "timeout can't be null");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout=" + timeout + " must be positive");
        }
        String scheme = registryUrl.getScheme();
        if (registryUrl.getHost() == null || !("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme))) {
            // getHost() is null for an opaque or unparsable authority: say so without echoing user-info.
            throw new IllegalArgumentException("registryUrl must be http://host[:port][/path] or https://...: got a "
                + (scheme == null ? "URL without scheme" : scheme + " URL without a usable host"));
        }
        try {
            String path = registryUrl.getRawPath() == null ? "" : registryUrl.getRawPath();
            while (path.endsWith("/")) {
                path = path.substring(0, path.length() - 1);
            }
            this.baseUrl = new URI(scheme.toLowerCase(Locale.ROOT), null, registryUrl.getHost(),
                registryUrl.getPort(), null, null, null) + path;
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("registryUrl has an invalid host: " + e.getReason());
        }
        String userInfo = registryUrl.getRawUserInfo();
        this.authorization = userInfo == null ? null : "Basic " + Base64.getEncoder().encodeToString(
            URLDecoder.decode(userInfo, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8));
        this.timeout = timeout;
        this.client = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER)
            .build();
    }

    @Override
    public String schemaJson(int schemaId) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + "/schemas/ids/" + schemaId))
            .timeout(timeout).header("Accept", "application/vnd.schemaregistry.v1+json, application/json").GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        HttpResponse<String> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (HttpTimeoutException e) {
            throw new IOException("no answer from " + this + " within " + timeout.toMillis() + " ms");
        } catch (IOException e) {
            // The JDK's messages name at most host and port (the URI it was given holds no user-info).
            throw new IOException("cannot reach " + this + ": " + e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : " " + e.getMessage()));
        }
        if (response.statusCode() == 404) {
            return null;
        }
        if (response.statusCode() != 200) {
            throw new IOException(this + " answered HTTP " + response.statusCode());
        }
        JsonNode body;
        try {
            body = JSON.readTree(response.body());
        } catch (IOException e) {
            throw new IOException(this + " answered HTTP 200 with a body that is not JSON");
        }
        JsonNode type = body == null ? null : body.get("schemaType");
        if (type != null && !"AVRO".equals(type.asText())) {
            throw new IOException(this + " holds a " + type.asText() + " schema under this id, not an Avro one");
        }
        JsonNode schema = body == null ? null : body.get("schema");
        if (schema == null || !schema.isTextual()) {
            throw new IOException(this + " answered HTTP 200 without a \"schema\" string");
        }
        return schema.asText();
    }

    @Override
    public String toString() {
        return "the schema registry at " + baseUrl;
    }
}
