/**
 * Freshet's online stores: one row per entity key in memory-mapped files that survive a restart and are read
 * in-process without allocation.
 *
 * <p>{@link io.freshet.store.StoreEngines} names the engines and the default one, the purpose-built
 * {@link io.freshet.store.TableStoreEngine}; {@code StoreEngines.chronicle()} gives the engine on Chronicle Map. Pass
 * an engine and a {@link io.freshet.core.StoreConfig} to the pipeline (or open a store with the engine directly); a
 * store found damaged, locked or of another definition is refused with a {@link io.freshet.core.StoreException}
 * rather than changed.
 */
package io.freshet.store;
