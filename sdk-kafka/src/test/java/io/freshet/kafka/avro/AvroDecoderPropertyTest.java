package io.freshet.kafka.avro;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;

/**
 * Random records of a schema with every supported type (and, between them, every type the decoder only skips:
 * arrays, maps, fixed, nested and recursive records, wide unions), written by Avro's {@code GenericDatumWriter}
 * (plain and blocking encoders), decoded by {@link AvroDecoder}: every declared field equals what was written.
 */
class AvroDecoderPropertyTest {
    static final Schema SCHEMA = AvroWire.schema("""
        {"type": "record", "name": "Everything", "fields": [
          {"name": "tags", "type": {"type": "array", "items": "int"}},
          {"name": "id", "type": "long"},
          {"name": "attrs", "type": {"type": "map", "values": "double"}},
          {"name": "small", "type": "int"},
          {"name": "code", "type": {"type": "fixed", "name": "Code", "size": 3}},
          {"name": "amount", "type": "double"},
          {"name": "inner", "type": {"type": "record", "name": "Inner", "fields": [
            {"name": "a", "type": "int"},
            {"name": "b", "type": ["null", "string"]},
            {"name": "next", "type": ["null", "Inner"]}]}},
          {"name": "ratio", "type": "float"},
          {"name": "flag", "type": "boolean"},
          {"name": "mixed", "type": ["null", "string", "long", "double", "boolean"]},
          {"name": "name", "type": "string"},
          {"name": "blob", "type": "bytes"},
          {"name": "nulls", "type": {"type": "array", "items": "null"}},
          {"name": "channel", "type": {"type": "enum", "name": "Channel", "symbols": ["WEB", "APP", "POS"]}},
          {"name": "maybeLong", "type": ["null", "long"]},
          {"name": "maybeName", "type": ["string", "null"]},
          {"name": "ts", "type": {"type": "long", "logicalType": "timestamp-millis"}},
          {"name": "tsMicros", "type": {"type": "long", "logicalType": "timestamp-micros"}},
          {"name": "rows", "type": {"type": "array", "items": {"type": "map", "values": ["null", "float"]}}}
        ]}""");
    static final int ID = 17;

    /** The decoded event: what the setters saw. */
    static final class Row {
        long id;
        long small;
        double amount;
        double ratio;
        boolean flag;
        String name;
        byte[] blob;
        int channel;
        long maybeLong;
        String maybeName;
        long ts;
        long tsMs;
    }

    static AvroDecoder<Row> decoder(SchemaProvider provider) {
        return AvroDecoder.builder(Row::new, provider)
            .longField("id", (r, v) -> r.id = v)
            .longField("small", (r, v) -> r.small = v)
            .doubleField("amount", (r, v) -> r.amount = v)
            .doubleField("ratio", (r, v) -> r.ratio = v)
            .booleanField("flag", (r, v) -> r.flag = v)
            .stringField("name", (r, b, o, n) -> r.name = new String(b, o, n, StandardCharsets.UTF_8))
            .stringField("blob", (r, b, o, n) -> r.blob = Arrays.copyOfRange(b, o, o + n))
            .enumField("channel", List.of("WEB", "APP", "POS"), (r, v) -> r.channel = v)
            .longField("maybeLong", -1, (r, v) -> r.maybeLong = v)
            .stringField("maybeName", "none", (r, b, o, n) -> r.maybeName = new String(b, o, n,
                StandardCharsets.UTF_8))
            .timestampMsField("ts", (r, v) -> r.ts = v)
            .timestampMsField("tsMicros", (r, v) -> r.tsMs = v)
            .build();
    }

    @Property(tries = 100)
    void everyDeclaredFieldEqualsWhatAvrosWriterWrote(@ForAll long seed) throws Exception {
        Random rnd = new Random(seed);
        AvroDecoder<Row> decoder = decoder(SchemaProvider.of(Map.of(ID, SCHEMA)));
        Row reused = new Row();
        for (int i = 0; i < 20; i++) {
            GenericRecord r = randomRecord(rnd);
            byte[] wire = AvroWire.encode(ID, r, rnd.nextBoolean());
            Row row = decoder.decode(wire, reused);
            assertThat(row).isSameAs(reused);
            assertThat(row.id).isEqualTo(r.get("id"));
            assertThat(row.small).isEqualTo((long) (Integer) r.get("small"));
            assertThat(Double.valueOf(row.amount)).isEqualTo(r.get("amount"));
            assertThat(Double.valueOf(row.ratio)).isEqualTo(Double.valueOf((Float) r.get("ratio")));
            assertThat(row.flag).isEqualTo(r.get("flag"));
            assertThat(row.name).isEqualTo(r.get("name").toString());
            assertThat(row.blob).isEqualTo(((ByteBuffer) r.get("blob")).array());
            assertThat(row.channel).isEqualTo(List.of("WEB", "APP", "POS").indexOf(r.get("channel").toString()));
            assertThat(row.maybeLong).isEqualTo(r.get("maybeLong") == null ? -1L : r.get("maybeLong"));
            assertThat(row.maybeName).isEqualTo(r.get("maybeName") == null ? "none" : r.get("maybeName").toString());
            assertThat(row.ts).isEqualTo(r.get("ts"));
            assertThat(row.tsMs).isEqualTo(Math.floorDiv((Long) r.get("tsMicros"), 1000L));
        }
    }

    static GenericRecord randomRecord(Random rnd) {
        GenericRecord r = new GenericData.Record(SCHEMA);
        List<Integer> tags = new ArrayList<>();
        for (int i = rnd.nextInt(4) == 0 ? rnd.nextInt(200) : rnd.nextInt(3); i > 0; i--) {
            tags.add(randomInt(rnd));
        }
        r.put("tags", tags);
        r.put("id", randomLong(rnd));
        Map<Utf8, Double> attrs = new HashMap<>();
        for (int i = rnd.nextInt(20); i > 0; i--) {
            attrs.put(new Utf8(randomString(rnd)), randomDouble(rnd));
        }
        r.put("attrs", attrs);
        r.put("small", randomInt(rnd));
        byte[] code = new byte[3];
        rnd.nextBytes(code);
        r.put("code", new GenericData.Fixed(SCHEMA.getField("code").schema(), code));
        r.put("amount", randomDouble(rnd));
        r.put("inner", randomInner(rnd, SCHEMA.getField("inner").schema(), 3));
        r.put("ratio", rnd.nextInt(10) == 0 ? Float.NaN : (float) randomDouble(rnd));
        r.put("flag", rnd.nextBoolean());
        Object mixed = switch (rnd.nextInt(5)) {
            case 0 -> null;
            case 1 -> randomString(rnd);
            case 2 -> randomLong(rnd);
            case 3 -> randomDouble(rnd);
            default -> rnd.nextBoolean();
        };
        r.put("mixed", mixed);
        r.put("name", randomString(rnd));
        byte[] blob = new byte[rnd.nextInt(40)];
        rnd.nextBytes(blob);
        r.put("blob", ByteBuffer.wrap(blob));
        r.put("nulls", new ArrayList<>(java.util.Collections.nCopies(rnd.nextInt(5), null)));
        Schema channel = SCHEMA.getField("channel").schema();
        r.put("channel", new GenericData.EnumSymbol(channel, channel.getEnumSymbols().get(rnd.nextInt(3))));
        r.put("maybeLong", rnd.nextBoolean() ? null : randomLong(rnd));
        r.put("maybeName", rnd.nextBoolean() ? null : randomString(rnd));
        r.put("ts", randomLong(rnd));
        r.put("tsMicros", randomLong(rnd));
        List<Map<Utf8, Float>> rows = new ArrayList<>();
        for (int i = rnd.nextInt(4); i > 0; i--) {
            Map<Utf8, Float> m = new HashMap<>();
            for (int k = rnd.nextInt(3); k > 0; k--) {
                m.put(new Utf8(randomString(rnd)), rnd.nextBoolean() ? null : rnd.nextFloat());
            }
            rows.add(m);
        }
        r.put("rows", rows);
        return r;
    }

    private static GenericRecord randomInner(Random rnd, Schema inner, int depth) {
        GenericRecord r = new GenericData.Record(inner);
        r.put("a", randomInt(rnd));
        r.put("b", rnd.nextBoolean() ? null : randomString(rnd));
        r.put("next", depth > 0 && rnd.nextBoolean() ? randomInner(rnd, inner, depth - 1) : null);
        return r;
    }

    static long randomLong(Random rnd) {
        return switch (rnd.nextInt(6)) {
            case 0 -> Long.MIN_VALUE + rnd.nextInt(2);
            case 1 -> Long.MAX_VALUE - rnd.nextInt(2);
            case 2 -> rnd.nextInt(256) - 128;
            default -> rnd.nextLong() >> rnd.nextInt(64);
        };
    }

    static int randomInt(Random rnd) {
        return switch (rnd.nextInt(5)) {
            case 0 -> Integer.MIN_VALUE;
            case 1 -> Integer.MAX_VALUE;
            default -> rnd.nextInt() >> rnd.nextInt(32);
        };
    }

    static double randomDouble(Random rnd) {
        return switch (rnd.nextInt(8)) {
            case 0 -> Double.NaN;
            case 1 -> -0.0;
            case 2 -> Double.NEGATIVE_INFINITY;
            case 3 -> Double.MIN_VALUE;
            default -> (rnd.nextDouble() - 0.5) * Math.pow(10, rnd.nextInt(30) - 10);
        };
    }

    static String randomString(Random rnd) {
        StringBuilder s = new StringBuilder();
        for (int i = rnd.nextInt(12); i > 0; i--) {
            switch (rnd.nextInt(4)) {
                case 0 -> s.append((char) ('a' + rnd.nextInt(26)));
                case 1 -> s.append('é');
                case 2 -> s.appendCodePoint(0x1F600 + rnd.nextInt(50));
                default -> s.append((char) ('0' + rnd.nextInt(10)));
            }
        }
        return s.toString();
    }
}
