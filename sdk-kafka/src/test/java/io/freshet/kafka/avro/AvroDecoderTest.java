package io.freshet.kafka.avro;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshet.kafka.BadRecordReason;
import io.freshet.kafka.RejectedRecordException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/** Schema evolution, bad-record reasons, the plan cache's provider calls, and no allocation per record. */
class AvroDecoderTest {
    static final Schema V1 = AvroWire.schema("""
        {"type": "record", "name": "Payment", "fields": [
          {"name": "user_id", "type": "int"},
          {"name": "amount", "type": "float"},
          {"name": "legacy", "type": {"type": "array", "items": "string"}},
          {"name": "channel", "type": {"type": "enum", "name": "Channel", "symbols": ["POS", "WEB", "APP"]}}
        ]}""");
    static final Schema V2 = AvroWire.schema("""
        {"type": "record", "name": "Payment", "fields": [
          {"name": "user_id", "type": "long"},
          {"name": "amount", "type": "double"},
          {"name": "channel", "type": {"type": "enum", "name": "Channel", "symbols": ["WEB", "APP", "POS", "ATM"]}},
          {"name": "merchant", "type": ["null", "string"]}
        ]}""");

    /** The event. */
    static final class Pay {
        long userId;
        double amount;
        int channel;
        int merchantOffset;
        int merchantLength;
        String merchant;
    }

    static AvroDecoder.Builder<Pay> reader(SchemaProvider provider) {
        return AvroDecoder.builder(Pay::new, provider)
            .longField("user_id", (p, v) -> p.userId = v)
            .doubleField("amount", (p, v) -> p.amount = v)
            .enumField("channel", List.of("POS", "WEB", "APP"), 0, (p, v) -> p.channel = v);
    }

    static AvroDecoder<Pay> evolving(SchemaProvider provider) {
        return reader(provider)
            .stringField("merchant", "unknown", (p, b, o, n) -> p.merchant = new String(b, o, n,
                StandardCharsets.UTF_8))
            .build();
    }

    static GenericRecord v1(int user, float amount, String channel) {
        GenericRecord r = new GenericData.Record(V1);
        r.put("user_id", user);
        r.put("amount", amount);
        r.put("legacy", List.of("a", "bc"));
        r.put("channel", new GenericData.EnumSymbol(V1.getField("channel").schema(), channel));
        return r;
    }

    static GenericRecord v2(long user, double amount, String channel, String merchant) {
        GenericRecord r = new GenericData.Record(V2);
        r.put("user_id", user);
        r.put("amount", amount);
        r.put("channel", new GenericData.EnumSymbol(V2.getField("channel").schema(), channel));
        r.put("merchant", merchant);
        return r;
    }

    @Test
    void anOlderWriterWithoutADeclaredFieldGetsItsDefaultAndIntFloatWiden() throws Exception {
        AvroDecoder<Pay> d = evolving(SchemaProvider.of(Map.of(1, V1, 2, V2)));
        Pay p = d.decode(AvroWire.encode(1, v1(-42, 2.5f, "APP")), null);
        assertThat(p.userId).isEqualTo(-42L);
        assertThat(p.amount).isEqualTo(2.5);
        assertThat(p.channel).isEqualTo(2);
        assertThat(p.merchant).isEqualTo("unknown");
    }

    @Test
    void aNewerWriterIsReadWithFieldsRemovedSkippedEnumsByNameAndNullsAsTheDefault() throws Exception {
        AvroDecoder<Pay> d = evolving(SchemaProvider.of(Map.of(1, V1, 2, V2)));
        Pay p = d.decode(AvroWire.encode(2, v2(Long.MAX_VALUE, -1e300, "WEB", "café")), new Pay());
        assertThat(p.userId).isEqualTo(Long.MAX_VALUE);
        assertThat(p.amount).isEqualTo(-1e300);
        assertThat(p.channel).isEqualTo(1);
        assertThat(p.merchant).isEqualTo("café");
        p = d.decode(AvroWire.encode(2, v2(7, 1, "ATM", null)), p);
        assertThat(p.channel).as("a symbol the reader lacks: the default").isZero();
        assertThat(p.merchant).isEqualTo("unknown");
    }

    @Test
    void aDeclaredFieldWithoutDefaultThatTheWriterLacksIsASchemaMismatchNamingIt() {
        AvroDecoder<Pay> d = reader(SchemaProvider.of(Map.of(1, V1)))
            .stringField("merchant", (p, b, o, n) -> { })
            .build();
        assertRejected(d, AvroWire.encode(1, v1(1, 1, "POS")), BadRecordReason.SCHEMA_MISMATCH,
            "schema id 1 has no field 'merchant'");
    }

    @Test
    void aNullWithoutDefaultIsANullFieldAndAnUndeclaredSymbolWithoutDefaultAMismatch() {
        AvroDecoder<Pay> d = AvroDecoder.builder(Pay::new, SchemaProvider.of(Map.of(2, V2)))
            .stringField("merchant", (p, b, o, n) -> { })
            .enumField("channel", List.of("WEB", "APP"), (p, v) -> p.channel = v)
            .build();
        assertRejected(d, AvroWire.encode(2, v2(1, 1, "WEB", null)), BadRecordReason.MISSING_FIELD,
            "'merchant' is null");
        assertRejected(d, AvroWire.encode(2, v2(1, 1, "ATM", "m")), BadRecordReason.SCHEMA_MISMATCH,
            "'channel' holds an enum symbol");
    }

    @Test
    void aWriterTypeThatCannotBeReadAsTheDeclaredKindIsAMismatch() {
        AvroDecoder<Pay> d = AvroDecoder.builder(Pay::new, SchemaProvider.of(Map.of(2, V2)))
            .longField("merchant", (p, v) -> { })
            .build();
        assertRejected(d, AvroWire.encode(2, v2(1, 1, "WEB", "m")), BadRecordReason.SCHEMA_MISMATCH,
            "field 'merchant' is a union [null, string], which cannot be read as a long");
        AvroDecoder<Pay> narrowing = AvroDecoder.builder(Pay::new, SchemaProvider.of(Map.of(2, V2)))
            .longField("amount", (p, v) -> { })
            .build();
        assertRejected(narrowing, AvroWire.encode(2, v2(1, 1, "WEB", "m")), BadRecordReason.SCHEMA_MISMATCH,
            "'amount' is a double");
    }

    @Test
    void wrongMagicShortHeaderAndEveryTruncationHaveTheirOwnReasons() {
        AvroDecoder<Pay> d = evolving(SchemaProvider.of(Map.of(1, V1, 2, V2)));
        byte[] good = AvroWire.encode(2, v2(123_456_789L, 3.25, "POS", "merchant"));
        byte[] wrongMagic = good.clone();
        wrongMagic[0] = 1;
        assertRejected(d, wrongMagic, BadRecordReason.BAD_MAGIC_BYTE, "magic byte 0");
        assertRejected(d, new byte[0], BadRecordReason.BAD_MAGIC_BYTE, "magic byte 0");
        for (int n = 1; n < good.length; n++) {
            assertRejected(d, Arrays.copyOf(good, n), BadRecordReason.TRUNCATED, n < 5 ? "header" : "ends before");
        }
        byte[] v1 = AvroWire.encode(1, v1(5, 5, "WEB"));
        for (int n = 5; n < v1.length; n++) {
            assertRejected(d, Arrays.copyOf(v1, n), BadRecordReason.TRUNCATED, "ends before");
        }
    }

    @Test
    void randomBytesAfterAKnownHeaderAreRejectedNeverThrownOtherwise() {
        AvroDecoder<Pay> d = evolving(SchemaProvider.of(Map.of(1, V1, 2, V2)));
        Random rnd = new Random(5);
        for (int i = 0; i < 5_000; i++) {
            byte[] v = new byte[5 + rnd.nextInt(30)];
            rnd.nextBytes(v);
            v[0] = 0;
            v[1] = 0;
            v[2] = 0;
            v[3] = 0;
            v[4] = (byte) (1 + rnd.nextInt(2));
            try {
                d.decode(v, new Pay());
            } catch (RejectedRecordException e) {
                assertThat(e.reason()).isIn(BadRecordReason.TRUNCATED, BadRecordReason.DECODE_ERROR,
                    BadRecordReason.SCHEMA_MISMATCH);
            }
        }
    }

    @Test
    void anUnknownIdIsAskedForOncePerRetryIntervalAndHealsWhenRegistered() throws Exception {
        Map<Integer, String> registry = new ConcurrentHashMap<>();
        AtomicInteger asked = new AtomicInteger();
        SchemaProvider counting = new SchemaProvider() {
            @Override
            public String schemaJson(int schemaId) {
                asked.incrementAndGet();
                return registry.get(schemaId);
            }

            @Override
            public String toString() {
                return "the test registry";
            }
        };
        byte[] record = AvroWire.encode(9, v2(1, 2, "WEB", "m"));
        AvroDecoder<Pay> slow = evolving(counting);
        for (int i = 0; i < 1_000; i++) {
            assertRejected(slow, record, BadRecordReason.UNKNOWN_SCHEMA_ID,
                "schema id 9 unavailable: unknown to the test registry");
        }
        assertThat(asked.get()).as("one question per id within the retry interval").isEqualTo(1);
        AvroDecoder<Pay> eager = reader(counting).stringField("merchant", "", (p, b, o, n) -> { })
            .retryUnavailableAfter(Duration.ZERO).build();
        assertRejected(eager, record, BadRecordReason.UNKNOWN_SCHEMA_ID, "schema id 9 unavailable");
        registry.put(9, V2.toString());
        assertThat(eager.decode(record, null).userId).isEqualTo(1L);
        int before = asked.get();
        for (int i = 0; i < 100; i++) {
            eager.decode(record, null);
        }
        assertThat(asked.get()).as("a resolved id is never asked again").isEqualTo(before);
    }

    @Test
    void preparedIdsAreResolvedBeforeAnyRecordAndAFailedPrepareSaysWhy() throws Exception {
        AtomicInteger asked = new AtomicInteger();
        SchemaProvider counting = id -> {
            asked.incrementAndGet();
            return id == 2 ? V2.toString() : null;
        };
        AvroDecoder<Pay> d = evolving(counting);
        d.prepare(2);
        assertThat(asked.get()).isEqualTo(1);
        assertThat(d.decode(AvroWire.encode(2, v2(8, 2, "WEB", "m")), null).userId).isEqualTo(8L);
        assertThat(asked.get()).as("the record found the prepared plan").isEqualTo(1);
        assertThatThrownBy(() -> d.prepare(3)).isInstanceOfSatisfying(RejectedRecordException.class,
            e -> assertThat(e.reason()).isEqualTo(BadRecordReason.UNKNOWN_SCHEMA_ID))
            .hasMessageContaining("schema id 3 unavailable");
    }

    @Test
    void threadsMeetingManyNewIdsAtOnceEachDecodeRightAndEachIdIsAskedForOnce() throws Exception {
        int ids = 200;
        Map<Integer, AtomicInteger> asked = new ConcurrentHashMap<>();
        SchemaProvider counting = id -> {
            asked.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
            return (id & 1) == 0 ? V2.toString() : V1.toString();
        };
        AvroDecoder<Pay> d = evolving(counting);
        byte[][] records = new byte[ids][];
        for (int id = 0; id < ids; id++) {
            records[id] = (id & 1) == 0 ? AvroWire.encode(id, v2(id, id, "APP", "m" + id))
                : AvroWire.encode(id, v1(id, id, "WEB"));
        }
        List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            int seed = t;
            threads[t] = new Thread(() -> {
                Random rnd = new Random(seed);
                Pay p = new Pay();
                try {
                    for (int i = 0; i < 5_000; i++) {
                        int id = rnd.nextInt(ids);
                        d.decode(records[id], p);
                        assertThat(p.userId).isEqualTo(id);
                        assertThat(p.merchant).isEqualTo((id & 1) == 0 ? "m" + id : "unknown");
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(errors).isEmpty();
        assertThat(asked).hasSize(ids);
        assertThat(asked.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
    }

    @Test
    void aProviderFailureBecomesUnavailableWithItsMessage() {
        AvroDecoder<Pay> d = evolving(id -> {
            throw new java.io.IOException("registry down");
        });
        assertRejected(d, AvroWire.encode(3, v2(1, 2, "WEB", "m")), BadRecordReason.UNKNOWN_SCHEMA_ID,
            "schema id 3 unavailable: registry down");
    }

    @Test
    void builderRejectsWhatCannotWork() {
        SchemaProvider p = SchemaProvider.of(Map.of());
        assertThatThrownBy(() -> AvroDecoder.builder(Pay::new, p).build()).hasMessageContaining("no fields declared");
        assertThatThrownBy(() -> AvroDecoder.builder(Pay::new, p).longField("a", (e, v) -> { })
            .doubleField("a", (e, v) -> { })).hasMessageContaining("'a' is declared twice");
        assertThatThrownBy(() -> AvroDecoder.builder(Pay::new, p).enumField("c", List.of("A"), 1, (e, v) -> { }))
            .hasMessageContaining("defaultOrdinal=1 is out of range: use 0..0");
        assertThatThrownBy(() -> AvroDecoder.builder(Pay::new, p).enumField("c", List.of("A", "A"), (e, v) -> { }))
            .hasMessageContaining("distinct");
    }

    @Test
    void decodingAllocatesNothingOnceThePlanIsCompiled() throws Exception {
        AvroDecoder<Pay> d = reader(SchemaProvider.of(Map.of(1, V1, 2, V2)))
            .stringField("merchant", "", (p, b, o, n) -> {
                p.merchantOffset = o;
                p.merchantLength = n;
            })
            .build();
        byte[][] records = {AvroWire.encode(1, v1(5, 5, "WEB")), AvroWire.encode(2, v2(1, 2, "APP", "shop")),
            AvroWire.encode(2, v2(1, 2, "ATM", null))};
        Pay p = new Pay();
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (int round = 0; round < 3; round++) {
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 200_000; i++) {
                sum += d.decode(records[i % 3], p).channel;
            }
            long bytes = mx.getCurrentThreadAllocatedBytes() - before;
            if (round > 0) {
                // Any object per record would be >= 16 B per decode; what remains is the JIT's own (a few hundred
                // bytes per round at most, as ApplierAllocationTest sees). JMH -prof gc shows 0 B/op.
                assertThat(bytes / 200_000.0).as("bytes allocated per decode").isLessThan(0.01);
            }
        }
        assertThat(sum).isPositive();
    }

    static void assertRejected(AvroDecoder<Pay> d, byte[] value, BadRecordReason reason, String message) {
        assertThatThrownBy(() -> d.decode(value, new Pay()))
            .isInstanceOfSatisfying(RejectedRecordException.class, e -> assertThat(e.reason()).isEqualTo(reason))
            .hasMessageContaining(message);
    }
}
