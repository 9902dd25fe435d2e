/**
 * Freshet's Kafka runtime: consumes source topics and keeps the feature sets' stores fresh.
 *
 * <p>{@link io.freshet.kafka.FeaturePipelineBuilder} registers feature sets with their stores and
 * {@link io.freshet.kafka.Source}s (a topic, a {@link io.freshet.kafka.RecordDecoder} reading a
 * {@link io.freshet.kafka.RecordView} in place, and a {@link io.freshet.kafka.BadRecordPolicy}), and builds a
 * {@link io.freshet.kafka.FeaturePipeline}: consumer threads decode and validate each record, applier threads write
 * it to its shard, and the applied offsets live in the store, so a restart resumes where the store stands.
 * {@link io.freshet.kafka.SetStatus} and {@link io.freshet.kafka.PipelineMetrics} tell how fresh each set is.
 *
 * <p>The application pins kafka-clients: 3.9.0 to 4.4.x are supported. Building a pipeline on an older one fails
 * with a message naming the version found; a newer one starts with one warning line.
 */
package io.freshet.kafka;
