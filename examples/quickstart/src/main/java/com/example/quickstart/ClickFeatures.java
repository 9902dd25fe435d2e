package com.example.quickstart;

import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureVector;
import io.freshet.core.StoreConfig;
import io.freshet.core.Window;
import io.freshet.kafka.FeaturePipeline;
import io.freshet.kafka.RecordDecoder;
import io.freshet.kafka.Source;
import io.freshet.store.StoreEngines;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;

/** Clicks per user, counted from a topic of clicks (key: the user id as text) and served in-process. */
public final class ClickFeatures {
    /** One click: who clicked, and when (the record's timestamp). */
    public record Click(long userId, long timeMs) { }

    /** The definition: a 5-minute and a 1-hour count, and the time of the latest click. */
    public static final FeatureSet<Click> CLICKS = FeatureSet.builder("clicks", Click.class)
        .entity("user", Click::userId)
        .eventTime(Click::timeMs)
        .count("clicks_5m", Window.sliding(Duration.ofMinutes(5)))
        .count("clicks_1h", Window.sliding(Duration.ofHours(1)))
        .latest("last_click_ms", Click::timeMs)
        .build();

    private static final RecordDecoder<Click> DECODER = (record, reuse) ->
        new Click(Long.parseLong(new String(record.key(), StandardCharsets.UTF_8)), record.timestampMs());

    private ClickFeatures() {
    }

    /** Starts a pipeline that keeps {@link #CLICKS} of {@code topic} in a store under {@code storeDir}. */
    public static FeaturePipeline start(String bootstrapServers, String topic, Path storeDir) {
        Properties kafka = new Properties();
        kafka.put("bootstrap.servers", bootstrapServers);
        kafka.put("group.id", "quickstart-clicks");
        return FeaturePipeline.builder()
            .kafka(kafka)
            .register(CLICKS, StoreEngines.defaultEngine(),
                StoreConfig.builder(CLICKS).directory(storeDir).capacity(100_000).build(),
                Source.of(topic, DECODER))
            .start();
    }

    /** {@code java ... ClickFeatures BOOTSTRAP TOPIC STORE_DIR USER}: prints the user's features once caught up. */
    public static void main(String[] args) throws InterruptedException {
        try (FeaturePipeline pipeline = start(args[0], args[1], Path.of(args[2]))) {
            pipeline.awaitCaughtUp(Duration.ofMinutes(1));
            FeatureVector features = CLICKS.newVector();
            pipeline.reader(CLICKS).read(Long.parseLong(args[3]), features);
            System.out.println(features);
        }
    }
}
