package dev.cairn.store.jdbc.spi;

import static java.util.Objects.requireNonNull;

import dev.cairn.store.jdbc.internal.Migrations;
import javax.sql.DataSource;

/**
 * Runs a sibling module's Flyway scripts in a database that holds no event store, as a read side
 * with its own database does: the same placeholders ({@code ${schema}}, {@code ${prefix}}) and
 * the same rules (a history table of the module's own, the schema created if missing) as {@code
 * JdbcEventStore.migrate(location, historyTable)} applies beside a store.
 *
 * <pre>{@code
 * SchemaMigrations.migrate(readModelDataSource, StoreTables.of("orders_read", ""),
 *     "classpath:dev/cairn/projections/migration", "cairn_projections_schema_history");
 * }</pre>
 */
public final class SchemaMigrations {

  private SchemaMigrations() {}

  /**
   * Runs the scripts of a location in the schema of {@code tables}.
   *
   * @param dataSource the database
   * @param tables the schema and prefix the scripts' placeholders take
   * @param location the Flyway location of the module's scripts
   * @param historyTable the module's history table, unqualified (prefix included)
   * @throws dev.cairn.api.EventStoreException if a migration fails
   * @throws IllegalArgumentException if the history table breaks the identifier rule
   */
  public static void migrate(DataSource dataSource, StoreTables tables, String location, String historyTable) {
    new Migrations(requireNonNull(dataSource, "dataSource"), requireNonNull(tables, "tables"))
        .migrate(requireNonNull(location, "location"), requireNonNull(historyTable, "historyTable"));
  }
}
