package io.freshet.kafka.avro;

import io.freshet.kafka.avro.internal.HttpSchemaProvider;
import io.freshet.kafka.avro.internal.MapSchemaProvider;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * Where an {@link AvroDecoder} finds the writer's schema of a Schema Registry id. Asked once per id the decoder has
 * not seen (and again for an unknown or unavailable id after the decoder's retry interval), never per record.
 *
 * <p>Threading: called under the decoder's lock from a consumer thread, which waits for the answer: an
 * implementation bounds its wait (the HTTP provider by its timeout). Implementations must not log payloads or
 * credentials, and their exception messages must not hold credentials either: they appear in bad-record reports.
 */
public interface SchemaProvider {
    /**
     * @param schemaId a Schema Registry id
     * @return the writer's schema as Avro JSON text, or null when the id is unknown here
     * @throws Exception when the answer could not be had (the message, naming why, becomes the bad record's
     *     "schema id N unavailable: message")
     */
    String schemaJson(int schemaId) throws Exception;

    /**
     * A fixed map, for tests and for applications that ship their schemas.
     *
     * @param schemas writer schemas by id (copied)
     * @return a provider answering from the map
     */
    static SchemaProvider of(Map<Integer, Schema> schemas) {
        return new MapSchemaProvider(schemas);
    }

    /**
     * A Confluent-compatible Schema Registry over HTTP: {@code GET {registryUrl}/schemas/ids/{id}} answering
     * {@code {"schema": "..."}}. A 404 means unknown; any other failure (refused, another status, no answer within
     * {@code timeout}) means unavailable. Credentials in the URL's user-info ({@code https://user:secret@host}) are
     * sent as HTTP basic authentication and appear in no message or log.
     *
     * @param registryUrl the registry's base URL, http or https
     * @param timeout the longest wait for one answer (connect plus response)
     * @return the provider
     */
    static SchemaProvider http(URI registryUrl, Duration timeout) {
        return new HttpSchemaProvider(registryUrl, timeout);
    }
}
