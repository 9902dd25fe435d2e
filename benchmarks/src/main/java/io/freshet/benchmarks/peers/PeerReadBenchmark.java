package io.freshet.benchmarks.peers;

import io.freshet.benchmarks.PaymentFeatures;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

/*
 * Run (from the repository root, after `mvn -q -pl benchmarks -am package -DskipTests -Dfreshet.skipBenchSmoke=true`):
 *
 *   java -jar benchmarks/target/benchmarks.jar PeerReadBenchmark -f 1 -wi 3 -w 2s -i 5 -r 2s -prof gc \
 *       -p peer=chm,kafkaStreams,redis
 *
 * `redis` needs redis-server (apt-get install redis-server); without it leave it out of -p peer (the default list
 * has no redis, so `mvn verify`'s smoke pass runs on machines without it). benchmarks/run-comparison.sh runs this
 * suite in the same JMH run as the store engines' read suites and adds redis when the binary exists.
 */

/**
 * The peers' side of "read one feature vector": fetch the row of one entity key, by default of the same size as
 * the store suites' row (144 B: {@code StoreBenchmark} and {@code ChronicleStoreBenchmark}), from
 * <ul>
 *   <li>{@code chm}: a {@code ConcurrentHashMap<Long, long[]>} on the heap, plus a copy of the row into a
 *       caller-owned array (every store engine copies the row out) — the on-heap baseline;</li>
 *   <li>{@code kafkaStreams}: a Kafka Streams 4.3.1 local state store, {@code get(key)} — a KTable materialised in
 *       {@link Stores#persistentTimestampedKeyValueStore} (RocksDB, the DSL's store type for count/aggregate),
 *       record caching and changelog off, built by {@link TopologyTestDriver} (no broker; the first 1,000 rows
 *       piped through its topic, the rest {@code putAll} into the store in key order, in batches of 10,000), read
 *       through the store handle the driver returns: the same metered/RocksDB stack an interactive query reaches,
 *       minus the query's routing layer;</li>
 *   <li>{@code redis}: Redis {@code GET} over loopback TCP through one Jedis 8.0.2 connection, against a
 *       {@code redis-server} this benchmark starts itself (persistence off).</li>
 * </ul>
 * Keys: {@value #DEFAULT_KEYS} rows, read in {@link KeySequence#ZIPF Zipf} or uniform order. Row bytes are
 * pseudo-random (incompressible) apart from the key in the first 8; setup checks 1000 reads against that.
 *
 * <p>10M keys are not offered by default: Redis takes ~2.5 GB of memory and a few minutes to fill;
 * {@code -p keys=10000000} works where time and memory allow.
 * Single-threaded; the peers allocate on read as their clients do (boxed keys are pre-built, results are not).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PeerReadBenchmark {
    /** Default key count. */
    static final String DEFAULT_KEYS = "1000000";
    /**
     * Default row size: the row of the store suites' feature set (eight lifetime counts, 144 B), so the peers' figures
     * sit next to the engines' in one table. {@code -p rowBytes=1536} gives the {@link PaymentFeatures} row.
     */
    static final String DEFAULT_ROW_BYTES = "144";
    /** {@code @Param} value of the on-heap baseline. */
    public static final String CHM = "chm";
    /** {@code @Param} value of the Kafka Streams RocksDB store. */
    public static final String KAFKA_STREAMS = "kafkaStreams";
    /** {@code @Param} value of Redis over loopback. */
    public static final String REDIS = "redis";

    private static final long SEED = 20261125L;
    private static final int CHECKED_READS = 1000;

    /** One peer filled with {@code keys} rows, and the key sequence to read them in. */
    @State(Scope.Thread)
    public static class PeerState {
        /** The store read. */
        @Param({CHM, KAFKA_STREAMS})
        public String peer;
        /** Rows in the store. */
        @Param({DEFAULT_KEYS})
        public int keys;
        /** Key distribution of the reads. */
        @Param({KeySequence.ZIPF, KeySequence.UNIFORM})
        public String distribution;
        /** Bytes per row, a multiple of 8. */
        @Param({DEFAULT_ROW_BYTES})
        public int rowBytes;

        Peer store;
        int position;

        /** Fills the peer and checks that it returns the rows written. */
        @Setup(Level.Trial)
        public void setUp() throws IOException {
            if (rowBytes < Long.BYTES || rowBytes % Long.BYTES != 0) {
                throw new IllegalArgumentException("rowBytes=" + rowBytes + " must be a positive multiple of 8");
            }
            KeySequence sequence = KeySequence.of(distribution, keys, SEED);
            long t0 = System.nanoTime();
            store = Peer.open(peer, keys, sequence, rowBytes);
            System.out.printf("%n[peer=%s keys=%d distribution=%s] filled in %.1f s (%s)%n", peer, keys, distribution,
                (System.nanoTime() - t0) / 1e9, store.describe());
            for (int i = 0; i < CHECKED_READS; i++) {
                long key = sequence.key(i * 997);
                long found = store.firstLong(i * 997);
                if (found != key) {
                    throw new IllegalStateException("peer=" + peer + " read key=" + key + " but the row holds key="
                        + found);
                }
            }
        }

        /** Releases the peer (stops the server, deletes the RocksDB directory). */
        @TearDown(Level.Trial)
        public void tearDown() {
            if (store != null) {
                store.close();
            }
        }
    }

    /**
     * @param s state
     * @return the row read (a copy owned by the benchmark, or the peer client's new array)
     */
    @Benchmark
    public Object read(PeerState s) {
        return s.store.read(s.position++);
    }

    /**
     * A filled peer store, also read by {@code ServedReadBenchmark} (the served vector's peers). Single-threaded.
     */
    public abstract static class Peer {
        /**
         * Fills a peer with the rows of keys {@code keyOf(0..keys-1)} (each row: the key, then pseudo-random longs).
         *
         * @param peer {@value PeerReadBenchmark#CHM}, {@value PeerReadBenchmark#KAFKA_STREAMS} or
         *     {@value PeerReadBenchmark#REDIS}
         * @param keys rows to write
         * @param sequence the keys {@link #read} will be asked for, by position
         * @param rowBytes bytes per row, a positive multiple of 8
         * @return the filled peer; close it
         * @throws IOException when the Streams state directory cannot be created
         * @throws IllegalStateException when redis-server is not installed
         * @throws IllegalArgumentException for another peer name
         */
        public static Peer open(String peer, int keys, KeySequence sequence, int rowBytes) throws IOException {
            if (CHM.equals(peer)) {
                return new MapPeer(keys, sequence, rowBytes);
            }
            if (KAFKA_STREAMS.equals(peer)) {
                return new StreamsPeer(keys, sequence, rowBytes);
            }
            if (REDIS.equals(peer)) {
                Path binary = RedisServer.findBinary();
                if (binary == null) {
                    throw new IllegalStateException(RedisServer.NOT_INSTALLED + "; drop it from -p peer=...");
                }
                return new RedisPeer(binary, keys, sequence, rowBytes);
            }
            throw new IllegalArgumentException("peer=" + peer + " is unknown: use " + CHM + ", " + KAFKA_STREAMS
                + " or " + REDIS);
        }

        /**
         * @param position position in the key sequence
         * @return the row of that key: a {@code long[]} owned by the peer ({@value PeerReadBenchmark#CHM}) or the
         *     client's new {@code byte[]}, big-endian
         */
        public abstract Object read(int position);

        /**
         * @param position position in the key sequence
         * @return the first 8 bytes of that key's row, big-endian (the key, if the store is right)
         */
        public abstract long firstLong(int position);

        /** @return what was built, for the log */
        public abstract String describe();

        /** Releases the peer (stops the server, deletes the RocksDB directory). */
        public abstract void close();
    }

    /** The row of a key: the key, then pseudo-random longs. */
    static long[] rowLongs(long key, int rowBytes) {
        long[] row = new long[rowBytes / Long.BYTES];
        SplittableRandom r = new SplittableRandom(key);
        row[0] = key;
        for (int i = 1; i < row.length; i++) {
            row[i] = r.nextLong();
        }
        return row;
    }

    static byte[] rowBytes(long key, int rowBytes) {
        ByteBuffer b = ByteBuffer.allocate(rowBytes);
        for (long v : rowLongs(key, rowBytes)) {
            b.putLong(v);
        }
        return b.array();
    }

    /** The on-heap baseline. */
    static final class MapPeer extends Peer {
        private final ConcurrentHashMap<Long, long[]> map;
        private final Long[] boxed;
        private final long[] target;

        MapPeer(int keys, KeySequence sequence, int rowBytes) {
            target = new long[rowBytes / Long.BYTES];
            map = new ConcurrentHashMap<>(keys * 2);
            for (int i = 0; i < keys; i++) {
                long key = KeySequence.keyOf(i);
                map.put(key, rowLongs(key, rowBytes));
            }
            boxed = boxAll(sequence);
        }

        @Override
        public Object read(int position) {
            long[] row = map.get(boxed[position & KeySequence.MASK]);
            System.arraycopy(row, 0, target, 0, row.length);
            return target;
        }

        @Override
        public long firstLong(int position) {
            return ((long[]) read(position))[0];
        }

        @Override
        public String describe() {
            return "ConcurrentHashMap<Long,long[]> size=" + map.size();
        }

        @Override
        public void close() {
        }
    }

    /** A KTable's RocksDB store inside a TopologyTestDriver. */
    static final class StreamsPeer extends Peer {
        private static final String TOPIC = "rows";
        private static final String STORE = "rows-store";
        private static final int PIPED_ROWS = 1_000;
        private static final int PUT_BATCH = 10_000;

        private final Path stateDir;
        private final TopologyTestDriver driver;
        private final KeyValueStore<Long, byte[]> store;
        private final Long[] boxed;

        StreamsPeer(int keys, KeySequence sequence, int rowBytes) throws IOException {
            stateDir = Files.createTempDirectory("freshet-peer-streams-");
            Properties p = new Properties();
            p.put(StreamsConfig.APPLICATION_ID_CONFIG, "freshet-peer-read");
            p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9");
            p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
            p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
            StreamsBuilder builder = new StreamsBuilder();
            builder.table(TOPIC, Consumed.with(Serdes.Long(), Serdes.ByteArray()),
                Materialized.<Long, byte[]>as(Stores.persistentTimestampedKeyValueStore(STORE))
                    .withKeySerde(Serdes.Long()).withValueSerde(Serdes.ByteArray())
                    .withCachingDisabled().withLoggingDisabled());
            driver = new TopologyTestDriver(builder.build(), p);
            store = driver.getKeyValueStore(STORE);
            // The first rows go through the topic as a KTable's would; the rest straight into the same store in
            // batches (one RocksDB write batch each): piping runs at ~6k rows/s here, which made 1M+ keys take
            // minutes. What a get reads back is the same either way (setup checks it).
            int piped = Math.min(keys, PIPED_ROWS);
            TestInputTopic<Long, byte[]> in = driver.createInputTopic(TOPIC, new LongSerializer(),
                new ByteArraySerializer());
            for (int i = 0; i < piped; i++) {
                long key = KeySequence.keyOf(i);
                in.pipeInput(key, rowBytes(key, rowBytes));
            }
            // In the order of the serialized keys (big-endian, compared unsigned), as a bulk load into RocksDB is
            // done: each flushed file then covers its own key range and compaction only moves files, where random
            // order ran at ~13k rows/s here and left compactions running into the measurement.
            long[] rest = new long[keys - piped];
            for (int i = piped; i < keys; i++) {
                rest[i - piped] = KeySequence.keyOf(i) ^ Long.MIN_VALUE;
            }
            Arrays.sort(rest);
            List<KeyValue<Long, byte[]>> batch = new ArrayList<>(PUT_BATCH);
            for (int i = 0; i < rest.length; i++) {
                long key = rest[i] ^ Long.MIN_VALUE;
                batch.add(KeyValue.pair(key, rowBytes(key, rowBytes)));
                if (batch.size() == PUT_BATCH || i == rest.length - 1) {
                    store.putAll(batch);
                    batch.clear();
                }
            }
            boxed = boxAll(sequence);
        }

        @Override
        public Object read(int position) {
            return store.get(boxed[position & KeySequence.MASK]);
        }

        @Override
        public long firstLong(int position) {
            return ByteBuffer.wrap((byte[]) read(position)).getLong(0);
        }

        @Override
        public String describe() {
            return "Kafka Streams RocksDB timestamped KV store, approximate entries=" + store.approximateNumEntries()
                + ", state.dir=" + stateDir;
        }

        @Override
        public void close() {
            driver.close();
            deleteRecursively(stateDir);
        }
    }

    /** Redis over loopback through one Jedis connection. */
    static final class RedisPeer extends Peer {
        private static final int PIPELINE_BATCH = 1_000;

        private final RedisServer server;
        private final Jedis jedis;
        private final byte[][] encoded;

        RedisPeer(Path binary, int keys, KeySequence sequence, int rowBytes) {
            server = RedisServer.start(binary, RedisServer.DEFAULT_PORT);
            jedis = new Jedis("127.0.0.1", server.port());
            Pipeline pipeline = jedis.pipelined();
            for (int i = 0; i < keys; i++) {
                long key = KeySequence.keyOf(i);
                pipeline.set(encode(key), rowBytes(key, rowBytes));
                if (i % PIPELINE_BATCH == PIPELINE_BATCH - 1) {
                    pipeline.sync();
                }
            }
            pipeline.sync();
            pipeline.close();
            if (jedis.dbSize() != keys) {
                throw new IllegalStateException("redis dbsize=" + jedis.dbSize() + " after writing keys=" + keys);
            }
            encoded = new byte[KeySequence.LENGTH][];
            for (int i = 0; i < KeySequence.LENGTH; i++) {
                encoded[i] = encode(sequence.key(i));
            }
        }

        private static byte[] encode(long key) {
            return ByteBuffer.allocate(Long.BYTES).putLong(key).array();
        }

        @Override
        public Object read(int position) {
            return jedis.get(encoded[position & KeySequence.MASK]);
        }

        @Override
        public long firstLong(int position) {
            return ByteBuffer.wrap((byte[]) read(position)).getLong(0);
        }

        @Override
        public String describe() {
            return "redis-server " + server.version() + " on 127.0.0.1:" + server.port() + ", persistence off";
        }

        @Override
        public void close() {
            jedis.close();
            server.close();
        }
    }

    static Long[] boxAll(KeySequence sequence) {
        Long[] boxed = new Long[sequence.length()];
        for (int i = 0; i < boxed.length; i++) {
            boxed[i] = sequence.key(i);
        }
        return boxed;
    }

    static void deleteRecursively(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("could not delete " + dir + ": " + e);
        }
    }
}
