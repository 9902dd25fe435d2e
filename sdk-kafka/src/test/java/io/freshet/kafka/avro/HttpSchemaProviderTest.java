package io.freshet.kafka.avro;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.freshet.kafka.BadRecordReason;
import io.freshet.kafka.RejectedRecordException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP schema provider against a tiny in-test registry ({@code com.sun.net.httpserver}): 200, 404, 500, a
 * registry that does not answer in time, basic authentication from the URL's user-info, and no credential in any
 * message.
 */
class HttpSchemaProviderTest {
    private HttpServer server;
    private final Map<Integer, String> schemas = new ConcurrentHashMap<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private String base;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            requests.add(path);
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            authorizations.add(auth == null ? "" : auth);
            int status;
            String body;
            if (path.endsWith("/ids/500")) {
                status = 500;
                body = "{\"error_code\": 50001}";
            } else if (path.endsWith("/ids/777")) {
                try {
                    release.await(30, TimeUnit.SECONDS); // a registry that hangs
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                status = 200;
                body = "{}";
            } else {
                String id = path.substring(path.lastIndexOf('/') + 1);
                String schema = schemas.get(Integer.parseInt(id));
                status = schema == null ? 404 : 200;
                body = schema == null ? "{\"error_code\": 40403, \"message\": \"Schema not found\"}"
                    : "{\"subject\": \"payments-value\", \"schema\": " + quote(schema) + "}";
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    @Test
    void aRegisteredIdIsFetchedOnceAndDecodesAnUnknownOneIsA404() throws Exception {
        schemas.put(2, AvroDecoderTest.V2.toString());
        SchemaProvider registry = SchemaProvider.http(URI.create(base + "/registry/"), Duration.ofSeconds(10));
        assertThat(registry.schemaJson(2)).isEqualTo(AvroDecoderTest.V2.toString());
        assertThat(registry.schemaJson(3)).isNull();
        AvroDecoder<AvroDecoderTest.Pay> d = AvroDecoderTest.evolving(registry);
        byte[] record = AvroWire.encode(2, AvroDecoderTest.v2(99, 1.5, "APP", "m"));
        for (int i = 0; i < 10; i++) {
            assertThat(d.decode(record, null).userId).isEqualTo(99L);
        }
        AvroDecoderTest.assertRejected(d, AvroWire.encode(3, AvroDecoderTest.v2(1, 1, "WEB", "m")),
            BadRecordReason.UNKNOWN_SCHEMA_ID, "schema id 3 unavailable: unknown to the schema registry at " + base
                + "/registry");
        assertThat(requests).containsExactly("/registry/schemas/ids/2", "/registry/schemas/ids/3",
            "/registry/schemas/ids/2", "/registry/schemas/ids/3");
    }

    @Test
    void aServerErrorAndASilentRegistryAreUnavailableWithinTheTimeout() {
        SchemaProvider failing = SchemaProvider.http(URI.create(base), Duration.ofSeconds(20));
        assertThatThrownBy(() -> failing.schemaJson(500)).isInstanceOf(IOException.class)
            .hasMessage("the schema registry at " + base + " answered HTTP 500");
        // The registry never answers id 777 (its handler waits 30 s): the timeout, not the answer, ends the wait.
        SchemaProvider registry = SchemaProvider.http(URI.create(base), Duration.ofMillis(300));
        AvroDecoder<AvroDecoderTest.Pay> d = AvroDecoderTest.evolving(registry);
        AvroDecoderTest.assertRejected(d, AvroWire.encode(777, AvroDecoderTest.v2(1, 1, "WEB", "m")),
            BadRecordReason.UNKNOWN_SCHEMA_ID, "schema id 777 unavailable: no answer from the schema registry at "
                + base + " within 300 ms");
    }

    @Test
    void credentialsInTheUrlAreSentAsBasicAuthAndAppearInNoMessage() {
        SchemaProvider registry = SchemaProvider.http(URI.create("http://svc-user:s3cr%40t@127.0.0.1:"
            + server.getAddress().getPort()), Duration.ofSeconds(10));
        assertThat(registry.toString()).doesNotContain("svc-user").doesNotContain("s3cr");
        AvroDecoder<AvroDecoderTest.Pay> d = AvroDecoderTest.evolving(registry);
        Throwable unknown = catchRejection(d, 4);
        Throwable failed = catchRejection(d, 500);
        for (Throwable t : List.of(unknown, failed)) {
            assertThat(t.getMessage()).contains("127.0.0.1").doesNotContain("svc-user").doesNotContain("s3cr");
        }
        assertThat(authorizations).containsOnly("Basic " + java.util.Base64.getEncoder()
            .encodeToString("svc-user:s3cr@t".getBytes(StandardCharsets.UTF_8)));
        SchemaProvider unreachable = SchemaProvider.http(URI.create("http://svc-user:s3cret@127.0.0.1:1"),
            Duration.ofSeconds(5));
        Throwable refused = catchRejection(AvroDecoderTest.evolving(unreachable), 5);
        assertThat(refused).hasMessageContaining("schema id 5 unavailable: cannot reach the schema registry at"
            + " http://127.0.0.1:1").hasMessageNotContaining("s3cret");
    }

    @Test
    void aUrlThatIsNotHttpIsRejectedAtOnce() {
        assertThatThrownBy(() -> SchemaProvider.http(URI.create("ftp://u:p@host"), Duration.ofSeconds(1)))
            .hasMessageContaining("must be http://").hasMessageNotContaining("u:p");
        assertThatThrownBy(() -> SchemaProvider.http(URI.create(base), Duration.ZERO))
            .hasMessageContaining("must be positive");
    }

    private static Throwable catchRejection(AvroDecoder<AvroDecoderTest.Pay> d, int id) {
        try {
            d.decode(AvroWire.encode(id, AvroDecoderTest.v2(1, 1, "WEB", "m")), null);
        } catch (RejectedRecordException e) {
            assertThat(e.reason()).isEqualTo(BadRecordReason.UNKNOWN_SCHEMA_ID);
            return e;
        }
        throw new AssertionError("schema id " + id + " decoded");
    }
}
