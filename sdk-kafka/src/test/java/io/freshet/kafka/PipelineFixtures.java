package io.freshet.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.Categories;
import io.freshet.core.FeatureReader;
import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureSetBuilder;
import io.freshet.core.FeatureVector;
import io.freshet.core.KeyType;
import io.freshet.core.Quantile;
import io.freshet.core.StoreConfig;
import io.freshet.core.Window;
import io.freshet.core.spi.InMemoryRowStore;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.StoreEngine;
import io.freshet.core.testing.ReferenceModel;
import io.freshet.core.testing.UserPaymentFeatures;
import io.freshet.testkit.FreshetKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.LongSerializer;

/** Feature sets, event streams, stores and producers shared by the pipeline tests. */
final class PipelineFixtures {
    /** Applying and reading clock of every test: fixed, so pipeline and reference agree to the bit. */
    static final long T0 = 1_700_000_000_000L;
    static final long NOW = T0 + Duration.ofHours(2).toMillis();

    /**
     * The user set of some 30 pipeline tests (correctness, crash battery, store-full and growth, secure modes, soak),
     * which compare its rows with the reference model. Its user features come from {@link UserPaymentFeatures}, as
     * in {@code TrainingFixtures.USERS}, but it is deliberately not that set: no staleness bound, no decayed sum, a
     * top-K of 2 with the default counters, its own categorical pair, and none of the every-kind set's additions
     * (those live in {@code TrainingFixtures.USERS}). Those tests were written against this definition: its row size
     * (the store-full and growth tests size their stores by it) and its always-FRESH status among them.
     */
    static final FeatureSet<Payment> USER_RISK = userRisk();

    private static FeatureSet<Payment> userRisk() {
        FeatureSetBuilder<Payment> b = FeatureSet.builder("user_risk", Payment.class)
            .entity("user", Payment::userId)
            .eventTime(Payment::tsMs);
        UserPaymentFeatures.activity(b, Payment::amount, Payment::declined);
        return UserPaymentFeatures.merchantHistory(b, Payment::merchantId)
            .stddev("amount_std_1h", Payment::amount, Window.sliding(Duration.ofHours(1)))
            .topK("top_merchants_1h", Payment::merchantId,
                Window.sliding(Duration.ofHours(1)).tiles(Duration.ofMinutes(10)), 2)
            .derived("decline_ratio", d -> d.ratio("declines_1h", "txn_10m"))
            .quantile("p90_amount_1h", Payment::amount,
                Window.sliding(Duration.ofHours(1)).tiles(Duration.ofMinutes(10)),
                Quantile.of(0.9).relativeError(0.05).range(1, 1000))
            // Issue 19 point 1: text cut to 6 bytes ("café-10" is 8), and a dictionary most merchants miss.
            .latestCategory("last_merchant", Payment::merchant, Categories.utf8(6))
            .lastNCategories("recent_merchant_ids", Payment::merchant, Categories.of("m-1", "m-2", "café-3", "m-4"),
                3)
            .build();
    }

    /** Keyed by merchant (text): its events come from every partition, so only order-insensitive features. */
    static final FeatureSet<Payment> MERCHANT_STATS = FeatureSet.builder("merchant_stats", Payment.class)
        .textEntity("merchant", Payment::merchant)
        .eventTime(Payment::tsMs)
        .count("txn_total")
        .sum("amount_total", Payment::amount)
        .count("txn_1d", Window.sliding(Duration.ofDays(1)).tiles(Duration.ofHours(1)))
        .max("max_amount", Payment::amount)
        .distinctApprox("users", Payment::userId)
        .build();

    static final String[] MERCHANTS = new String[40];

    static {
        for (int i = 0; i < MERCHANTS.length; i++) {
            MERCHANTS[i] = (i % 7 == 3 ? "café-" : "m-") + i;
        }
    }

    /** A store engine over heap stores, standing in for the mapped engines until they land. */
    static final StoreEngine MEMORY = new StoreEngine() {
        @Override
        public String name() {
            return "memory";
        }

        @Override
        public RowStore open(StoreConfig config) {
            return new InMemoryRowStore(config);
        }
    };

    private PipelineFixtures() {
    }

    static StoreConfig storeConfig(FeatureSet<?> set, int shards) {
        return StoreConfig.builder(set).capacity(1_000_000).shards(shards).build();
    }

    static RowStore memoryStore(FeatureSet<?> set, int shards) {
        return new InMemoryRowStore(storeConfig(set, shards));
    }

    /**
     * Seeded stream: time moves across [T0, T0+2h) with ±5 min jitter (out of order), 3% of events 3 h late,
     * skewed keys. Amounts are whole numbers so sums are exact in any order.
     */
    static List<Payment> stream(long seed, int n, int users) {
        Random r = new Random(seed);
        List<Payment> out = new ArrayList<>(n);
        long span = NOW - T0 - Duration.ofMinutes(6).toMillis();
        for (int i = 0; i < n; i++) {
            long t = T0 + span * i / n + (long) ((r.nextDouble() - 0.5) * Duration.ofMinutes(10).toMillis());
            if (r.nextInt(100) < 3) {
                t -= Duration.ofHours(3).toMillis();
            }
            long user = (long) Math.floor(Math.pow(r.nextDouble(), 2) * users);
            String m = MERCHANTS[r.nextInt(MERCHANTS.length)];
            out.add(new Payment(user, m, Math.max(0, t), 1 + r.nextInt(500), r.nextInt(10) == 0));
        }
        return out;
    }

    static Properties producerProps(FreshetKafka broker) {
        Properties p = broker.clientProperties();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "20000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(4 << 20));
        return p;
    }

    static KafkaProducer<Long, byte[]> producer(FreshetKafka broker) {
        return new KafkaProducer<>(producerProps(broker), new LongSerializer(), new ByteArraySerializer());
    }

    /** Produces every event keyed by user id (LongSerializer, default partitioner) and waits for the acks. */
    static void produce(FreshetKafka broker, String topic, List<Payment> events) {
        List<Future<RecordMetadata>> acks = new ArrayList<>(events.size());
        try (KafkaProducer<Long, byte[]> p = producer(broker)) {
            for (Payment e : events) {
                acks.add(p.send(new ProducerRecord<>(topic, e.userId, PaymentCodec.encode(e))));
            }
            p.flush();
            for (Future<RecordMetadata> f : acks) {
                f.get(); // a lost send would make the reference wrong, not the pipeline
            }
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException("producing the test stream to topic=" + topic + " failed: " + e, e);
        }
    }

    static Properties pipelineProps(FreshetKafka broker) {
        Properties p = broker.clientProperties();
        p.put("max.poll.records", "2000");
        return p;
    }

    static ReferenceModel<Payment> reference(FeatureSet<Payment> set, List<Payment> events) {
        ReferenceModel<Payment> m = new ReferenceModel<>(set);
        for (Payment e : events) {
            if (set.keyType() == KeyType.TEXT && e.merchant() == null) {
                continue;
            }
            m.apply(e.copy(), NOW);
        }
        return m;
    }

    /** Every key the reference knows reads back equal, feature by feature, through the pipeline's reader. */
    static int assertMatchesReference(FeatureReader reader, ReferenceModel<Payment> ref) {
        FeatureSet<?> set = reader.featureSet();
        FeatureVector v = set.newVector();
        int keys = 0;
        for (Object k : ref.keys()) {
            if (set.keyType() == KeyType.LONG) {
                long key = (Long) k;
                assertThat(reader.read(key, v)).as("set=%s key=%s present", set.name(), k).isTrue();
                ref.assertMatches(key, v);
            } else {
                assertThat(reader.read((String) k, v)).as("set=%s key=%s present", set.name(), k).isTrue();
                ref.assertMatches((String) k, v);
            }
            keys++;
        }
        return keys;
    }
}
