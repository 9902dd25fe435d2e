/**
 * Internal: the Chronicle Map engine's row store, shard writer, open, recovery and data-file checks. Not an API; it
 * may change in any release.
 */
package io.freshet.store.chronicle.internal;
