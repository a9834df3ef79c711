/**
 * Service-provider interface for Cairn's sibling modules (the relay, projections, process
 * managers): what they may use of the store beyond its public API. Applications should not depend
 * on this package, which may change between minor versions. Everything else of the store's
 * implementation sits in {@code dev.cairn.store.jdbc.internal} and is off limits to other modules.
 */
package dev.cairn.store.jdbc.spi;
