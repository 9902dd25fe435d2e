/**
 * The store engine on Chronicle Map ({@code net.openhft:chronicle-map}), in the artifact
 * {@code io.freshet:freshet-store-chronicle}: {@link io.freshet.store.chronicle.ChronicleStoreEngine}, which
 * {@code io.freshet.store.StoreEngines.chronicle()} finds on the class path. It needs the JVM flags listed in the
 * README (the engine checks them at open and names the missing ones). The default table engine is in
 * {@code freshet-store} and needs none of this.
 */
package io.freshet.store.chronicle;
