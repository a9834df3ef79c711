/**
 * Service-provider interface for Cairn's sibling modules (the relay, projections, process
 * managers, projection management): what they may use of the store beyond its public API.
 * {@link dev.cairn.store.jdbc.spi.StoreTables} names a module's tables beside the store's, from a
 * running store or from schema and prefix alone; {@link dev.cairn.store.jdbc.spi.SchemaMigrations}
 * runs a module's migrations in a database without a store (a read side's own);
 * {@link dev.cairn.store.jdbc.spi.WarnOnce} keeps
 * retry loops from flooding the log. Applications should not depend on this package, which may
 * change between minor versions. Everything else of the store's implementation sits in {@code
 * dev.cairn.store.jdbc.internal} and is off limits to other modules (a test in es-bench checks it).
 */
@NullMarked
package dev.cairn.store.jdbc.spi;

import org.jspecify.annotations.NullMarked;
