package io.freshet.benchmarks;

import io.freshet.benchmarks.harness.PaymentCodec;
import io.freshet.core.FeatureSet;
import io.freshet.core.spi.Keys;
import io.freshet.kafka.RecordDecoder;
import io.freshet.kafka.RecordView;
import io.freshet.kafka.internal.HandOffRing;
import io.freshet.kafka.internal.Slot;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.openjdk.jmh.annotations.AuxCounters;
import org.jctools.queues.atomic.SpscAtomicArrayQueue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/*
 * Run (from the repository root, after `mvn -q -pl benchmarks -am package -DskipTests -Dfreshet.skipBenchSmoke=true`):
 *
 *   java -jar benchmarks/target/benchmarks.jar DecodeHandOffBenchmark -f 1 -wi 3 -w 2s -i 5 -r 2s -prof gc
 *
 * Goal: 0 B/op on every method (gc.alloc.rate.norm); the consumer thread's per-record work is decode + route +
 * hand-off, so their sum bounds how many records one consumer thread can feed.
 *
 * Read handOff with care: its score is the mean time of a call on either thread, and a call that finds the ring full
 * (producer) or empty (applier) returns at once, so the score mixes hand-offs with idle spins and swings 3-75 ns
 * between runs of the same code as the two threads fall into step or not. handOffRate counts hand-offs only:
 * handOffRate:handedOff is completed hand-offs per microsecond across two threads (1000 / it = ns per hand-off).
 */

/**
 * The consumer side of the pipeline's hot path, record by record: {@code decode} wraps a polled record in the
 * {@link RecordView} flyweight, decodes it in place into a reusable event with a {@link RecordDecoder}, extracts the
 * entity key and event time through the feature set and routes it to a shard ({@link Keys}), as the ingest loop
 * does; {@code handOffRoundTrip} is the {@link HandOffRing} protocol on one thread (claim a pre-allocated slot, fill,
 * publish, poll, release); {@code handOff} runs producer and applier on two threads, as in the pipeline.
 *
 * <p>The ring and its slots are internal types ({@code io.freshet.kafka.internal}, not exported): the benchmark uses
 * their public members only.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DecodeHandOffBenchmark {
    private static final VarHandle BIG_ENDIAN_LONG =
        MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final int RECORDS = 4096;
    private static final int SHARDS = 4;

    /** A mutable payment that the decoder fills in place. */
    public static final class DecodedPayment {
        long userId;
        long timeMs;
        double amount;
        long merchantId;

        long userId() {
            return userId;
        }

        long timeMs() {
            return timeMs;
        }

        double amount() {
            return amount;
        }
    }

    /** Reads the harness wire format (big-endian fields) without a ByteBuffer. */
    static final class Decoder implements RecordDecoder<DecodedPayment> {
        @Override
        public DecodedPayment decode(RecordView record, DecodedPayment reuse) {
            byte[] v = record.value();
            if (v == null || v.length != PaymentCodec.VALUE_BYTES) {
                return null;
            }
            reuse.userId = (long) BIG_ENDIAN_LONG.get(v, 0);
            reuse.timeMs = (long) BIG_ENDIAN_LONG.get(v, 8);
            reuse.amount = Double.longBitsToDouble((long) BIG_ENDIAN_LONG.get(v, 16));
            reuse.merchantId = (long) BIG_ENDIAN_LONG.get(v, 24);
            return reuse;
        }

        @Override
        public DecodedPayment newReusable() {
            return new DecodedPayment();
        }
    }

    /** Pre-built records (as a poll returns them), the decoder and a feature set for key and time extraction. */
    @State(Scope.Thread)
    public static class DecodeState {
        final ConsumerRecord<byte[], byte[]>[] records = newRecords();
        final RecordView view = new RecordView();
        final Decoder decoder = new Decoder();
        final DecodedPayment reuse = decoder.newReusable();
        final FeatureSet<DecodedPayment> set = FeatureSet.builder("decode_bench", DecodedPayment.class)
            .entity("user", DecodedPayment::userId)
            .eventTime(DecodedPayment::timeMs)
            .sum("amount", DecodedPayment::amount)
            .build();
        int next;

        @SuppressWarnings("unchecked")
        static ConsumerRecord<byte[], byte[]>[] newRecords() {
            ConsumerRecord<byte[], byte[]>[] r = new ConsumerRecord[RECORDS];
            SplittableRandom random = new SplittableRandom(7);
            for (int i = 0; i < RECORDS; i++) {
                byte[] key = new byte[PaymentCodec.KEY_BYTES];
                byte[] value = new byte[PaymentCodec.VALUE_BYTES];
                long user = random.nextInt(1_000_000);
                PaymentCodec.encode(key, value, user, 1_700_000_000_000L + i, random.nextInt(10_000) / 100.0,
                    random.nextInt(5000), 0);
                r[i] = new ConsumerRecord<>("payments", 0, i, key, value);
            }
            return r;
        }
    }

    /** One ring used from one thread. */
    @State(Scope.Thread)
    public static class RingState {
        HandOffRing ring;
        long offset;

        /** Builds a ring of pre-allocated slots. */
        @Setup(Level.Trial)
        public void setUp() {
            ring = new HandOffRing(256, 1, false);
        }
    }

    /** One ring shared by a producer thread and an applier thread. */
    @State(Scope.Group)
    public static class SharedRing {
        HandOffRing ring;

        /** Builds a ring of pre-allocated slots. */
        @Setup(Level.Trial)
        public void setUp() {
            ring = new HandOffRing(1024, 1, false);
        }
    }

    /** Completed hand-offs, counted by the applier thread: JMH reports them as a rate. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class HandOffCount {
        /** Slots polled and released. */
        public long handedOff;
    }

    /** The producer's own counter (one thread per group). */
    @State(Scope.Thread)
    public static class ProducerCursor {
        long offset;
    }

    /**
     * Wrap, decode, extract key and time, route.
     *
     * @param s state
     * @return the shard, consumed by JMH
     */
    @Benchmark
    @HotPath("per-record decode on the consumer thread")
    public int decode(DecodeState s) {
        ConsumerRecord<byte[], byte[]> record = s.records[s.next++ & (RECORDS - 1)];
        DecodedPayment e = s.decoder.decode(s.view.wrap(record), s.reuse);
        long key = s.set.longKeyOf(e);
        long time = s.set.eventTimeOf(e);
        return Keys.shardOf(Keys.hash(key), SHARDS) ^ (int) time;
    }

    /**
     * Claim, fill, publish, poll, release on one thread.
     *
     * @param s state
     * @return the polled slot's offset
     */
    @Benchmark
    @HotPath("hand-off of one record between consumer and applier")
    public long handOffRoundTrip(RingState s) {
        Slot slot = s.ring.claim();
        slot.kind(Slot.RECORD);
        slot.offset(s.offset++);
        slot.longKey(slot.offset());
        s.ring.publish(slot);
        Slot polled = s.ring.poll();
        long offset = polled.offset();
        s.ring.release(polled);
        return offset;
    }

    /**
     * The consumer thread's side: claim, fill, publish (spinning when the applier is behind).
     *
     * @param s shared ring
     * @param c this producer's cursor
     * @param bh blackhole for back-pressure counts
     */
    @Benchmark
    @Group("handOff")
    @GroupThreads(1)
    @HotPath("hand-off, producer side")
    public void handOffProduce(SharedRing s, ProducerCursor c, Blackhole bh) {
        Slot slot = s.ring.claim();
        if (slot == null) {
            bh.consume(0);
            return;
        }
        slot.kind(Slot.RECORD);
        slot.offset(c.offset++);
        s.ring.publish(slot);
    }

    /**
     * The applier thread's side: poll and release.
     *
     * @param s shared ring
     * @return the polled offset, or -1 when nothing was there
     */
    @Benchmark
    @Group("handOff")
    @GroupThreads(1)
    @HotPath("hand-off, applier side")
    public long handOffConsume(SharedRing s) {
        Slot slot = s.ring.poll();
        if (slot == null) {
            return -1;
        }
        long offset = slot.offset();
        s.ring.release(slot);
        return offset;
    }

    /**
     * The producer side of {@code handOffRate}: as {@link #handOffProduce}.
     *
     * @param s shared ring
     * @param c this producer's cursor
     * @param bh blackhole for back-pressure counts
     */
    @Benchmark
    @Group("handOffRate")
    @GroupThreads(1)
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @HotPath("hand-off rate, producer side")
    public void handOffRateProduce(SharedRing s, ProducerCursor c, Blackhole bh) {
        handOffProduce(s, c, bh);
    }

    /**
     * The applier side of {@code handOffRate}: as {@link #handOffConsume}, counting each completed hand-off.
     *
     * @param s shared ring
     * @param n the hand-off count
     * @return the polled offset, or -1 when nothing was there
     */
    @Benchmark
    @Group("handOffRate")
    @GroupThreads(1)
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @HotPath("hand-off rate, applier side")
    public long handOffRateConsume(SharedRing s, HandOffCount n) {
        Slot slot = s.ring.poll();
        if (slot == null) {
            return -1;
        }
        long offset = slot.offset();
        s.ring.release(slot);
        n.handedOff++;
        return offset;
    }

    /**
     * The peer of {@link #decode}: the same record's key and time read straight from its value bytes, and a shard
     * from a multiplicative hash, with no decoder, flyweight or feature-set extractor. The latency guard
     * ({@link LatencyGuard}) runs {@code decode} beside it.
     *
     * @param s state
     * @return the shard, consumed by JMH
     */
    @Benchmark
    public int decodeBare(DecodeState s) {
        byte[] v = s.records[s.next++ & (RECORDS - 1)].value();
        long key = (long) BIG_ENDIAN_LONG.get(v, 0);
        long time = (long) BIG_ENDIAN_LONG.get(v, 8);
        return (int) ((key * 0x9E3779B97F4A7C15L) >>> 62) ^ (int) time;
    }

    /** Two bare SPSC queues of pre-allocated holders, one of full and one of free ones, used from one thread. */
    @State(Scope.Thread)
    public static class QueueState {
        SpscAtomicArrayQueue<long[]> full;
        SpscAtomicArrayQueue<long[]> free;
        long offset;

        /** Builds the queues and the holders. */
        @Setup(Level.Trial)
        public void setUp() {
            full = new SpscAtomicArrayQueue<>(256);
            free = new SpscAtomicArrayQueue<>(256);
            for (int i = 0; i < 256; i++) {
                free.offer(new long[1]);
            }
        }
    }

    /**
     * The peer of {@link #handOffRoundTrip}: the same claim, publish, poll, release protocol on two bare JCTools SPSC
     * queues holding {@code long[1]} holders instead of slots. The latency guard runs the round trip beside it.
     *
     * @param s state
     * @return the polled holder's offset
     */
    @Benchmark
    public long queueRoundTrip(QueueState s) {
        long[] holder = s.free.relaxedPoll();
        holder[0] = s.offset++;
        s.full.offer(holder);
        long[] polled = s.full.relaxedPoll();
        long offset = polled[0];
        s.free.offer(polled);
        return offset;
    }
}
