/**
 * Freshet's API: define features, read them, test the definitions.
 *
 * <p>A {@link io.freshet.core.FeatureSet} declares the features of one entity key (latest values, counts, sums,
 * min/max/mean over a {@link io.freshet.core.Window}, lifetime and decayed aggregates, last-N, approximate distinct,
 * {@link io.freshet.core.DerivedFeature derived} ones) and compiles once into a fixed-size row layout. A
 * {@link io.freshet.core.FeatureReader} reads a key's features into a caller-owned, reusable
 * {@link io.freshet.core.FeatureVector} through compiled {@link io.freshet.core.FeatureRef}s: the serving hot path,
 * allocation-free. {@link io.freshet.core.StoreConfig} says where and how large a store is;
 * {@link io.freshet.core.FeatureTestDriver} runs a definition without a broker or a store on disk.
 *
 * <p>Definition errors throw {@link io.freshet.core.FeatureDefinitionException} when the definition is built, naming
 * the offending {@code key=value} and the fix; store errors are {@link io.freshet.core.StoreException}s with a
 * {@link io.freshet.core.StoreException.Reason}. This package knows nothing of Kafka or of any store engine: the
 * Kafka runtime is {@code io.freshet.kafka} (freshet-kafka), the engines {@code io.freshet.store} (freshet-store).
 */
package io.freshet.core;
