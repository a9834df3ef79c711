package dev.cairn.store.jdbc.spi;

import static java.util.Objects.requireNonNull;

import dev.cairn.api.spi.Checks;

/**
 * Where the tables of a Cairn store and of the modules built beside it live: one schema, and one
 * prefix before every table name. This is how a sibling module (projections, process managers,
 * projection management, a read side without the event store) names its own tables, so they sit
 * next to the store's and follow the same configuration.
 *
 * <p>Obtain it from a running store with {@code JdbcEventStore.tables()}, or build it from
 * configuration alone with {@link #of(String, String)} where no event store (and no data source)
 * is at hand. Schema, prefix and every table name are checked against {@code [a-z_][a-z0-9_]*},
 * so the names it returns are safe to place in SQL text.
 *
 * <pre>{@code
 * StoreTables tables = StoreTables.of("cairn", "app_");
 * tables.qualified("projection_versions"); // "cairn.app_projection_versions"
 * tables.prefixed("cairn_projections_schema_history"); // "app_cairn_projections_schema_history"
 * }</pre>
 *
 * @param schema the schema of the tables
 * @param prefix the prefix of every table name, possibly empty
 */
public record StoreTables(String schema, String prefix) {

  /**
   * Checks schema and prefix.
   *
   * @throws IllegalArgumentException if the schema or a non-empty prefix does not match {@code
   *     [a-z_][a-z0-9_]*}
   * @throws NullPointerException if either is null
   */
  public StoreTables {
    requireNonNull(schema, "schema");
    requireNonNull(prefix, "prefix");
    Checks.sqlIdentifier("schema", schema);
    if (!prefix.isEmpty()) {
      Checks.sqlIdentifier("table prefix", prefix);
    }
  }

  /**
   * Returns the tables of a schema and prefix, as a store configured with them names its own.
   *
   * @param schema the schema
   * @param prefix the table prefix, empty for none
   * @return the naming
   * @throws IllegalArgumentException if the schema or a non-empty prefix breaks the identifier rule
   * @throws NullPointerException if either is null
   */
  public static StoreTables of(String schema, String prefix) {
    return new StoreTables(schema, prefix);
  }

  /**
   * Qualifies a table name: {@code schema.<prefix>name}.
   *
   * @param name a fixed table name of Cairn's code, such as {@code projection_checkpoints}
   * @return the qualified name, safe to place in SQL
   * @throws IllegalArgumentException if the name does not match {@code [a-z_][a-z0-9_]*}
   */
  public String qualified(String name) {
    return schema + "." + prefixed(name);
  }

  /**
   * Prefixes a name without the schema, for names given to tools that add the schema themselves,
   * such as a module's Flyway history table.
   *
   * @param name a fixed name of Cairn's code
   * @return {@code <prefix>name}
   * @throws IllegalArgumentException if the name does not match {@code [a-z_][a-z0-9_]*}
   */
  public String prefixed(String name) {
    return prefix + Checks.sqlIdentifier("table", name);
  }
}
