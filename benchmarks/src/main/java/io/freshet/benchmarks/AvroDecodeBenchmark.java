package io.freshet.benchmarks;

import io.freshet.kafka.RejectedRecordException;
import io.freshet.kafka.avro.AvroDecoder;
import io.freshet.kafka.avro.SchemaProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.util.Utf8;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/*
 * Run (from the repository root, after `mvn -ntp -q package -pl benchmarks -am -DskipTests
 * -Dfreshet.skipBenchSmoke=true`):
 *
 *   flock /tmp/jmh.lock java -jar benchmarks/target/benchmarks.jar AvroDecodeBenchmark -f 1 -wi 3 -w 1s -i 5 -r 1s \
 *       -prof gc
 *
 * Goal: freshetDecode 0 B/op and faster than Avro's own GenericDatumReader (compare in one run only).
 */

/**
 * One payment record in the Schema Registry wire format (8 fields: long id, string merchant, timestamp, double
 * amount, boolean, enum, and a string and an array the consumer does not need) decoded into the fields a feature set
 * reads: {@code freshetDecode} with {@link AvroDecoder} (a plan per schema id, straight from the bytes into a
 * reusable event); {@code avroGenericReader} with Avro's {@link GenericDatumReader} at its most frugal (reused
 * decoder and record), then the same fields read out of the record. Both hash the merchant's UTF-8 bytes in place.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AvroDecodeBenchmark {
    private static final int RECORDS = 4096;
    private static final int SCHEMA_ID = 7;
    static final Schema SCHEMA = new Schema.Parser().parse("""
        {"type": "record", "name": "Payment", "namespace": "bench", "fields": [
          {"name": "user_id", "type": "long"},
          {"name": "merchant", "type": ["null", "string"]},
          {"name": "ts", "type": {"type": "long", "logicalType": "timestamp-millis"}},
          {"name": "amount", "type": "double"},
          {"name": "declined", "type": "boolean"},
          {"name": "channel", "type": {"type": "enum", "name": "Channel", "symbols": ["POS", "WEB", "APP"]}},
          {"name": "note", "type": "string"},
          {"name": "tags", "type": {"type": "array", "items": "int"}}
        ]}""");

    private static final Schema CHANNEL = SCHEMA.getField("channel").schema();
    private static final long EMPTY_HASH = hash(new byte[0], 0, 0);

    /** The event a feature set reads. */
    public static final class Event {
        long userId;
        long merchantId;
        long tsMs;
        double amount;
        boolean declined;
        int channel;

        long sum() {
            return userId + merchantId + tsMs + Double.doubleToRawLongBits(amount) + (declined ? 1 : 0) + channel;
        }
    }

    static long hash(byte[] bytes, int offset, int length) {
        long h = 1125899906842597L;
        for (int i = offset; i < offset + length; i++) {
            h = 31 * h + bytes[i];
        }
        return h;
    }

    /** Pre-encoded records, both decoders and their reusable targets. */
    @State(Scope.Thread)
    public static class Records {
        final byte[][] values = encode();
        final AvroDecoder<Event> decoder = AvroDecoder.builder(Event::new, SchemaProvider.of(Map.of(SCHEMA_ID,
                SCHEMA)))
            .longField("user_id", (e, v) -> e.userId = v)
            .stringField("merchant", "", (e, b, o, n) -> e.merchantId = hash(b, o, n))
            .timestampMsField("ts", (e, v) -> e.tsMs = v)
            .doubleField("amount", (e, v) -> e.amount = v)
            .booleanField("declined", (e, v) -> e.declined = v)
            .enumField("channel", List.of("POS", "WEB", "APP"), (e, v) -> e.channel = v)
            .build();
        final Event event = decoder.newReusable();
        final GenericDatumReader<GenericRecord> reader = new GenericDatumReader<>(SCHEMA);
        GenericRecord record = new GenericData.Record(SCHEMA);
        BinaryDecoder binary;
        final Event peerEvent = new Event();
        int next;

        private static byte[][] encode() {
            SplittableRandom rnd = new SplittableRandom(11);
            byte[][] out = new byte[RECORDS][];
            GenericDatumWriter<GenericRecord> writer = new GenericDatumWriter<>(SCHEMA);
            Schema channel = SCHEMA.getField("channel").schema();
            for (int i = 0; i < RECORDS; i++) {
                GenericRecord r = new GenericData.Record(SCHEMA);
                r.put("user_id", (long) rnd.nextInt(1_000_000));
                r.put("merchant", rnd.nextInt(20) == 0 ? null : "merchant-" + rnd.nextInt(5000));
                r.put("ts", 1_700_000_000_000L + i * 1000L);
                r.put("amount", rnd.nextInt(100_000) / 100.0);
                r.put("declined", rnd.nextInt(10) == 0);
                r.put("channel", new GenericData.EnumSymbol(channel, channel.getEnumSymbols().get(rnd.nextInt(3))));
                r.put("note", "card present");
                r.put("tags", List.of(rnd.nextInt(100), rnd.nextInt(100)));
                try {
                    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                    bytes.write(new byte[] {0, 0, 0, 0, SCHEMA_ID});
                    BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(bytes, null);
                    writer.write(r, enc);
                    enc.flush();
                    out[i] = bytes.toByteArray();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return out;
        }
    }

    /**
     * @param s records and decoder
     * @return a sum over the decoded fields
     * @throws RejectedRecordException never: every record is good
     */
    @Benchmark
    @HotPath("per record on every consumer thread of an Avro source")
    public long freshetDecode(Records s) throws RejectedRecordException {
        byte[] v = s.values[s.next++ & (RECORDS - 1)];
        return s.decoder.decode(v, s.event).sum();
    }

    /**
     * @param s records and reader
     * @return a sum over the decoded fields
     * @throws IOException never: every record is good
     */
    @Benchmark
    public long avroGenericReader(Records s) throws IOException {
        byte[] v = s.values[s.next++ & (RECORDS - 1)];
        if (v[0] != 0 || ByteBuffer.wrap(v, 1, 4).getInt() != SCHEMA_ID) {
            throw new IllegalStateException("not schema id " + SCHEMA_ID);
        }
        s.binary = DecoderFactory.get().binaryDecoder(v, 5, v.length - 5, s.binary);
        GenericRecord r = s.reader.read(s.record, s.binary);
        s.record = r;
        Event e = s.peerEvent;
        e.userId = (Long) r.get(0);
        Utf8 merchant = (Utf8) r.get(1);
        e.merchantId = merchant == null ? EMPTY_HASH : hash(merchant.getBytes(), 0, merchant.getByteLength());
        e.tsMs = (Long) r.get(2);
        e.amount = (Double) r.get(3);
        e.declined = (Boolean) r.get(4);
        e.channel = CHANNEL.getEnumOrdinal(r.get(5).toString());
        return e.sum();
    }
}
