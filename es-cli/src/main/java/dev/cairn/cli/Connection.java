package dev.cairn.cli;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.cairn.store.jdbc.JdbcEventStore;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The options every command that reads the store shares: where the database and Kafka are. */
final class Connection {

  @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
  private CommandLine.Model.CommandSpec mixee;

  @Option(
      names = "--jdbc-url",
      paramLabel = "URL",
      defaultValue = "${env:CAIRN_JDBC_URL}",
      description = "JDBC URL of the store's database (env CAIRN_JDBC_URL), e.g. "
          + "jdbc:postgresql://127.0.0.1:5432/orders?user=postgres")
  @Nullable String jdbcUrl;

  @Option(names = "--schema", paramLabel = "NAME", defaultValue = "${env:CAIRN_SCHEMA:-public}",
      description = "schema of the store's tables (env CAIRN_SCHEMA, default ${DEFAULT-VALUE})")
  String schema;

  @Option(names = "--table-prefix", paramLabel = "PREFIX", defaultValue = "${env:CAIRN_TABLE_PREFIX:-}",
      description = "prefix of the store's table names (env CAIRN_TABLE_PREFIX, default none)")
  String tablePrefix;

  @Option(names = "--bootstrap-servers", paramLabel = "HOSTS", defaultValue = "${env:CAIRN_BOOTSTRAP_SERVERS}",
      description = "Kafka bootstrap servers (env CAIRN_BOOTSTRAP_SERVERS), for the checks and figures that need Kafka")
  @Nullable String bootstrapServers;

  @Option(names = "--topic-prefix", paramLabel = "PREFIX", defaultValue = "${env:CAIRN_TOPIC_PREFIX:-}",
      description = "the relay's topic prefix (env CAIRN_TOPIC_PREFIX, default none)")
  String topicPrefix;

  @Option(names = "--max-event-bytes", paramLabel = "BYTES", defaultValue = "1048576",
      description = "the store's maxEventBytes, for the event size check (default ${DEFAULT-VALUE})")
  int maxEventBytes;

  /**
   * Opens the database: a small pool that fails at once if the database cannot be reached.
   *
   * @return the store over it, closed with the session
   */
  Session open() {
    if (jdbcUrl == null || jdbcUrl.isBlank()) {
      throw new CommandLine.ParameterException(mixee.commandLine(),
          "no database given: pass --jdbc-url or set CAIRN_JDBC_URL");
    }
    if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
      throw new CommandLine.ParameterException(mixee.commandLine(),
          "--jdbc-url must start with jdbc:postgresql: but was " + redacted(jdbcUrl));
    }
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(jdbcUrl);
    config.setMaximumPoolSize(3);
    config.setMinimumIdle(0);
    config.setPoolName("cairn-cli");
    config.setConnectionTimeout(10_000);
    config.setInitializationFailTimeout(1);
    HikariDataSource dataSource = new HikariDataSource(config);
    try {
      var builder = JdbcEventStore.builder(dataSource).schema(schema).maxEventBytes(maxEventBytes)
          .meterRegistry(new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
      if (!tablePrefix.isEmpty()) {
        builder.tablePrefix(tablePrefix);
      }
      JdbcEventStore store = builder.build();
      return new Session(dataSource, store);
    } catch (RuntimeException e) {
      dataSource.close();
      throw e;
    }
  }

  /** Kafka's settings, empty if no bootstrap servers were given. */
  Map<String, Object> kafkaSettings() {
    return bootstrapServers == null || bootstrapServers.isBlank()
        ? Map.of()
        : Map.of("bootstrap.servers", bootstrapServers);
  }

  private static String redacted(String url) {
    return url.replaceAll("(?i)(password=)[^&]*", "$1***");
  }

  /** An open database. */
  record Session(HikariDataSource dataSource, JdbcEventStore store) implements AutoCloseable {
    @Override
    public void close() {
      dataSource.close();
    }
  }
}
