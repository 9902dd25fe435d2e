package io.freshet.testkit;

/**
 * Run by {@link ExternalWithoutBrokerJarsTest} in a child JVM whose class path lacks the broker's jars: a handle
 * from {@link FreshetKafka#create()} with {@code -Dfreshet.bootstrap} set creates a topic and sends a record.
 */
public final class ExternalClientMain {
    private ExternalClientMain() {
    }

    /**
     * @param args none
     */
    public static void main(String[] args) {
        try {
            Class.forName("org.apache.kafka.common.test.KafkaClusterTestKit");
            System.out.println("broker classes present");
        } catch (ClassNotFoundException e) {
            System.out.println("broker classes absent");
        }
        System.out.println("kafka-clients " + org.apache.kafka.common.utils.AppInfoParser.getVersion());
        try (FreshetKafka kafka = FreshetKafka.create().start()) {
            String topic = kafka.uniqueName("no-broker-jars");
            kafka.createTopic(topic, 1);
            System.out.println("mode=" + kafka.mode() + " offset=" + kafka.send(topic, "k", "v").offset());
        }
    }
}
