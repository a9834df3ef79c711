package dev.cairn.testkit.internal;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.cairn.testkit.PostgresDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;

/** Creates and drops per-test databases on a server reached through an admin JDBC URL. */
final class Databases {

  static final int POOL_SIZE = 32;

  private Databases() {}

  static PostgresDatabase create(String adminUrl, String nameHint) {
    String name = uniqueName(nameHint);
    // The name is built from [a-z0-9_] only, so it is safe to splice as an identifier.
    execute(adminUrl, "CREATE DATABASE " + name);
    String url = withDatabase(adminUrl, name);
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setMaximumPoolSize(POOL_SIZE);
    config.setMinimumIdle(0);
    config.setPoolName("cairn-test-" + name);
    HikariDataSource pool = new HikariDataSource(config);
    return new Database(name, url, pool, adminUrl);
  }

  static String uniqueName(String hint) {
    String base = hint == null ? "" : hint.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
    if (base.length() > 40) {
      base = base.substring(base.length() - 40);
    }
    return "cairn_" + base + "_" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 24);
  }

  /** Replaces the database in a URL of the form {@code jdbc:postgresql://host[:port]/db?...}. */
  static String withDatabase(String url, String database) {
    String prefix = "jdbc:postgresql://";
    int slash = url.indexOf('/', prefix.length());
    int query = url.indexOf('?');
    String hostPart = slash < 0 ? (query < 0 ? url : url.substring(0, query)) : url.substring(0, slash);
    String params = query < 0 ? "" : url.substring(query);
    return hostPart + "/" + database + params;
  }

  static String withoutSecrets(String url) {
    return url.replaceAll("(?i)(password=)[^&]*", "$1***");
  }

  static void execute(String url, String sql) {
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "PostgreSQL at " + withoutSecrets(url) + " refused `" + sql + "`: " + e.getMessage(), e);
    }
  }

  private static final class Database implements PostgresDatabase {
    private final String name;
    private final String url;
    private final HikariDataSource pool;
    private final String adminUrl;
    private final Jdbi jdbi;

    Database(String name, String url, HikariDataSource pool, String adminUrl) {
      this.name = name;
      this.url = url;
      this.pool = pool;
      this.adminUrl = adminUrl;
      this.jdbi = Jdbi.create(pool);
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public String jdbcUrl() {
      return url;
    }

    @Override
    public DataSource dataSource() {
      return pool;
    }

    @Override
    public Jdbi jdbi() {
      return jdbi;
    }

    @Override
    public void close() {
      pool.close();
      execute(adminUrl, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }
  }
}
