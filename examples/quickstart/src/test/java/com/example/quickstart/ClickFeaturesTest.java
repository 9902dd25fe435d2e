package com.example.quickstart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.freshet.core.FeatureReader;
import io.freshet.core.FeatureVector;
import io.freshet.core.VectorStatus;
import io.freshet.kafka.FeaturePipeline;
import io.freshet.testkit.FreshetKafka;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class ClickFeaturesTest {
    @RegisterExtension
    static final FreshetKafka KAFKA = FreshetKafka.create();

    @Test
    void servesEachUsersClicks(@TempDir Path storeDir) throws InterruptedException {
        String pinned = System.getProperty("kafka-clients.version");
        if (pinned != null) {
            assertEquals(pinned, kafkaClientsVersion(), "the build pinned kafka-clients " + pinned);
        }
        String topic = KAFKA.uniqueName("clicks");
        KAFKA.createTopic(topic, 2);
        for (int i = 0; i < 3; i++) {
            KAFKA.send(topic, "42", "click");
        }
        KAFKA.send(topic, "7", "click");

        try (FeaturePipeline pipeline = ClickFeatures.start(KAFKA.bootstrapServers(), topic, storeDir)) {
            assertTrue(pipeline.awaitCaughtUp(Duration.ofMinutes(1)), "caught up");
            FeatureReader reader = pipeline.reader(ClickFeatures.CLICKS);
            FeatureVector features = ClickFeatures.CLICKS.newVector();

            assertTrue(reader.read(42L, features));
            assertEquals(3, features.getLong(ClickFeatures.CLICKS.ref("clicks_5m")));
            assertEquals(3, features.getLong(ClickFeatures.CLICKS.ref("clicks_1h")));
            assertTrue(reader.read(7L, features));
            assertEquals(1, features.getLong(ClickFeatures.CLICKS.ref("clicks_5m")));
            reader.read(1L, features);
            assertEquals(VectorStatus.MISSING, features.status());
        }
    }

    /** The version of the kafka-clients jar on the class path, from the file every release of it carries. */
    private static String kafkaClientsVersion() {
        try (InputStream in = KafkaConsumer.class.getResourceAsStream("/kafka/kafka-version.properties")) {
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
