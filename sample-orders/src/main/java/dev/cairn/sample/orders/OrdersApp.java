package dev.cairn.sample.orders;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.KafkaServer;
import dev.cairn.testkit.PostgresServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the sample order service: embedded PostgreSQL and a Kafka broker process (unless {@code
 * CAIRN_PG_URL} / {@code CAIRN_KAFKA_BOOTSTRAP} name real ones), the store, relay, projections
 * and the HTTP API. {@code demo} runs the guided tour against it and exits.
 */
public final class OrdersApp implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(OrdersApp.class);

  private final Resources resources = new Resources(LOG);
  private final OrdersHttpServer http;
  private final OrdersService service;
  /** The database's JDBC URL, for the cairn CLI (the tutorial's CLI test uses it). */
  private String jdbcUrl;
  private final String bootstrapServers;

  private OrdersApp(int port) throws IOException {
    boolean started = false;
    try {
      DataSource dataSource;
      String pgUrl = System.getenv(PostgresServer.ENV);
      if (pgUrl == null || pgUrl.isBlank()) {
        PostgresServer pg = keep(PostgresServer.embedded());
        LOG.info("PostgreSQL: {}", pg.describe());
        var database = keep(pg.createDatabase("orders"));
        dataSource = database.dataSource();
        jdbcUrl = database.jdbcUrl();
        // What the cairn CLI needs to reach this service's database from another terminal.
        LOG.info("for the cairn CLI: export CAIRN_JDBC_URL='{}'", database.jdbcUrl());
      } else {
        // A server of the user's: use the database the URL names, so data outlives a restart.
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(pgUrl);
        config.setMaximumPoolSize(16);
        dataSource = keep(new HikariDataSource(config));
        jdbcUrl = pgUrl;
        LOG.info("PostgreSQL: the database named by {}", PostgresServer.ENV);
      }
      String bootstrap = System.getenv(KafkaServer.ENV);
      Path kafkaDir = null;
      KafkaServer kafka;
      if (bootstrap == null || bootstrap.isBlank()) {
        kafkaDir = Files.createTempDirectory("cairn-sample-kafka");
        Path dir = kafkaDir;
        keep(() -> deleteTree(dir));
        kafka = keep(KafkaServer.childProcess(kafkaDir));
      } else {
        kafka = keep(KafkaServer.external(bootstrap));
      }
      LOG.info("Kafka: {}", kafka.describe());
      Telemetry telemetry = keep(Telemetry.fromEnvironment());
      bootstrapServers = kafka.bootstrapServers();
      JdbcEventStore store =
          JdbcEventStore.builder(dataSource)
              .notifyOnAppend(true)
              .meterRegistry(new SimpleMeterRegistry())
              .openTelemetry(telemetry.openTelemetry())
              .build();
      store.migrate();
      service = keep(new OrdersService(store));
      service.startPipeline(kafka.bootstrapServers());
      http = keep(new OrdersHttpServer(service, port));
      http.start();
      started = true;
    } finally {
      if (!started) {
        close();
      }
    }
  }

  /**
   * Starts the service, or runs the demo.
   *
   * @param args {@code demo} to run the tour and exit; {@code read-side} to run the order summary
   *     as a read side of its own ({@link ReadSideApp}); otherwise the service runs until Ctrl-C
   * @throws Exception if it cannot start
   */
  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("read-side")) {
      ReadSideApp.run(System.getenv());
      return;
    }
    boolean demo = args.length > 0 && args[0].equals("demo");
    int port = demo ? 0 : Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
    if (demo && System.getenv("CHECKOUT_PAYMENT_TIMEOUT") == null) {
      System.setProperty(CheckoutService.TIMEOUT_PROPERTY, "PT5S"); // the tour waits for one timeout
    }
    OrdersApp app = new OrdersApp(port);
    String base = "http://127.0.0.1:" + app.http.port();
    if (demo) {
      int status;
      try (app) {
        status = new DemoTour(base).run() ? 0 : 1;
      }
      System.exit(status);
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  LOG.info("stopping");
                  app.close();
                  stopped.countDown();
                },
                "orders-shutdown"));
    System.out.println("Cairn sample orders service listening on " + base + ", Kafka at " + app.bootstrapServers
        + " (Ctrl-C stops it)");
    stopped.await();
  }

  int port() {
    return http.port();
  }

  String bootstrapServers() {
    return bootstrapServers;
  }

  String jdbcUrl() {
    return jdbcUrl;
  }

  OrdersService service() {
    return service;
  }

  static OrdersApp start(int port) throws IOException {
    return new OrdersApp(port);
  }

  private <T extends AutoCloseable> T keep(T resource) {
    return resources.keep(resource);
  }

  /** Stops everything in the reverse order of starting it. */
  @Override
  public void close() {
    resources.close();
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
