package io.freshet.kafka.avro.internal;

import io.freshet.kafka.avro.SchemaProvider;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.Schema;

/** {@link SchemaProvider#of}: answers from a copy of the map. Threading: immutable. */
public final class MapSchemaProvider implements SchemaProvider {
    private final Map<Integer, String> schemas = new HashMap<>();

    /** @param schemas writer schemas by id */
    public MapSchemaProvider(Map<Integer, Schema> schemas) {
        Objects.requireNonNull(schemas, "schemas can't be null");
        schemas.forEach((id, s) -> this.schemas.put(Objects.requireNonNull(id, "schema id can't be null"),
            Objects.requireNonNull(s, "schema of id " + id + " can't be null").toString()));
    }

    @Override
    public String schemaJson(int schemaId) {
        return schemas.get(schemaId);
    }

    @Override
    public String toString() {
        return "the schema map (ids " + schemas.keySet() + ")";
    }
}
