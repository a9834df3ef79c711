/** Helpers shared by Cairn's modules (the store, the relay). Not API. */
package dev.cairn.store.jdbc.internal;
