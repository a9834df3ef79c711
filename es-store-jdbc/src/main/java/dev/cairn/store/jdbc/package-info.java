/**
 * The PostgreSQL event store on Jdbi: schema migrations, append with optimistic concurrency, the
 * gap-safe global order, snapshots, the aggregate cache and command idempotency.
 */
@NullMarked
package dev.cairn.store.jdbc;

import org.jspecify.annotations.NullMarked;
