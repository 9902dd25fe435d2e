/**
 * Training rows as Parquet: {@link io.freshet.kafka.parquet.ParquetSink}, a {@link io.freshet.kafka.TrainingSink}
 * for {@link io.freshet.kafka.TrainingSet#write}. An optional artifact ({@code freshet-parquet}): it brings
 * parquet-java and its codecs, which {@code freshet-kafka} does not; it needs no Hadoop jar.
 */
package io.freshet.kafka.parquet;
