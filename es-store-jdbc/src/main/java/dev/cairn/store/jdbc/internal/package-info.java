/**
 * The store's implementation, one responsibility per class: the append statement and its
 * transaction ({@code AppendStatement}, {@code Appender}), stream and global-order reads ({@code
 * StreamReader}, {@code GlobalOrderReader}), health ({@code StoreHealth}), migrations ({@code
 * Migrations}), idempotency keys, aggregate loading and the snapshot policy. Not API: other
 * modules use {@code dev.cairn.store.jdbc.spi}.
 */
@NullMarked
package dev.cairn.store.jdbc.internal;

import org.jspecify.annotations.NullMarked;
