/**
 * The store SPI, for store-engine implementers (users of Freshet only pick an engine).
 *
 * <p>A {@link io.freshet.core.spi.StoreEngine} opens, creates and deletes {@link io.freshet.core.spi.RowStore}s: one
 * fixed-size row per entity key for one feature set, split into shards with a single
 * {@link io.freshet.core.spi.ShardWriter} each, and the applied Kafka offsets kept beside the rows. Rows are read and
 * written through the {@link io.freshet.core.spi.RowBuffer} flyweight, laid out as the set's
 * {@link io.freshet.core.spi.RowLayout} says; {@link io.freshet.core.spi.Keys} hashes and encodes keys the same way
 * in every engine and process. {@link io.freshet.core.spi.InMemoryRowStore} is the reference implementation that the
 * SPI contract test runs every engine against.
 */
package io.freshet.core.spi;
