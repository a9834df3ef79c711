package dev.cairn.testkit.internal;

import dev.cairn.testkit.PostgresDatabase;
import dev.cairn.testkit.PostgresServer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.TreeMap;

/** PostgreSQL from zonky's embedded binaries; the binaries are unpacked once and reused. */
public final class EmbeddedPostgresServer implements PostgresServer {

  private final EmbeddedPostgres postgres;
  private final String baseUrl;
  private final Map<String, String> serverConfig;

  private final LastResort lastResort;

  private EmbeddedPostgresServer(EmbeddedPostgres postgres, Map<String, String> serverConfig) {
    this.postgres = postgres;
    this.serverConfig = serverConfig;
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
    return start(Map.of());
  }

  /**
   * Starts the server with extra settings, applied after the defaults (which run with fsync and
   * synchronous_commit off), so {@code fsync=on} and {@code synchronous_commit=on} make it durable.
   *
   * @param serverConfig PostgreSQL settings, name to value
   * @return the running server
   * @throws IllegalStateException if it cannot start
   */
  public static EmbeddedPostgresServer start(Map<String, String> serverConfig) {
    Map<String, String> extra = Map.copyOf(serverConfig);
    try {
      EmbeddedPostgres.Builder builder =
          EmbeddedPostgres.builder()
              .setServerConfig("max_connections", "300")
              .setServerConfig("max_prepared_transactions", "20")
              .setRegisterShutdownHook(false);
      // zonky passes -F (fsync off) before the -c settings, so a -c fsync=on here wins.
      extra.forEach(builder::setServerConfig);
      return new EmbeddedPostgresServer(builder.start(), extra);
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
    return "embedded PostgreSQL on port " + postgres.getPort()
        + (serverConfig.isEmpty() ? " (fsync off)" : " (settings " + new TreeMap<>(serverConfig) + ")");
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
