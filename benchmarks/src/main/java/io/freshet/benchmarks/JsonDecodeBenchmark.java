package io.freshet.benchmarks;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.freshet.kafka.JsonDecoder;
import io.freshet.kafka.RecordDecoder;
import io.freshet.kafka.RecordView;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/*
 * Run (from the repository root, after
 * `mvn -ntp -q package -pl benchmarks -am -DskipTests -Dfreshet.skipBenchSmoke=true`):
 *
 *   flock /tmp/jmh.lock java -jar benchmarks/target/benchmarks.jar JsonDecodeBenchmark -f 1 -wi 3 -w 1s -i 5 -r 1s \
 *       -prof gc
 *
 * Goal (issue 19 points 7 and 9): zeroCopyJson >= 3x faster than jacksonStreaming and 0 B/op (gc.alloc.rate.norm);
 * deserializerPojo shows what Source.deserializing costs per record against both.
 */

/**
 * One consumer thread decoding JSON payment records (about 330 bytes: a nested user id, a merchant name, an amount
 * with cents, an epoch-ms time, a flag, and as many fields again that no feature reads, nested objects and an array
 * among them) into an event, the four ways a Freshet source can: {@code zeroCopyJson} is {@link JsonDecoder} through
 * the {@link RecordView} flyweight as the pipeline calls it; {@code jacksonStreaming} is Jackson's streaming parser
 * extracting the same five fields into the same reusable event as tightly as it allows (names compared as interned
 * strings, the merchant copied from the parser's char buffer, no String); {@code deserializerPojo} is the path of
 * {@code Source.deserializing}: a Kafka {@link Deserializer} that maps each record to a new POJO with an
 * {@link ObjectMapper}, adapted by {@link RecordDecoder#fromDeserializer}; {@code binaryDecoder} is the fixed-layout
 * binary decoder of {@link DecodeHandOffBenchmark} over 32-byte records, the floor of decoding from bytes.
 * Each call decodes the next of 1,024 pre-built records and hands the fields to a Blackhole.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class JsonDecodeBenchmark {
    private static final int RECORDS = 1024;

    /** The event every JSON path fills (the deserializer makes {@link PaymentJson}s instead). */
    public static final class Txn {
        long userId;
        double amount;
        long tsMs;
        boolean declined;
        final StringBuilder merchant = new StringBuilder(32);
    }

    /** The POJO a user's ObjectMapper deserializer returns, one per record. */
    public static final class PaymentJson {
        /** The nested user. */
        public static final class User {
            public long id;
        }

        /** The nested merchant. */
        public static final class Merchant {
            public String name;
        }

        public User user;
        public Merchant merchant;
        public double amount;
        public long ts;
        public boolean declined;
    }

    /** A thread-safe value deserializer, as users write them for {@code Source.deserializing}. */
    static final class PaymentDeserializer implements Deserializer<PaymentJson> {
        private final ObjectMapper mapper = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

        @Override
        public PaymentJson deserialize(String topic, byte[] data) {
            try {
                return mapper.readValue(data, PaymentJson.class);
            } catch (IOException e) {
                throw new IllegalArgumentException("not a payment: " + e.getClass().getSimpleName(), e);
            }
        }
    }

    private final ConsumerRecord<byte[], byte[]>[] records = newRecords();
    private final ConsumerRecord<byte[], byte[]>[] binaryRecords = DecodeHandOffBenchmark.DecodeState.newRecords();
    private final RecordView view = new RecordView();
    private final JsonDecoder<Txn> json = JsonDecoder.builder(Txn::new)
        .longField("user.id", (t, v) -> t.userId = v)
        .textField("merchant.name", t -> t.merchant)
        .doubleField("amount", (t, v) -> t.amount = v)
        .timestampField("ts", TimeUnit.MILLISECONDS, (t, v) -> t.tsMs = v)
        .booleanField("declined", false, (t, v) -> t.declined = v)
        .build();
    private final Txn jsonEvent = json.newReusable();
    private final JsonFactory factory = new JsonFactory();
    private final Txn jacksonEvent = new Txn();
    private final RecordDecoder<PaymentJson> deserializer = RecordDecoder.fromDeserializer(new PaymentDeserializer());
    private final DecodeHandOffBenchmark.Decoder binary = new DecodeHandOffBenchmark.Decoder();
    private final DecodeHandOffBenchmark.DecodedPayment binaryEvent = binary.newReusable();
    private int next;

    @SuppressWarnings("unchecked")
    static ConsumerRecord<byte[], byte[]>[] newRecords() {
        SplittableRandom r = new SplittableRandom(42);
        ConsumerRecord<byte[], byte[]>[] out = new ConsumerRecord[RECORDS];
        for (int i = 0; i < RECORDS; i++) {
            long user = r.nextLong(1_000_000);
            String doc = "{\"event_id\":\"e-" + (100_000 + i) + "\",\"type\":\"payment\",\"user\":{\"id\":" + user
                + ",\"country\":\"DE\",\"tier\":" + r.nextInt(4) + "},\"merchant\":{\"name\":\"merchant-"
                + r.nextInt(5_000) + "\",\"mcc\":5411},\"amount\":" + r.nextInt(100_000) + "."
                + String.format("%02d", r.nextInt(100)) + ",\"currency\":\"EUR\",\"ts\":"
                + (1_733_400_000_000L + i * 1_000L) + ",\"declined\":" + (r.nextInt(10) == 0)
                + ",\"device\":{\"os\":\"ios\",\"version\":\"17.1.2\",\"trusted\":true},"
                + "\"items\":[{\"sku\":\"A1\",\"qty\":1},{\"sku\":\"B7\",\"qty\":3}],"
                + "\"note\":\"caf\\u00e9 \\\"2\\\"\"}";
            out[i] = new ConsumerRecord<>("payments", 0, i, longBytes(user), doc.getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }

    private static byte[] longBytes(long v) {
        byte[] b = new byte[8];
        for (int i = 7; i >= 0; i--) {
            b[i] = (byte) v;
            v >>>= 8;
        }
        return b;
    }

    private ConsumerRecord<byte[], byte[]> nextRecord() {
        ConsumerRecord<byte[], byte[]> rec = records[next];
        next = (next + 1) & (RECORDS - 1);
        return rec;
    }

    private static void consume(Txn t, Blackhole bh) {
        bh.consume(t.userId);
        bh.consume(t.amount);
        bh.consume(t.tsMs);
        bh.consume(t.declined);
        bh.consume(t.merchant.length());
    }

    /** The zero-copy decoder as the pipeline calls it. */
    @Benchmark
    public void zeroCopyJson(Blackhole bh) throws Exception {
        consume(json.decode(view.wrap(nextRecord()), jsonEvent), bh);
    }

    /** Jackson's streaming parser extracting the same fields into the same reusable event. */
    @Benchmark
    public void jacksonStreaming(Blackhole bh) throws Exception {
        byte[] value = view.wrap(nextRecord()).value();
        try (JsonParser p = factory.createParser(value)) {
            jacksonExtract(p, jacksonEvent);
        }
        consume(jacksonEvent, bh);
    }

    /** {@code Source.deserializing}: a Deserializer making one POJO per record. */
    @Benchmark
    public void deserializerPojo(Blackhole bh) throws Exception {
        PaymentJson p = deserializer.decode(view.wrap(nextRecord()), null);
        bh.consume(p.user.id);
        bh.consume(p.amount);
        bh.consume(p.ts);
        bh.consume(p.declined);
        bh.consume(p.merchant.name.length());
    }

    /** The fixed-layout binary decoder: the floor of decoding from bytes. */
    @Benchmark
    public void binaryDecoder(Blackhole bh) {
        ConsumerRecord<byte[], byte[]> rec = binaryRecords[next];
        next = (next + 1) & (RECORDS - 1);
        DecodeHandOffBenchmark.DecodedPayment e = binary.decode(view.wrap(rec), binaryEvent);
        bh.consume(e.userId);
        bh.consume(e.amount);
        bh.consume(e.timeMs);
        bh.consume(e.merchantId);
    }

    /** Reads the whole document (as the zero-copy decoder does, trailing content included) and keeps five fields. */
    static void jacksonExtract(JsonParser p, Txn t) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            throw new IOException("not an object");
        }
        boolean declined = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            switch (name) {
                case "user":
                    while (v == JsonToken.START_OBJECT && p.nextToken() == JsonToken.FIELD_NAME) {
                        String n = p.currentName();
                        p.nextToken();
                        if (n.equals("id")) {
                            t.userId = p.getLongValue();
                        } else {
                            p.skipChildren();
                        }
                    }
                    break;
                case "merchant":
                    while (v == JsonToken.START_OBJECT && p.nextToken() == JsonToken.FIELD_NAME) {
                        String n = p.currentName();
                        p.nextToken();
                        if (n.equals("name")) {
                            t.merchant.setLength(0);
                            t.merchant.append(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
                        } else {
                            p.skipChildren();
                        }
                    }
                    break;
                case "amount":
                    t.amount = p.getDoubleValue();
                    break;
                case "ts":
                    t.tsMs = p.getLongValue();
                    break;
                case "declined":
                    declined = p.getBooleanValue();
                    break;
                default:
                    p.skipChildren();
                    break;
            }
        }
        t.declined = declined;
        if (p.nextToken() != null) {
            throw new IOException("content after the object");
        }
    }
}
