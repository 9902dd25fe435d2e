package io.freshet.kafka;

import static io.freshet.kafka.PipelineFixtures.MEMORY;
import static io.freshet.kafka.PipelineFixtures.MERCHANT_STATS;
import static io.freshet.kafka.PipelineFixtures.USER_RISK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/** Configuration errors are refused when set, with key=value detail and a fix; no broker needed. */
class BuilderValidationTest {
    private static Properties props() {
        Properties p = new Properties();
        p.put("bootstrap.servers", "localhost:1");
        return p;
    }

    @Test
    void kafkaPropertiesThatBreakTheSemanticsAreRefused() {
        Properties p = props();
        p.put("isolation.level", "read_uncommitted");
        assertThatThrownBy(() -> FeaturePipeline.builder().kafka(p))
            .hasMessageContaining("isolation.level=read_uncommitted");
        Properties q = props();
        q.put("enable.auto.commit", "true");
        assertThatThrownBy(() -> FeaturePipeline.builder().kafka(q)).hasMessageContaining("enable.auto.commit=true");
        assertThatThrownBy(() -> FeaturePipeline.builder().kafka(new Properties()))
            .hasMessageContaining("bootstrap.servers");
    }

    @Test
    void shardedModeNeedsAGroupId() {
        assertThatThrownBy(() -> FeaturePipeline.builder().kafka(props()).mode(ScaleMode.SHARDED)
            .register(USER_RISK, PipelineFixtures.memoryStore(USER_RISK, 1), Source.of("t", new PaymentCodec()))
            .build())
            .hasMessageContaining("mode=SHARDED needs group.id");
    }

    @Test
    void rebuildNeedsStoresThePipelineOpens() {
        assertThatThrownBy(() -> FeaturePipeline.builder().kafka(props())
            .onOffsetMismatch(OffsetMismatchPolicy.REBUILD)
            .register(USER_RISK, PipelineFixtures.memoryStore(USER_RISK, 1), Source.of("t", new PaymentCodec()))
            .build())
            .hasMessageContaining("REBUILD").hasMessageContaining("set=user_risk");
    }

    @Test
    void registrationMistakesAreRefused() {
        FeaturePipelineBuilder b = FeaturePipeline.builder().kafka(props());
        assertThatThrownBy(() -> b.register(USER_RISK, MEMORY, PipelineFixtures.storeConfig(MERCHANT_STATS, 1),
            Source.of("t", new PaymentCodec()))).hasMessageContaining("set=merchant_stats");
        assertThatThrownBy(() -> b.register(USER_RISK, PipelineFixtures.memoryStore(USER_RISK, 1)))
            .hasMessageContaining("has no source");
        assertThatThrownBy(() -> b.register(USER_RISK, PipelineFixtures.memoryStore(USER_RISK, 1),
            Source.of("t", new PaymentCodec()), Source.of("t", new PaymentCodec())))
            .hasMessageContaining("topic=t twice");
        b.register(USER_RISK, PipelineFixtures.memoryStore(USER_RISK, 1), Source.of("t", new PaymentCodec()));
        assertThatThrownBy(() -> b.register(USER_RISK, PipelineFixtures.memoryStore(USER_RISK, 1),
            Source.of("u", new PaymentCodec()))).hasMessageContaining("already registered");
        assertThatThrownBy(() -> FeaturePipeline.builder().kafka(props()).build())
            .hasMessageContaining("no feature set registered");
        assertThatThrownBy(() -> b.queueCapacity(1)).hasMessageContaining("queueCapacity=1");
        assertThatThrownBy(() -> b.instanceId("a#b")).hasMessageContaining("instanceId=a#b");
        assertThatThrownBy(() -> b.partitionCheckInterval(Duration.ofMillis(10)))
            .hasMessageContaining("partitionCheckInterval=PT0.01S");
        assertThatThrownBy(() -> b.runningLagTolerance(-1, Duration.ZERO)).hasMessageContaining("toleranceRecords=-1");
        assertThatThrownBy(() -> b.runningLagTolerance(0, Duration.ofHours(2))).hasMessageContaining("grace=PT2H");
        assertThatThrownBy(() -> b.storeFillWarning(1.5)).hasMessageContaining("storeFillWarning=1.5")
            .hasMessageContaining("use 0.01..1");
        assertThatThrownBy(() -> b.storeFillWarning(0)).hasMessageContaining("storeFillWarning=0.0");
        assertThatThrownBy(() -> b.storeFillWarning(Double.NaN)).hasMessageContaining("storeFillWarning=NaN");
        assertThat(b.storeFillWarning(1)).isSameAs(b);
    }

    @Test
    void defaultQueueHoldsTwoPollsRoundedToAPowerOfTwo() {
        assertThat(FeaturePipelineBuilder.defaultQueueCapacity(new Properties())).isEqualTo(1024);
        Properties p = new Properties();
        p.put("max.poll.records", "10000");
        assertThat(FeaturePipelineBuilder.defaultQueueCapacity(p)).isEqualTo(32_768);
        p.put("max.poll.records", 512);
        assertThat(FeaturePipelineBuilder.defaultQueueCapacity(p)).isEqualTo(1024);
        p.put("max.poll.records", "513");
        assertThat(FeaturePipelineBuilder.defaultQueueCapacity(p)).isEqualTo(2048);
        p.put("max.poll.records", "1000000");
        assertThat(FeaturePipelineBuilder.defaultQueueCapacity(p)).isEqualTo(65_536);
    }

    @Test
    void sourceOptionsAreCheckedWhenSet() {
        Source<String> s = Source.deserializing("t", new StringDeserializer());
        assertThat(s.policy()).isEqualTo(BadRecordPolicy.FAIL);
        assertThatThrownBy(() -> s.onBadRecord(BadRecordPolicy.DEAD_LETTER)).hasMessageContaining("deadLetterTo");
        assertThatThrownBy(() -> s.deadLetterTo("t")).hasMessageContaining("deadLetterTopic=t");
        assertThatThrownBy(() -> s.maxRecordBytes(0)).hasMessageContaining("maxRecordBytes=0");
        assertThat(s.deadLetterTo("dlq").policy()).isEqualTo(BadRecordPolicy.DEAD_LETTER);
        assertThat(s.policy()).as("sources are immutable templates").isEqualTo(BadRecordPolicy.FAIL);
    }

    @Test
    void statusBeforeStartIsDown() {
        FeaturePipeline p = FeaturePipeline.builder().kafka(props())
            .register(USER_RISK, PipelineFixtures.memoryStore(USER_RISK, 1), Source.of("t", new PaymentCodec()))
            .build();
        assertThat(p.status(USER_RISK).state()).isEqualTo(SetStatus.State.DOWN);
        assertThatThrownBy(() -> p.reader(USER_RISK)).hasMessageContaining("not started");
        assertThatThrownBy(() -> p.status(MERCHANT_STATS)).hasMessageContaining("not registered");
    }
}
