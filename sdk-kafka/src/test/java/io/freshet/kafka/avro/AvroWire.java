package io.freshet.kafka.avro;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/** Test data in the Schema Registry wire format, written by Avro's own {@link GenericDatumWriter}. */
public final class AvroWire {
    private static final EncoderFactory BLOCKING = new EncoderFactory().configureBlockSize(64);

    private AvroWire() {
    }

    /**
     * @param schemaId the id to put in the header
     * @param record the record, written with its own schema
     * @return magic byte, id, body
     */
    public static byte[] encode(int schemaId, GenericRecord record) {
        return encode(schemaId, record, false);
    }

    /**
     * @param schemaId the id
     * @param record the record
     * @param blocking write arrays and maps in size-prefixed blocks (negative counts), as Avro's blocking encoder does
     * @return magic byte, id, body
     */
    public static byte[] encode(int schemaId, GenericRecord record, boolean blocking) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(0);
            out.write(schemaId >>> 24);
            out.write(schemaId >>> 16);
            out.write(schemaId >>> 8);
            out.write(schemaId);
            BinaryEncoder enc = blocking ? BLOCKING.blockingBinaryEncoder(out, null)
                : EncoderFactory.get().directBinaryEncoder(out, null);
            new GenericDatumWriter<GenericRecord>(record.getSchema()).write(record, enc);
            enc.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @param json Avro schema JSON
     * @return the parsed schema
     */
    public static Schema schema(String json) {
        return new Schema.Parser().parse(json);
    }
}
