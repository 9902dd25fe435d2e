package io.freshet.kafka;

import static io.freshet.kafka.PipelineFixtures.NOW;
import static io.freshet.kafka.PipelineFixtures.USER_RISK;
import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.FeatureReader;
import io.freshet.core.FeatureVector;
import io.freshet.core.ManualClock;
import io.freshet.core.StoreConfig;
import io.freshet.core.VectorStatus;
import io.freshet.core.testing.ReferenceModel;
import io.freshet.store.TableStoreEngine;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker stopped mid-ingestion: a pipeline on the table engine ingests a stream that a producer keeps sending
 * while the only broker of its own in-JVM cluster is shut down (its port refuses connections) and, after the outage,
 * started again on the same port and log directories. During the outage the pipeline keeps serving reads from its
 * local store, reports that it is behind (status and vector status), stays up (not DOWN) and does not spin (its
 * threads' CPU time stays far below one core); afterwards it resumes by itself and, once caught up, every key
 * equals the reference model over the whole stream, including what was produced during the outage.
 *
 * <p>This test runs its own cluster (it stops the broker) and so ignores {@code -Dfreshet.bootstrap}.
 * Default suite: a 10 s outage; {@code -Psoak}: 30 s.
 */
class BrokerOutageTest {
    private static final Logger LOG = LoggerFactory.getLogger(BrokerOutageTest.class);
    private static final int PARTITIONS = 3;
    private static final int USERS = 300;
    private static final int EVENTS = 30_000;
    private static final int BEFORE_OUTAGE = 12_000;
    /**
     * Loose bounds on a spin, in CPU seconds per second of outage: a spinning thread burns close to 1. Measured here
     * with 2 consumer and 2 applier threads: 0.06–0.07 in all, at most 0.027 for one thread (an idle applier wakes
     * from its 1 ms park about a thousand times a second).
     */
    private static final double MAX_CPU_PER_OUTAGE_SECOND_PER_THREAD = 0.1;
    private static final double MAX_CPU_PER_OUTAGE_SECOND_IN_ALL = 0.2;
    private static final String INSTANCE = "outage";

    @TempDir
    Path dir;

    @Test
    void tenSecondOutageIsServedThroughReportedAndLosesNothing() throws Exception {
        try (RestartableBroker broker = RestartableBroker.start()) {
            runOutage(Duration.ofSeconds(10), dir, broker);
        }
    }

    @Test
    @Tag("soak")
    void thirtySecondOutageIsServedThroughReportedAndLosesNothing() throws Exception {
        try (RestartableBroker broker = RestartableBroker.start()) {
            runOutage(Duration.ofSeconds(30), dir, broker);
        }
    }

    /**
     * A one-broker cluster whose broker can be stopped (its port then refuses connections) and started again on the
     * same port and log directories: the in-JVM test kit here, a standalone broker process in the compatibility
     * suite.
     */
    interface OutageBroker {
        /** @return the bootstrap address, the same before and after a restart */
        String bootstrap();

        void createTopic(String topic, int partitions) throws Exception;

        void stopBroker() throws Exception;

        void restartBroker() throws Exception;

        boolean portRefusesConnections() throws IOException;
    }

    static void runOutage(Duration outage, Path dir, OutageBroker broker) throws Exception {
        List<Payment> events = PipelineFixtures.stream(0x0D7A6EL, EVENTS, USERS);
        String topic = "outage-payments";
        broker.createTopic(topic, PARTITIONS);
        Properties pp = new Properties();
        pp.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        pp.put(ProducerConfig.ACKS_CONFIG, "all");
        pp.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        // Records sent during the outage wait in the producer and must be delivered after it, not expire.
        pp.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        pp.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "300000");
        pp.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "300000");
        Properties kafka = new Properties();
        kafka.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        kafka.put("max.poll.records", "2000");
        kafka.put("reconnect.backoff.max.ms", "1000");
        StoreConfig cfg = StoreConfig.builder(USER_RISK).directory(dir.resolve("user_risk"))
            .capacity(10_000).shards(4).build();

        try (KafkaProducer<Long, byte[]> producer = new KafkaProducer<>(pp, new LongSerializer(),
            new ByteArraySerializer());
             // On a failure with the broker down, a plain close would wait out the delivery timeout.
             AutoCloseable quickClose = () -> producer.close(Duration.ofSeconds(1));
             FeaturePipeline p = FeaturePipeline.builder()
                 .kafka(kafka)
                 .instanceId(INSTANCE)
                 .clock(new ManualClock(NOW))
                 .consumerThreads(2)
                 .applierThreads(2)
                 .register(USER_RISK, new TableStoreEngine(), cfg, Source.of(topic, new PaymentCodec()))
                 .start()) {
            List<Future<RecordMetadata>> acks = new ArrayList<>(EVENTS);
            AtomicInteger sent = new AtomicInteger();
            AtomicReference<Throwable> producerFailure = new AtomicReference<>();
            Thread producing = new Thread(() -> {
                try {
                    for (Payment e : events) {
                        acks.add(producer.send(new ProducerRecord<>(topic, e.userId, PaymentCodec.encode(e))));
                        if (sent.incrementAndGet() % 100 == 0) {
                            Thread.sleep(25); // ~4k records/s: ingestion is live when the broker stops
                        }
                    }
                } catch (Throwable t) {
                    producerFailure.set(t);
                }
            }, "outage-producer");
            producing.setDaemon(true);
            producing.start();
            awaitSent(sent, BEFORE_OUTAGE, producerFailure);
            long appliedBefore = p.metrics().set(USER_RISK.name()).applied();
            assertThat(appliedBefore).as("the pipeline ingests before the outage").isPositive();
            FeatureReader reader = p.reader(USER_RISK);
            long key = events.get(0).userId;
            FeatureVector v = USER_RISK.newVector();
            assertThat(reader.read(key, v)).isTrue();

            Map<Long, Long> cpuBefore = pipelineThreadCpuNs();
            long stopNs = System.nanoTime();
            broker.stopBroker();
            assertThat(broker.portRefusesConnections()).as("the stopped broker really is unavailable").isTrue();
            Set<SetStatus.State> statesSeen = EnumSet.noneOf(SetStatus.State.class);
            Set<VectorStatus> vectorStatusesSeen = EnumSet.noneOf(VectorStatus.class);
            long reads = 0;
            long outageEnd = stopNs + outage.toNanos();
            SetStatus last = null;
            while (System.nanoTime() < outageEnd) {
                assertThat(reader.read(key, v)).as("reads are served from the local store").isTrue();
                assertThat(v.getLong(USER_RISK.ref("txn_total"))).isPositive();
                vectorStatusesSeen.add(v.status());
                last = p.status(USER_RISK);
                statesSeen.add(last.state());
                reads++;
                assertThat(p.failure()).as("an outage is not a failure").isNull();
                Thread.sleep(50);
            }
            long outageNs = System.nanoTime() - stopNs;
            Map<Long, Long> cpuAfter = pipelineThreadCpuNs();
            double cpuS = cpuSpentNs(cpuBefore, cpuAfter) / 1e9;
            assertThat(broker.portRefusesConnections()).as("the broker stayed down for the whole outage").isTrue();
            LOG.info("outage of {} ms: reads={} states={} vectorStatuses={} lastStatus={} pipeline threads"
                + " cpu={} s ({} ms by thread); producer sent {} records so far", outageNs / 1_000_000, reads,
                statesSeen, vectorStatusesSeen, last, String.format("%.3f", cpuS),
                cpuByThreadMs(cpuBefore, cpuAfter), sent.get());
            assertThat(statesSeen).as("status while the broker is away").doesNotContain(SetStatus.State.DOWN)
                .contains(SetStatus.State.CATCHING_UP);
            assertThat(last.state()).as("still reported behind at the end of the outage")
                .isEqualTo(SetStatus.State.CATCHING_UP);
            assertThat(vectorStatusesSeen).as("reads carry the staleness").contains(VectorStatus.CATCHING_UP);
            Map<String, Long> byThread = cpuByThreadMs(cpuBefore, cpuAfter);
            assertThat(byThread).as("pipeline threads' CPU ms during a %d ms outage (a spin burns ~1000 ms/s)",
                outageNs / 1_000_000).isNotEmpty().allSatisfy((name, ms) -> assertThat(ms / 1e3)
                    .isLessThan(MAX_CPU_PER_OUTAGE_SECOND_PER_THREAD * outageNs / 1e9));
            assertThat(cpuS).as("all pipeline threads' CPU s during the outage: %s", byThread)
                .isLessThan(MAX_CPU_PER_OUTAGE_SECOND_IN_ALL * outageNs / 1e9);

            broker.restartBroker();
            producing.join(TimeUnit.MINUTES.toMillis(3));
            assertThat(producerFailure.get()).as("producer").isNull();
            assertThat(sent.get()).isEqualTo(EVENTS);
            producer.flush();
            for (Future<RecordMetadata> f : acks) {
                f.get(3, TimeUnit.MINUTES); // a lost send would make the reference wrong, not the pipeline
            }
            long resumedNs = System.nanoTime();
            assertThat(p.awaitCaughtUp(Duration.ofMinutes(2))).as("caught up after the broker returned").isTrue();
            long caughtUpMs = (System.nanoTime() - resumedNs) / 1_000_000;
            assertThat(p.status(USER_RISK).state()).isEqualTo(SetStatus.State.RUNNING);
            ReferenceModel<Payment> ref = PipelineFixtures.reference(USER_RISK, events);
            int keys = PipelineFixtures.assertMatchesReference(reader, ref);
            assertThat(keys).isGreaterThan(USERS / 2);
            PipelineMetrics m = p.metrics();
            assertThat(m.set(USER_RISK.name()).applied()).isEqualTo(EVENTS);
            assertThat(m.set(USER_RISK.name()).duplicates()).isLessThanOrEqualTo(m.pauses());
            // An idle but reachable broker is not an outage: past the silence bound the status stays RUNNING.
            Thread.sleep(6_000);
            assertThat(p.status(USER_RISK).state()).as("idle after the outage").isEqualTo(SetStatus.State.RUNNING);
            assertThat(reader.read(key, v)).isTrue();
            assertThat(v.status()).isEqualTo(VectorStatus.FRESH);
            LOG.info("after the outage: caught up {} ms after the producer's last ack; applied={} before the"
                + " outage={} keys={}", caughtUpMs,
                m.set(USER_RISK.name()).applied(), appliedBefore, keys);
        }
    }

    private static void awaitSent(AtomicInteger sent, int n, AtomicReference<Throwable> failure)
        throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (sent.get() < n) {
            assertThat(failure.get()).isNull();
            assertThat(System.nanoTime()).as("producer progress").isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    /** @return CPU time of every thread of the pipeline instance (consumers, appliers, its admin client), by id */
    private static Map<Long, Long> pipelineThreadCpuNs() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Map<Long, Long> out = new HashMap<>();
        for (ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (t != null && t.getThreadName().contains("freshet-" + INSTANCE)) {
                long ns = mx.getThreadCpuTime(t.getThreadId());
                if (ns >= 0) {
                    out.put(t.getThreadId(), ns);
                }
            }
        }
        return out;
    }

    /** @return CPU ms each pipeline thread spent between the two samples, by thread name */
    private static Map<String, Long> cpuByThreadMs(Map<Long, Long> before, Map<Long, Long> after) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Map<String, Long> out = new TreeMap<>();
        for (Map.Entry<Long, Long> e : after.entrySet()) {
            ThreadInfo t = mx.getThreadInfo(e.getKey());
            String name = t == null ? "thread-" + e.getKey() : t.getThreadName();
            out.put(name, (e.getValue() - before.getOrDefault(e.getKey(), 0L)) / 1_000_000);
        }
        return out;
    }

    private static long cpuSpentNs(Map<Long, Long> before, Map<Long, Long> after) {
        long sum = 0;
        for (Map.Entry<Long, Long> e : after.entrySet()) {
            sum += e.getValue() - before.getOrDefault(e.getKey(), 0L);
        }
        return sum;
    }

    /**
     * A one-node KRaft cluster (combined broker and controller) whose broker can be shut down and started again:
     * Kafka's test kit pre-binds the listener port and re-binds the same port on restart, and the log directories
     * stay, so clients reconnect to the same address and find their records.
     */
    static final class RestartableBroker implements OutageBroker, AutoCloseable {
        final KafkaClusterTestKit kit;
        final String bootstrap;
        final int port;
        final Admin admin;

        private RestartableBroker(KafkaClusterTestKit kit) {
            this.kit = kit;
            this.bootstrap = kit.bootstrapServers();
            this.port = Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
            Properties p = new Properties();
            p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            this.admin = Admin.create(p);
        }

        static RestartableBroker start() throws Exception {
            TestKitNodes nodes = new TestKitNodes.Builder().setCombined(true).setNumBrokerNodes(1)
                .setNumControllerNodes(1).build();
            KafkaClusterTestKit kit = new KafkaClusterTestKit.Builder(nodes)
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("offsets.topic.num.partitions", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .setConfigProp("auto.create.topics.enable", "false")
                .build();
            try {
                kit.format();
                kit.startup();
                kit.waitForReadyBrokers();
            } catch (Exception e) {
                kit.close();
                throw e;
            }
            return new RestartableBroker(kit);
        }

        @Override
        public String bootstrap() {
            return bootstrap;
        }

        @Override
        public void createTopic(String topic, int partitions) throws Exception {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(60, TimeUnit.SECONDS);
            awaitLeaders(topic, partitions);
        }

        /** Waits until every partition's leader answers ListOffsets (metadata alone can list a leader too early). */
        void awaitLeaders(String topic, int partitions) throws Exception {
            Map<TopicPartition, OffsetSpec> q = new HashMap<>();
            for (int i = 0; i < partitions; i++) {
                q.put(new TopicPartition(topic, i), OffsetSpec.latest());
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (true) {
                try {
                    admin.listOffsets(q).all().get(5, TimeUnit.SECONDS);
                    return;
                } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("topic=" + topic + " has no serving leader after 60 s", e);
                    }
                    Thread.sleep(50);
                }
            }
        }

        @Override
        public void stopBroker() {
            kafka.server.BrokerServer b = kit.brokers().values().iterator().next();
            b.shutdown();
            b.awaitShutdown();
        }

        @Override
        public void restartBroker() throws Exception {
            kit.brokers().values().iterator().next().startup();
            kit.waitForReadyBrokers();
        }

        @Override
        public boolean portRefusesConnections() throws IOException {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("localhost", port), 2_000);
                return false;
            } catch (ConnectException e) {
                return true;
            }
        }

        @Override
        public void close() throws Exception {
            admin.close(Duration.ofSeconds(5));
            kit.close();
        }
    }
}
