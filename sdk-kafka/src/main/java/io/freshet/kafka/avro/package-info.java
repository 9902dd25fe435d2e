/**
 * Avro records in the Schema Registry wire format: {@link io.freshet.kafka.avro.AvroDecoder} reads declared fields
 * straight from the bytes with a per-schema-id plan; {@link io.freshet.kafka.avro.SchemaProvider} resolves schema ids
 * (a map, or a registry over HTTP). Needs {@code org.apache.avro:avro} on the class path (an optional dependency of
 * freshet-kafka): it parses writer schemas when a plan is compiled, never per record.
 */
package io.freshet.kafka.avro;
