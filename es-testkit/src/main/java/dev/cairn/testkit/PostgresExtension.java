package dev.cairn.testkit;

import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Gives a test class its own fresh database on this JVM's {@linkplain TestServers#postgres()
 * PostgreSQL server}, dropped after the class:
 *
 * <pre>{@code
 * @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
 * ... pg.jdbi().withHandle(h -> ...)
 * }</pre>
 */
public final class PostgresExtension implements BeforeAllCallback, AfterAllCallback {

  private @Nullable PostgresDatabase database;

  /** Creates the extension; the database is created before the class's first test. */
  public PostgresExtension() {}

  @Override
  public void beforeAll(ExtensionContext context) {
    TestServers.stopAfterAllTests(context);
    database = TestServers.postgres().createDatabase(context.getRequiredTestClass().getSimpleName());
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (database != null) {
      database.close();
      database = null;
    }
  }

  /**
   * Returns the class's database.
   *
   * @return the database
   * @throws IllegalStateException if called outside the test class's lifetime
   */
  public PostgresDatabase database() {
    if (database == null) {
      throw new IllegalStateException(
          "no database: register PostgresExtension as a static field with @RegisterExtension");
    }
    return database;
  }

  /**
   * Returns the pooled data source of the class's database.
   *
   * @return the data source
   * @throws IllegalStateException if called outside the test class's lifetime
   */
  public DataSource dataSource() {
    return database().dataSource();
  }

  /**
   * Returns a Jdbi over the class's database.
   *
   * @return the Jdbi
   * @throws IllegalStateException if called outside the test class's lifetime
   */
  public Jdbi jdbi() {
    return database().jdbi();
  }

  /**
   * Returns a JDBC URL of the class's database.
   *
   * @return the URL, credentials included
   * @throws IllegalStateException if called outside the test class's lifetime
   */
  public String jdbcUrl() {
    return database().jdbcUrl();
  }
}
