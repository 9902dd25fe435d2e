package io.freshet.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/** Examples of {@link JsonDecoder}: what it reads, what it skips, and the reason and message of each bad record. */
class JsonDecoderTest {
    /** The decoded event. */
    static final class Txn {
        long userId;
        double amount;
        long tsMs;
        boolean declined;
        final StringBuilder merchant = new StringBuilder(32);
        long categoryHash;
    }

    static final JsonDecoder<Txn> DECODER = JsonDecoder.builder(Txn::new)
        .longField("user.id", (t, v) -> t.userId = v)
        .doubleField("amount", (t, v) -> t.amount = v)
        .timestampField("ts", TimeUnit.MILLISECONDS, (t, v) -> t.tsMs = v)
        .booleanField("flags.declined", false, (t, v) -> t.declined = v)
        .textField("merchant.name", t -> t.merchant)
        .hashField("category", -1L, (t, v) -> t.categoryHash = v)
        .build();

    static Txn decode(String json) throws RejectedRecordException {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        return DECODER.decode(b, 0, b.length, DECODER.newReusable());
    }

    static void assertBad(String json, BadRecordReason reason, String message) {
        ThrowingCallable call = () -> decode(json);
        assertThatThrownBy(call).isInstanceOf(RejectedRecordException.class).hasMessage(message)
            .satisfies(e -> assertThat(((RejectedRecordException) e).reason()).isEqualTo(reason));
    }

    @Test
    void readsDeclaredFieldsAndSkipsEverythingElse() throws Exception {
        Txn t = decode(" {\n\t\"id\": \"evt-1\", \"user\" : { \"name\": \"x\", \"id\" : 42,"
            + " \"tags\": [1, {\"a\": [[]]}, \"}\"] }, \"amount\": 12.5e1,"
            + " \"extra\": {\"deep\": {\"er\": [true, false, null, -0.5e-3]}},"
            + " \"ts\": 1733400000123, \"merchant\": {\"name\": \"Caf\\u00e9 \\\"Z\\\" \u00e9\ud83d\ude00\"},"
            + " \"category\": \"grocery\", \"flags\": {\"declined\": true} } \r\n");
        assertThat(t.userId).isEqualTo(42);
        assertThat(t.amount).isEqualTo(125.0);
        assertThat(t.tsMs).isEqualTo(1733400000123L);
        assertThat(t.declined).isTrue();
        assertThat(t.merchant.toString()).isEqualTo("Café \"Z\" é\ud83d\ude00");
        assertThat(t.categoryHash).isEqualTo(JsonDecoder.textHash("grocery"));
    }

    @Test
    void optionalFieldsTakeTheirMissingValueWhenAbsentOrNullOnAReusedEvent() throws Exception {
        Txn t = decode("{\"user\":{\"id\":-7},\"amount\":0,\"ts\":0,\"merchant\":{\"name\":\"\"},"
            + "\"category\":\"x\",\"flags\":{\"declined\":true}}");
        byte[] b = ("{\"user\":{\"id\":9223372036854775807},\"amount\":-1,\"ts\":5,\"merchant\":{\"name\":\"m\"},"
            + "\"category\":null,\"flags\":null}").getBytes(StandardCharsets.UTF_8);
        DECODER.decode(b, 0, b.length, t);
        assertThat(t.userId).isEqualTo(Long.MAX_VALUE);
        assertThat(t.declined).isFalse();
        assertThat(t.categoryHash).isEqualTo(-1L);
        assertThat(t.merchant.toString()).isEqualTo("m");
    }

    @Test
    void keysWithEscapesMatchTheirUnescapedPathAndTheLastDuplicateWins() throws Exception {
        Txn t = decode("{\"\\u0075ser\":{\"i\\u0064\":1},\"amount\":1,\"am\\u006Funt\":2.25,\"ts\":1,"
            + "\"merchant\":{\"n\\/ame\":\"no\",\"name\":\"yes\"}}");
        assertThat(t.userId).isEqualTo(1);
        assertThat(t.amount).isEqualTo(2.25);
        assertThat(t.merchant.toString()).isEqualTo("yes");
    }

    @Test
    void timestampsAreEpochsInTheDeclaredUnitOrRfc3339Strings() throws Exception {
        String[] texts = {"2026-12-05T14:30:00Z", "2026-12-05T14:30:00.1234567+01:30", "1969-07-20t20:17:40.5z",
            "2024-02-29 23:59:59.999-08:00", "0001-01-01T00:00:00Z"};
        for (String text : texts) {
            Txn t = decode("{\"user\":{\"id\":1},\"amount\":1,\"ts\":\"" + text + "\",\"merchant\":{\"name\":\"\"}}");
            assertThat(t.tsMs).as(text)
                .isEqualTo(OffsetDateTime.parse(text.replace(' ', 'T').toUpperCase()).toInstant().toEpochMilli());
        }
        for (String bad : new String[] {"2025-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-12-05T14:30:00",
            "2026-12-05T24:00:00Z", "2026-12-05T14:30:60Z", "yesterday"}) {
            assertBad("{\"user\":{\"id\":1},\"amount\":1,\"ts\":\"" + bad + "\",\"merchant\":{\"name\":\"\"}}",
                BadRecordReason.WRONG_TYPE, "field=ts offset=33: is a string, expected an RFC 3339 timestamp such"
                + " as 2026-12-05T14:30:00Z");
        }
        JsonDecoder<Txn> seconds = JsonDecoder.builder(Txn::new).timestampField("t", TimeUnit.SECONDS,
            (x, v) -> x.tsMs = v).build();
        JsonDecoder<Txn> nanos = JsonDecoder.builder(Txn::new).timestampField("t", TimeUnit.NANOSECONDS,
            (x, v) -> x.tsMs = v).build();
        byte[] b = "{\"t\":-1733400000123456789}".getBytes(StandardCharsets.UTF_8);
        assertThat(nanos.decode(b, 0, b.length, new Txn()).tsMs).isEqualTo(-1733400000124L);
        b = "{\"t\":1733400000}".getBytes(StandardCharsets.UTF_8);
        assertThat(seconds.decode(b, 0, b.length, new Txn()).tsMs).isEqualTo(1733400000000L);
        byte[] far = "{\"t\":9223372036854776}".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> seconds.decode(far, 0, far.length, new Txn()))
            .hasMessage("field=t offset=5: the epoch is out of range in milliseconds");
    }

    @Test
    void eachBadRecordHasItsReasonAndAOneLineMessageNamingFieldOrOffset() {
        String ok = "\"ts\":1,\"merchant\":{\"name\":\"m\"}";
        assertBad("", BadRecordReason.MALFORMED, "malformed JSON at offset=0: the value is empty");
        assertBad("[1]", BadRecordReason.WRONG_TYPE, "offset=0: the value is a array, expected a JSON object");
        assertBad("{\"user\":{\"id\":1},\"amount\":1," + ok, BadRecordReason.MALFORMED,
            "malformed JSON at offset=58: expected ',' or '}'");
        assertBad("{\"user\":{\"id\":1},\"amount\":1," + ok + "} x", BadRecordReason.MALFORMED,
            "malformed JSON at offset=60: content after the end of the JSON object");
        assertBad("{\"user\":{\"id\":01},\"amount\":1," + ok + "}", BadRecordReason.MALFORMED,
            "malformed JSON at offset=15: a number may not have leading zeros");
        assertBad("{\"x\":[1,],\"user\":{\"id\":1},\"amount\":1," + ok + "}", BadRecordReason.MALFORMED,
            "malformed JSON at offset=8: invalid value");
        assertBad("{\"x\":\"a\\qb\",\"user\":{\"id\":1},\"amount\":1," + ok + "}", BadRecordReason.MALFORMED,
            "malformed JSON at offset=7: invalid escape");
        assertBad("{\"x\":tru}", BadRecordReason.MALFORMED, "malformed JSON at offset=5: invalid literal");
        assertBad("{\"x\":" + "[".repeat(600) + "]".repeat(600) + "}", BadRecordReason.MALFORMED,
            "malformed JSON at offset=516: nesting deeper than 512 levels");
        assertBad("{\"amount\":1," + ok + "}", BadRecordReason.MISSING_FIELD,
            "field=user.id is missing or null: every record needs it (or declare it with a missing value)");
        assertBad("{\"user\":{\"id\":null},\"amount\":1," + ok + "}", BadRecordReason.MISSING_FIELD,
            "field=user.id is missing or null: every record needs it (or declare it with a missing value)");
        assertBad("{\"user\":{\"id\":\"42\"},\"amount\":1," + ok + "}", BadRecordReason.WRONG_TYPE,
            "field=user.id offset=14: is a string, expected an integer");
        assertBad("{\"user\":{\"id\":4.2},\"amount\":1," + ok + "}", BadRecordReason.WRONG_TYPE,
            "field=user.id offset=14: is a decimal number, expected an integer");
        assertBad("{\"user\":7,\"amount\":1," + ok + "}", BadRecordReason.WRONG_TYPE,
            "field=user offset=8: is a number, expected an object holding declared fields");
        assertBad("{\"user\":{\"id\":1},\"amount\":true," + ok + "}", BadRecordReason.WRONG_TYPE,
            "field=amount offset=26: is a boolean, expected a number");
        assertBad("{\"user\":{\"id\":1},\"amount\":1," + ok + ",\"flags\":{\"declined\":1}}",
            BadRecordReason.WRONG_TYPE, "field=flags.declined offset=79: is a number, expected true or false");
        assertBad("{\"user\":{\"id\":9223372036854775808},\"amount\":1," + ok + "}", BadRecordReason.OUT_OF_RANGE,
            "field=user.id offset=14: the integer does not fit a long");
        assertBad("{\"user\":{\"id\":1},\"amount\":-1e309," + ok + "}", BadRecordReason.OUT_OF_RANGE,
            "field=amount offset=26: the number is beyond the range of a double");
        assertBad("{\"user\":{\"id\":1},\"amount\":1,\"ts\":1,\"merchant\":{\"name\":\"a\u0001\"}}",
            BadRecordReason.MALFORMED, "malformed JSON at offset=56: control character in a string");
        // Never the payload: the secret in a bad value stays out of the message.
        assertBad("{\"user\":{\"id\":\"secret-4111\"},\"amount\":1," + ok + "}", BadRecordReason.WRONG_TYPE,
            "field=user.id offset=14: is a string, expected an integer");
    }

    @Test
    void invalidUtf8BytesAreMalformedInDecodedStrings() {
        byte[] b = "{\"user\":{\"id\":1},\"amount\":1,\"ts\":1,\"merchant\":{\"name\":\"ab\"}}"
            .getBytes(StandardCharsets.UTF_8);
        b[55] = (byte) 0xC0; // an overlong lead byte
        assertThatThrownBy(() -> DECODER.decode(b, 0, b.length, new Txn())).isInstanceOf(RejectedRecordException.class)
            .hasMessage("field=merchant.name offset=55: the string is not well-formed UTF-8");
    }

    @Test
    void decodesASliceOfALargerArrayWithOffsetsRelativeToIt() throws Exception {
        byte[] b = "xx{\"user\":{\"id\":3},\"amount\":2,\"ts\":1,\"merchant\":{\"name\":\"q\"}}yy"
            .getBytes(StandardCharsets.UTF_8);
        assertThat(DECODER.decode(b, 2, b.length - 4, new Txn()).userId).isEqualTo(3);
        assertThatThrownBy(() -> DECODER.decode(b, 2, b.length - 3, new Txn()))
            .hasMessage("malformed JSON at offset=59: content after the end of the JSON object");
    }

    @Test
    void sixtyFourFieldsOnOneLevelAreEachReadWhateverKeysShareALookupSlot() throws Exception {
        JsonDecoder.Builder<long[]> b = JsonDecoder.builder(() -> new long[64]);
        StringBuilder doc = new StringBuilder("{\"zz\":0");
        for (int i = 0; i < 64; i++) {
            final int f = i;
            String key = i % 2 == 0 ? "f" + i : "g" + (char) ('a' + i % 26) + i + "x";
            b.longField(key, (e, v) -> e[f] = v);
            doc.append(",\"").append(key).append("\":").append(1000 + i).append(",\"").append(key).append("y\":1");
        }
        JsonDecoder<long[]> wide = b.build();
        byte[] json = doc.append('}').toString().getBytes(StandardCharsets.UTF_8);
        long[] out = wide.decode(json, 0, json.length, new long[64]);
        for (int i = 0; i < 64; i++) {
            assertThat(out[i]).as("field %s", i).isEqualTo(1000 + i);
        }
    }

    @Test
    void decodingAllocatesNothingPerRecord() throws Exception {
        com.sun.management.ThreadMXBean mx =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        byte[] b = ("{\"user\":{\"id\":42,\"tags\":[1,{\"a\":null}]},\"amount\":1234.56,"
            + "\"ts\":\"2026-12-05T14:30:00Z\","
            + "\"merchant\":{\"name\":\"caf\\u00e9\"},\"category\":\"x\",\"note\":\"\\\"q\\\"\"}")
            .getBytes(StandardCharsets.UTF_8);
        Txn t = DECODER.newReusable();
        int n = 50_000;
        for (int i = 0; i < 4 * n; i++) {
            DECODER.decode(b, 0, b.length, t);
        }
        long before = mx.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < n; i++) {
            DECODER.decode(b, 0, b.length, t);
        }
        long bytes = mx.getCurrentThreadAllocatedBytes() - before;
        assertThat((double) bytes / n).as("bytes per record").isLessThan(1.0);
        assertThat(t.merchant.toString()).isEqualTo("café");
    }

    @Test
    void builderRejectsBadDeclarationsWithTheFix() {
        assertThatThrownBy(() -> JsonDecoder.builder(Txn::new).longField("a..b", (t, v) -> { }))
            .hasMessage("path=\"a..b\" is not a dotted path of keys: write e.g. \"amount\" or \"user.id\"");
        assertThatThrownBy(() -> JsonDecoder.builder(Txn::new).longField("a", (t, v) -> { })
            .doubleField("a", (t, v) -> { })).hasMessage("path=a is already declared: declare each field once");
        assertThatThrownBy(() -> JsonDecoder.builder(Txn::new).longField("a", (t, v) -> { })
            .longField("a.b", (t, v) -> { }).build())
            .hasMessageContaining("path=a.b goes through a declared field");
        assertThatThrownBy(() -> JsonDecoder.builder(Txn::new).longField("a.b", (t, v) -> { })
            .longField("a", (t, v) -> { }).build())
            .hasMessageContaining("path=a is declared twice or also holds nested fields");
        assertThatThrownBy(() -> JsonDecoder.builder(Txn::new).build())
            .hasMessageStartingWith("no field declared");
        assertThatThrownBy(() -> JsonDecoder.builder(Txn::new).timestampField("t", TimeUnit.DAYS, (t, v) -> { }))
            .hasMessageStartingWith("unit=DAYS for path=t");
    }

    @Test
    void aDecoderIsSharedByThreadsEachWithItsOwnCursor() throws Exception {
        Thread[] threads = new Thread[4];
        Throwable[] failures = new Throwable[threads.length];
        for (int i = 0; i < threads.length; i++) {
            final int id = i;
            threads[i] = new Thread(() -> {
                try {
                    Txn t = new Txn();
                    for (int n = 0; n < 20_000; n++) {
                        byte[] b = ("{\"user\":{\"id\":" + (id * 1_000_000 + n) + "},\"amount\":" + n + ".5,\"ts\":"
                            + n + ",\"merchant\":{\"name\":\"m" + id + "\"}}").getBytes(StandardCharsets.UTF_8);
                        DECODER.decode(b, 0, b.length, t);
                        if (t.userId != id * 1_000_000 + n || t.amount != n + 0.5 || t.tsMs != n
                            || !t.merchant.toString().equals("m" + id)) {
                            throw new AssertionError("thread " + id + " read another thread's values at n=" + n);
                        }
                    }
                } catch (Throwable e) {
                    failures[id] = e;
                }
            });
            threads[i].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(failures).containsOnlyNulls();
    }
}
