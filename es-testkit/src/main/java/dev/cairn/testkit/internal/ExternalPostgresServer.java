package dev.cairn.testkit.internal;

import static java.util.Objects.requireNonNull;

import dev.cairn.testkit.PostgresDatabase;
import dev.cairn.testkit.PostgresServer;

/** A PostgreSQL server that someone else runs, named by a JDBC URL. */
public final class ExternalPostgresServer implements PostgresServer {

  private final String url;

  /**
   * Names the server.
   *
   * @param jdbcUrl a JDBC URL of a database on the server, whose user may create databases
   * @throws IllegalArgumentException if it is not a PostgreSQL JDBC URL
   */
  public ExternalPostgresServer(String jdbcUrl) {
    requireNonNull(jdbcUrl, "jdbcUrl");
    if (!jdbcUrl.startsWith("jdbc:postgresql://")) {
      throw new IllegalArgumentException(
          "CAIRN_PG_URL must be a JDBC URL starting with jdbc:postgresql:// but was " + jdbcUrl);
    }
    this.url = jdbcUrl;
  }

  @Override
  public PostgresDatabase createDatabase(String nameHint) {
    return Databases.create(url, nameHint);
  }

  @Override
  public String describe() {
    return "external PostgreSQL at " + Databases.withoutSecrets(url);
  }

  @Override
  public void close() {
    // Not ours to stop.
  }
}
