import io.freshet.core.FeatureReader;
import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureVector;
import io.freshet.core.StoreConfig;
import io.freshet.core.spi.InMemoryRowStore;
import io.freshet.kafka.FeaturePipeline;
import io.freshet.kafka.ScaleMode;
import io.freshet.kafka.Source;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.LongSerializer;

/**
 * Runs freshet-kafka (built against the build's kafka-clients) with whatever kafka-clients is on the class path, against
 * a broker in another JVM: creates a topic, produces events, runs a REPLICATED and then a SHARDED (consumer group)
 * pipeline to caught-up, and checks every key's count and sum. Exit 0 when all match. Run by run.sh (see there).
 */
public final class KafkaClientsCompat {
    record Event(long user, long tsMs, long amount) {
    }

    static final FeatureSet<Event> SET = FeatureSet.builder("compat", Event.class)
        .entity("user", Event::user)
        .eventTime(Event::tsMs)
        .count("n")
        .sum("amount_total", Event::amount)
        .build();

    /** From the jar's own version file: AppInfoParser moved to another package in 4.4. */
    static String clientsVersion() throws java.io.IOException {
        Properties p = new Properties();
        try (java.io.InputStream in = KafkaProducer.class.getResourceAsStream("/kafka/kafka-version.properties")) {
            p.load(in);
        }
        return p.getProperty("version");
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        System.out.println("kafka-clients on the class path: " + clientsVersion());
        String topic = "compat-" + UUID.randomUUID();
        Properties common = new Properties();
        common.put("bootstrap.servers", bootstrap);
        try (Admin admin = Admin.create(common)) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
        }
        int users = 500;
        int events = 20_000;
        long[] count = new long[users];
        long[] sum = new long[users];
        long now = System.currentTimeMillis();
        try (KafkaProducer<Long, byte[]> p = new KafkaProducer<>(common, new LongSerializer(),
            new ByteArraySerializer())) {
            for (int i = 0; i < events; i++) {
                int u = (i * 7919) % users;
                long amount = 1 + i % 97;
                count[u]++;
                sum[u] += amount;
                byte[] v = ByteBuffer.allocate(16).putLong(now - 1_000 + i % 500).putLong(amount).array();
                p.send(new ProducerRecord<>(topic, (long) u, v));
            }
            p.flush();
        }
        Source<Event> source = Source.of(topic, (rec, reuse) -> {
            ByteBuffer k = ByteBuffer.wrap(rec.key());
            ByteBuffer v = ByteBuffer.wrap(rec.value());
            return new Event(k.getLong(), v.getLong(), v.getLong(8));
        });
        int failures = 0;
        for (ScaleMode mode : ScaleMode.values()) {
            Properties kafka = new Properties();
            kafka.putAll(common);
            if (mode == ScaleMode.SHARDED) {
                kafka.put("group.id", "compat-" + UUID.randomUUID());
            }
            InMemoryRowStore store = new InMemoryRowStore(StoreConfig.builder(SET).capacity(10_000).shards(2).build());
            long t0 = System.nanoTime();
            try (FeaturePipeline pipeline = FeaturePipeline.builder().kafka(kafka).mode(mode)
                .register(SET, store, source).start()) {
                boolean caughtUp = pipeline.awaitCaughtUp(Duration.ofSeconds(60));
                FeatureReader reader = pipeline.reader(SET);
                FeatureVector vec = SET.newVector();
                int bad = 0;
                for (int u = 0; u < users; u++) {
                    if (!reader.read(u, vec) || vec.getLong(SET.ref("n")) != count[u]
                        || vec.getLong(SET.ref("amount_total")) != sum[u]) {
                        bad++;
                    }
                }
                String owner = mode == ScaleMode.SHARDED ? " keyOwner(0)=" + pipeline.keyOwner(SET, 0L) : "";
                System.out.printf("mode=%s caughtUp=%s applied=%d status=%s keys checked=%d mismatched=%d%s (%d ms)%n",
                    mode, caughtUp, pipeline.appliedRecords(SET), pipeline.status(SET).state(), users, bad, owner,
                    (System.nanoTime() - t0) / 1_000_000);
                if (!caughtUp || bad != 0 || pipeline.appliedRecords(SET) != events) {
                    failures++;
                }
            }
        }
        System.out.println(failures == 0 ? "OK: kafka-clients " + clientsVersion() + " runs freshet-kafka"
            : "FAILED on kafka-clients " + clientsVersion());
        System.exit(failures == 0 ? 0 : 1);
    }
}
