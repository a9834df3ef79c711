package dev.cairn.testkit.internal;

import dev.cairn.testkit.PostgresDatabase;
import dev.cairn.testkit.PostgresServer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;

/** PostgreSQL from zonky's embedded binaries; the binaries are unpacked once and reused. */
public final class EmbeddedPostgresServer implements PostgresServer {

  private final EmbeddedPostgres postgres;
  private final String baseUrl;

  private final LastResort lastResort;

  private EmbeddedPostgresServer(EmbeddedPostgres postgres) {
    this.postgres = postgres;
    // Not zonky's own hook: it stops the server the moment the JVM begins to exit.
    this.lastResort = new LastResort("cairn-postgres-stop", this::stopQuietly);
    this.baseUrl = "jdbc:postgresql://localhost:" + postgres.getPort() + "/postgres?user=postgres";
  }

  /**
   * Starts the server.
   *
   * @return the running server
   * @throws IllegalStateException if it cannot start
   */
  public static EmbeddedPostgresServer start() {
    try {
      EmbeddedPostgres pg =
          EmbeddedPostgres.builder()
              .setServerConfig("max_connections", "300")
              .setServerConfig("max_prepared_transactions", "20")
              .setRegisterShutdownHook(false)
              .start();
      return new EmbeddedPostgresServer(pg);
    } catch (IOException e) {
      throw new IllegalStateException("embedded PostgreSQL did not start: " + e.getMessage(), e);
    }
  }

  @Override
  public PostgresDatabase createDatabase(String nameHint) {
    return Databases.create(baseUrl, nameHint);
  }

  @Override
  public String describe() {
    return "embedded PostgreSQL on port " + postgres.getPort() + " (fsync off)";
  }

  @Override
  public void close() {
    stopQuietly();
    lastResort.closed();
  }

  private synchronized void stopQuietly() {
    try {
      postgres.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
