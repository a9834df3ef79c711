package dev.cairn.bench;

import dev.cairn.testkit.KafkaServer;
import dev.cairn.testkit.PostgresDatabase;
import dev.cairn.testkit.PostgresServer;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.utils.AppInfoParser;
import org.jspecify.annotations.Nullable;

/**
 * The servers a run uses and what is known about them and the machine: which PostgreSQL and
 * Kafka (embedded or named by {@code CAIRN_PG_URL} / {@code CAIRN_KAFKA_BOOTSTRAP}), the settings
 * that decide what a commit costs, and the versions.
 */
final class Environment implements AutoCloseable {

  /** The PostgreSQL settings that change what a commit costs, reported with every run. */
  private static final List<String> PG_SETTINGS =
      List.of("server_version", "fsync", "synchronous_commit", "full_page_writes", "wal_level", "wal_compression",
          "checkpoint_timeout", "max_wal_size", "shared_buffers", "max_connections");

  private final PostgresServer postgres;
  private final Map<String, Object> facts = new LinkedHashMap<>();
  private @Nullable KafkaServer kafka;

  private Environment(PostgresServer postgres) {
    this.postgres = postgres;
  }

  /**
   * The settings {@code --durable} gives the embedded server: every commit flushed to disk, and
   * full pages written after a checkpoint (the default, said here so that no default can change it).
   */
  static final Map<String, String> DURABLE =
      Map.of("fsync", "on", "synchronous_commit", "on", "full_page_writes", "on");

  /**
   * Starts (or connects to) PostgreSQL and records the facts known before any case runs.
   *
   * @param durable whether an embedded server runs with {@link #DURABLE} settings
   */
  static Environment start(Settings settings, List<String> cases, boolean durable) {
    String pgUrl = System.getenv(PostgresServer.ENV);
    PostgresServer pg =
        durable && (pgUrl == null || pgUrl.isBlank())
            ? PostgresServer.embedded(DURABLE)
            : PostgresServer.fromEnvironmentOrEmbedded();
    try {
      return describe(new Environment(pg), settings, cases, pgUrl, durable);
    } catch (RuntimeException e) {
      pg.close();
      throw e;
    }
  }

  private static Environment describe(Environment env, Settings settings, List<String> cases, String pgUrl,
      boolean durable) {
    PostgresServer pg = env.postgres;
    Map<String, Object> f = env.facts;
    f.put("started_at", Instant.now().toString());
    f.put("mode", settings.quick() ? "quick" : "full");
    f.put("cases", cases);
    f.put("warmup_s", settings.warmup().toMillis() / 1000.0);
    f.put("measure_s", settings.measure().toMillis() / 1000.0);
    f.put("repetitions", settings.repetitions());
    f.put("postgres", (pgUrl == null || pgUrl.isBlank() ? "embedded (CAIRN_PG_URL not set): " : "CAIRN_PG_URL: ")
        + pg.describe());
    try (PostgresDatabase db = pg.createDatabase("bench_env");
        Connection c = db.dataSource().getConnection();
        Statement s = c.createStatement()) {
      for (String setting : PG_SETTINGS) {
        // Names from the fixed list above, never from input.
        try (ResultSet rs = s.executeQuery("SHOW " + setting)) {
          rs.next();
          f.put("pg_" + setting, rs.getString(1));
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("reading PostgreSQL's settings failed: " + e.getMessage(), e);
    }
    boolean flushes = DURABLE.keySet().stream().allMatch(k -> "on".equals(f.get("pg_" + k)));
    if (durable && !flushes) {
      throw new IllegalStateException("--durable asked for " + new java.util.TreeMap<>(DURABLE)
          + " but the server runs with fsync=" + f.get("pg_fsync") + ", synchronous_commit="
          + f.get("pg_synchronous_commit") + ", full_page_writes=" + f.get("pg_full_page_writes"));
    }
    f.put("pg_durability", flushes
        ? "durable: every commit waits for its WAL flush (fsync, synchronous_commit, full_page_writes on)"
        : "NOT durable: commits do not wait for a WAL flush to disk (fsync or synchronous_commit off);"
            + " ratios measure CPU and round trips, not disk");
    String bootstrap = System.getenv(KafkaServer.ENV);
    f.put("kafka", bootstrap == null || bootstrap.isBlank()
        ? "in-process KRaft broker (CAIRN_KAFKA_BOOTSTRAP not set), started only if a case needs it"
        : "CAIRN_KAFKA_BOOTSTRAP: " + bootstrap);
    f.put("kafka_client_version", AppInfoParser.getVersion());
    f.put("java", System.getProperty("java.vm.name") + " " + Runtime.version());
    f.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
        + System.getProperty("os.arch"));
    f.put("cpus", Runtime.getRuntime().availableProcessors());
    f.put("max_heap_mb", Runtime.getRuntime().maxMemory() >> 20);
    f.put("load_average_at_start", loadAverage());
    String version = Environment.class.getPackage().getImplementationVersion();
    f.put("cairn_version", version == null ? "(not from the jar)" : version);
    return env;
  }

  PostgresServer postgres() {
    return postgres;
  }

  /** Returns the Kafka cluster, starting the in-process broker on first use. */
  synchronized KafkaServer kafka() {
    if (kafka == null) {
      kafka = KafkaServer.fromEnvironmentOrInProcess();
      facts.put("kafka", kafka.describe());
    }
    return kafka;
  }

  /** Returns the facts, in the order they were recorded. */
  Map<String, Object> facts() {
    return facts;
  }

  /** Records the facts known only at the end. */
  void finish() {
    facts.put("load_average_at_end", loadAverage());
    facts.put("finished_at", Instant.now().toString());
  }

  private static double loadAverage() {
    return Math.round(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage() * 100) / 100.0;
  }

  @Override
  public void close() {
    try {
      if (kafka != null) {
        kafka.close();
      }
    } finally {
      postgres.close();
    }
  }
}
