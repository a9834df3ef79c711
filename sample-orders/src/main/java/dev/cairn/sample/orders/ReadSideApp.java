package dev.cairn.sample.orders;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.cairn.admin.http.HttpLimits;
import dev.cairn.admin.http.JettyServer;
import dev.cairn.testkit.KafkaServer;
import dev.cairn.testkit.PostgresServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the order summary as a read side of its own ({@code java -jar sample-orders.jar
 * read-side}): its own database, the write side's Kafka, its own HTTP port, and no connection to
 * the write side's database.
 *
 * <p>Settings, from the environment: {@value #DB_ENV} (a JDBC URL of the read side's database;
 * without it an embedded PostgreSQL server of its own starts), {@code CAIRN_KAFKA_BOOTSTRAP} (the
 * write side's Kafka; required), {@code PORT} (default 8081), {@value #GROUP_ENV} (the consumer
 * group's prefix, default {@value #DEFAULT_GROUP}: one per read-side database), {@value
 * #INSTANCE_ENV} (optional: the process's member id in its group, for several processes of one
 * read side on one host).
 */
final class ReadSideApp implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ReadSideApp.class);

  /** The environment variable naming the read side's database. */
  static final String DB_ENV = "READ_SIDE_PG_URL";

  /** The environment variable naming the read side's consumer group (a prefix; one per database). */
  static final String GROUP_ENV = "READ_SIDE_GROUP";

  /** The consumer group of a read side started without {@value #GROUP_ENV}. */
  static final String DEFAULT_GROUP = "cairn-sample-read-side";

  /** The environment variable naming this process's member id in the read side's consumer group. */
  static final String INSTANCE_ENV = "READ_SIDE_INSTANCE_ID";

  private final Resources resources = new Resources(LOG);
  private final JettyServer http;
  private final ReadSideService service;

  private ReadSideApp(
      @Nullable String jdbcUrl, String bootstrapServers, String group, @Nullable String instanceId, int port) {
    boolean started = false;
    try {
      DataSource dataSource;
      if (jdbcUrl == null || jdbcUrl.isBlank()) {
        PostgresServer pg = keep(PostgresServer.embedded());
        LOG.info("read side's PostgreSQL: {}", pg.describe());
        dataSource = keep(pg.createDatabase("orders_read")).dataSource();
      } else {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setMaximumPoolSize(8);
        dataSource = keep(new HikariDataSource(config));
        LOG.info("read side's PostgreSQL: the database named by {}", DB_ENV);
      }
      service = keep(new ReadSideService(dataSource, bootstrapServers, group, instanceId, new SimpleMeterRegistry()));
      service.start();
      http = keep(new JettyServer(new ReadSideApi(service), "127.0.0.1", port, HttpLimits.defaults()));
      http.start();
      started = true;
    } finally {
      if (!started) {
        close();
      }
    }
  }

  /**
   * Starts a read side.
   *
   * @param jdbcUrl the read side's database, or null for an embedded server of its own
   * @param bootstrapServers the write side's Kafka
   * @param group the consumer group's prefix (one per read-side database)
   * @param instanceId the member id in the consumer group, or null for the default
   * @param port the HTTP port, 0 for any free one
   * @return the running read side
   */
  static ReadSideApp start(
      @Nullable String jdbcUrl, String bootstrapServers, String group, @Nullable String instanceId, int port) {
    return new ReadSideApp(jdbcUrl, bootstrapServers, group, instanceId, port);
  }

  /**
   * Runs the read side until Ctrl-C, configured from the environment.
   *
   * @param env the environment
   * @throws InterruptedException if interrupted while running
   */
  static void run(Map<String, String> env) throws InterruptedException {
    String bootstrap = env.get(KafkaServer.ENV);
    if (bootstrap == null || bootstrap.isBlank()) {
      System.err.println(
          "read-side needs the write side's Kafka: set " + KafkaServer.ENV + " to its bootstrap servers"
              + " (the write side prints them when it starts), and " + DB_ENV + " to the read side's own database"
              + " (without it an embedded PostgreSQL starts)");
      System.exit(2);
      return;
    }
    int port = Integer.parseInt(env.getOrDefault("PORT", "8081"));
    String group = env.getOrDefault(GROUP_ENV, DEFAULT_GROUP);
    ReadSideApp app = start(env.get(DB_ENV), bootstrap, group, env.get(INSTANCE_ENV), port);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("stopping the read side");
      app.close();
      stopped.countDown();
    }, "read-side-shutdown"));
    System.out.println(
        "Cairn sample read side (order summaries from Kafka at " + bootstrap + ") listening on http://127.0.0.1:"
            + app.port() + " (Ctrl-C stops it)");
    stopped.await();
  }

  int port() {
    return http.port();
  }

  ReadSideService service() {
    return service;
  }

  private <T extends AutoCloseable> T keep(T resource) {
    return resources.keep(resource);
  }

  /** Stops everything in the reverse order of starting it. */
  @Override
  public void close() {
    resources.close();
  }
}
