package dev.cairn.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.cairn.testkit.KafkaServer;
import dev.cairn.testkit.PostgresDatabase;
import java.io.PrintStream;

/** What a case gets to work with: the settings, the servers and the log. */
final class BenchContext {

  /** The pool size both sides of the store's cases share: at least the most writers a case runs. */
  static final int POOL_SIZE = 8;

  private final Settings settings;
  private final Environment environment;
  private final PrintStream log;

  BenchContext(Settings settings, Environment environment, PrintStream log) {
    this.settings = settings;
    this.environment = environment;
    this.log = log;
  }

  Settings settings() {
    return settings;
  }

  PrintStream log() {
    return log;
  }

  /** Creates a fresh database for one case; the case closes it, which drops it. */
  PostgresDatabase database(String caseName) {
    return environment.postgres().createDatabase("bench_" + caseName);
  }

  /**
   * Opens a Hikari pool of {@link #POOL_SIZE} connections on a database, all opened up front, so
   * that no measured operation pays for connecting. Both sides of a case use the same pool.
   */
  HikariDataSource pool(PostgresDatabase db, String name) {
    return pool(db, name, POOL_SIZE);
  }

  /** Opens a pool of {@code size} connections, all opened up front, as {@link #pool} does. */
  HikariDataSource pool(PostgresDatabase db, String name, int size) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(db.jdbcUrl());
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(size);
    config.setPoolName("bench-" + name);
    return new HikariDataSource(config);
  }

  /** Returns the Kafka cluster, starting the in-process broker on first use. */
  KafkaServer kafka() {
    return environment.kafka();
  }
}
