package dev.cairn.store.jdbc;

import dev.cairn.api.spi.Checks;

/**
 * The qualified names of the store's tables. Schema and prefix come from configuration and are
 * validated as identifiers before they are ever placed in SQL.
 */
final class Tables {

  final String schema;
  final String prefix;
  final String streams;
  final String events;
  final String snapshots;
  final String idempotencyKeys;
  final String historyTable;

  Tables(String schema, String prefix) {
    this.schema = Checks.sqlIdentifier("schema", schema);
    this.prefix = prefix.isEmpty() ? "" : Checks.sqlIdentifier("table prefix", prefix);
    this.streams = qualified("streams");
    this.events = qualified("events");
    this.snapshots = qualified("snapshots");
    this.idempotencyKeys = qualified("idempotency_keys");
    this.historyTable = this.prefix + "cairn_schema_history";
  }

  /**
   * Qualifies a table name of the store (or of a module built on it).
   *
   * @param table a fixed table name from Cairn's code
   * @return {@code schema.prefix_table}
   */
  String qualified(String table) {
    return schema + "." + prefix + Checks.sqlIdentifier("table", table);
  }
}
