/** The store's implementation. Not API: other modules use {@code dev.cairn.store.jdbc.spi}. */
package dev.cairn.store.jdbc.internal;
