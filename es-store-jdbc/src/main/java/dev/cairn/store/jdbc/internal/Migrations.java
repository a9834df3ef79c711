package dev.cairn.store.jdbc.internal;

import dev.cairn.api.EventStoreException;
import dev.cairn.api.spi.Checks;
import dev.cairn.store.jdbc.spi.StoreTables;
import java.util.Map;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * Runs Flyway migrations in the store's schema, each module with a history table of its own, so
 * they never collide with each other or with the application's migrations.
 */
public final class Migrations {

  /** The store's own scripts. */
  public static final String STORE_LOCATION = "classpath:dev/cairn/store/jdbc/migration";

  /** The store's own history table, before the prefix. */
  public static final String STORE_HISTORY_TABLE = "cairn_schema_history";

  private final DataSource dataSource;
  private final StoreTables tables;

  /**
   * Creates the runner.
   *
   * @param dataSource the database
   * @param tables the store's tables
   */
  public Migrations(DataSource dataSource, StoreTables tables) {
    this.dataSource = dataSource;
    this.tables = tables;
  }

  /**
   * Runs the scripts of a location, with {@code ${schema}} and {@code ${prefix}} placeholders.
   *
   * @param location the Flyway location
   * @param historyTable the history table, unqualified
   * @throws EventStoreException if a migration fails
   */
  public void migrate(String location, String historyTable) {
    try {
      Flyway.configure(Migrations.class.getClassLoader())
          .dataSource(dataSource)
          .locations(location)
          .schemas(tables.schema())
          .defaultSchema(tables.schema())
          .createSchemas(true)
          .table(Checks.sqlIdentifier("history table", historyTable))
          .baselineOnMigrate(true)
          .baselineVersion("0")
          .placeholders(Map.of("schema", tables.schema(), "prefix", tables.prefix()))
          .load()
          .migrate();
    } catch (RuntimeException e) {
      throw EventStoreException.of("migrating " + location + " in schema " + tables.schema(), e);
    }
  }
}
