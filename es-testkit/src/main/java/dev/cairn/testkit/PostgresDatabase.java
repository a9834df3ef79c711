package dev.cairn.testkit;

import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;

/**
 * One database on a {@link PostgresServer}, with a connection pool; closing it closes the pool
 * and drops the database.
 */
public interface PostgresDatabase extends AutoCloseable {

  /**
   * Returns the database's name.
   *
   * @return the name, unique on its server
   */
  String name();

  /**
   * Returns a JDBC URL for this database, credentials included.
   *
   * @return the URL
   */
  String jdbcUrl();

  /**
   * Returns the pooled data source of this database.
   *
   * @return the data source, open until {@link #close()}
   */
  DataSource dataSource();

  /**
   * Returns a Jdbi over {@link #dataSource()}.
   *
   * @return the Jdbi
   */
  Jdbi jdbi();

  /** Closes the pool and drops the database, ending any session still connected to it. */
  @Override
  void close();
}
