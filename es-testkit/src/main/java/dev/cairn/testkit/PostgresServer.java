package dev.cairn.testkit;

import dev.cairn.testkit.internal.EmbeddedPostgresServer;
import dev.cairn.testkit.internal.ExternalPostgresServer;
import java.util.Map;

/**
 * A real PostgreSQL server for tests and demos: embedded from a Maven artifact, or the server
 * named by the {@code CAIRN_PG_URL} environment variable.
 *
 * <p>Tests never share rows: each asks the server for a {@linkplain #createDatabase fresh
 * database} and drops it when done.
 */
public interface PostgresServer extends AutoCloseable {

  /** The environment variable that names an external server, as a JDBC URL with credentials. */
  String ENV = "CAIRN_PG_URL";

  /**
   * Creates an empty database on this server.
   *
   * @param nameHint a hint for the name, such as a test class name; it is sanitised and made
   *     unique, so any string will do
   * @return the new database, which the caller closes to drop it
   * @throws IllegalStateException if the server refuses to create the database
   */
  PostgresDatabase createDatabase(String nameHint);

  /**
   * Tells where this server is and how it runs, for log lines and benchmark reports.
   *
   * @return a short description, without passwords
   */
  String describe();

  /**
   * Stops the server if this object started it; an external server is left running.
   */
  @Override
  void close();

  /**
   * Starts an embedded PostgreSQL server, or connects to the server named by {@value #ENV}.
   *
   * @return the server
   * @throws IllegalStateException if the embedded server cannot start
   */
  static PostgresServer fromEnvironmentOrEmbedded() {
    String url = System.getenv(ENV);
    return url == null || url.isBlank() ? embedded() : external(url);
  }

  /**
   * Starts an embedded PostgreSQL server (fsync off: right for tests, wrong for durability).
   *
   * @return the running server
   * @throws IllegalStateException if it cannot start
   */
  static PostgresServer embedded() {
    return EmbeddedPostgresServer.start();
  }

  /**
   * Starts an embedded PostgreSQL server with extra settings, such as {@code fsync=on} and
   * {@code synchronous_commit=on} for a durable server; they override the defaults.
   *
   * @param serverConfig PostgreSQL settings, name to value
   * @return the running server
   * @throws IllegalStateException if it cannot start
   * @throws NullPointerException if the map or one of its entries is null
   */
  static PostgresServer embedded(Map<String, String> serverConfig) {
    return EmbeddedPostgresServer.start(serverConfig);
  }

  /**
   * Connects to an external server.
   *
   * @param jdbcUrl a JDBC URL of a database on that server whose user may create databases, such
   *     as {@code jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres}
   * @return the server
   * @throws IllegalArgumentException if the URL is not a PostgreSQL JDBC URL
   */
  static PostgresServer external(String jdbcUrl) {
    return new ExternalPostgresServer(jdbcUrl);
  }
}
