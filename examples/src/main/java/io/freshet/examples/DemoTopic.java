package io.freshet.examples;

import io.freshet.testkit.FreshetKafka;
import java.io.PrintStream;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * The demo's payments topic: created on the embedded broker, or on an external cluster when absent (an existing one
 * is used as it is). Called once by the demo's owner thread while it starts.
 */
final class DemoTopic {
    private static final long TOPIC_TIMEOUT_S = 30;

    private DemoTopic() {
    }

    /**
     * Creates the topic when absent and waits until every partition has a leader that answers.
     *
     * @param broker the embedded broker, or null for the cluster {@code kafka} names
     * @param kafka the client properties (bootstrap servers)
     * @param topic the topic
     * @param partitions partitions of a topic created here
     * @param out where the demo says it found an existing topic
     * @return the topic's partition count
     * @throws Exception when the cluster does not answer, or no leader is elected in time
     */
    static int ensure(FreshetKafka broker, Properties kafka, String topic, int partitions, PrintStream out)
        throws Exception {
        if (broker != null) {
            broker.createTopic(topic, partitions);
            return partitions;
        }
        try (Admin admin = Admin.create(kafka)) {
            try {
                admin.createTopics(List.of(new NewTopic(topic, partitions, (short) -1))).all()
                    .get(TOPIC_TIMEOUT_S, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
                out.printf("topic %s exists: the pipeline first applies what it already holds%n", topic);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TOPIC_TIMEOUT_S);
            while (true) {
                try {
                    TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames()
                        .get(TOPIC_TIMEOUT_S, TimeUnit.SECONDS).get(topic);
                    boolean led = true;
                    for (TopicPartitionInfo p : d.partitions()) {
                        led &= p.leader() != null && !p.leader().isEmpty();
                    }
                    if (led) {
                        return d.partitions().size();
                    }
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                        throw e;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("topic=" + topic + " has no leader for every partition after "
                        + TOPIC_TIMEOUT_S + " s");
                }
                Thread.sleep(50);
            }
        }
    }
}
