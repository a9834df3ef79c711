package dev.cairn.sample.orders;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.api.CommandOptions;
import dev.cairn.api.CommandResult;
import dev.cairn.api.EventTypeRegistry;
import dev.cairn.api.JacksonEventSerializer;
import dev.cairn.bus.kafka.KafkaRelay;
import dev.cairn.bus.kafka.RelayStatus;
import dev.cairn.api.Health;
import dev.cairn.projections.KafkaProjectionRunner;
import dev.cairn.store.jdbc.spi.HealthTracker;
import dev.cairn.store.jdbc.spi.WarnOnce;
import dev.cairn.projections.Projection;
import dev.cairn.projections.ProjectionManager;
import dev.cairn.projections.StreamsProjection;
import dev.cairn.sample.orders.domain.Order;
import dev.cairn.sample.orders.domain.OrderCommand;
import dev.cairn.sample.orders.domain.OrderDecider;
import dev.cairn.sample.orders.domain.OrderEvent;
import dev.cairn.admin.CairnAdmin;
import dev.cairn.admin.http.ApiException;
import dev.cairn.store.jdbc.JdbcAggregateRepository;
import dev.cairn.store.jdbc.JdbcEventStore;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The order service: the event store and order repository, the relay to Kafka, the {@code
 * order_summary} read model fed from Kafka, the per-customer statistics from Kafka Streams, and
 * their administration. The HTTP server is a thin layer over this.
 */
final class OrdersService implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(OrdersService.class);
  static final String STREAM_TYPE = "order";
  private static final Duration REBUILD_TIMEOUT = Duration.ofMinutes(5);

  private final JdbcEventStore store;
  private final JdbcAggregateRepository<OrderCommand, Order, OrderEvent> orders;
  private final JacksonEventSerializer serializer;
  private final MeterRegistry meters;
  private @Nullable String bootstrapServers;
  private @Nullable KafkaRelay relay;
  private @Nullable ProjectionManager projections;
  private volatile @Nullable Projection summary;
  private volatile @Nullable KafkaProjectionRunner summaryRunner;
  private volatile @Nullable StreamsProjection<CustomerStats> stats;
  private volatile @Nullable CairnAdmin admin;
  private final java.util.concurrent.atomic.AtomicBoolean closing = new java.util.concurrent.atomic.AtomicBoolean();
  private final HealthTracker pipelineHealth = new HealthTracker("pipeline");
  private @Nullable Path streamsDir;
  private final CheckoutService checkout;

  OrdersService(JdbcEventStore store) {
    this.store = store;
    this.meters = store.meterRegistry();
    this.serializer =
        JacksonEventSerializer.create(EventTypeRegistry.builder().registerSealed(OrderEvent.class).build());
    this.orders =
        store.repository(STREAM_TYPE, new OrderDecider())
            .serializer(serializer)
            .snapshots(Order.class, 1)
            .build();
    this.checkout = new CheckoutService(store, CheckoutService.configuredTimeout());
  }

  CheckoutService checkout() {
    return checkout;
  }

  /**
   * Starts the relay to Kafka and the projections that read from it. Returns at once, also while
   * Kafka cannot be reached: commands and the order views (PostgreSQL) work meanwhile, the relay
   * connects by itself, and a background thread creates the order topic and starts the Kafka-fed
   * runner and the Kafka Streams statistics once the broker answers. Until then {@code /health}
   * names the wait.
   *
   * @param bootstrap the Kafka cluster
   */
  void startPipeline(String bootstrap) throws java.io.IOException {
    this.bootstrapServers = bootstrap;
    relay =
        KafkaRelay.builder(store)
            .kafkaSettings(Map.of("bootstrap.servers", bootstrap, "linger.ms", 1))
            .partitions(4)
            .listenForNotifications(true)
            .meterRegistry(meters)
            .build();
    relay.start(); // never waits for Kafka
    checkout.start();
    projections = ProjectionManager.create(store, serializer);
    projections.migrate();
    int active = projections.activeVersion(OrderSummaryProjection.NAME).orElse(1);
    summary = OrderSummaryProjection.version(active);
    projections.install(summary);
    // The admin API and console (mounted by OrdersApi at /cairn): it can rebuild to and retry
    // dead letters of both versions of the summary, and starts the Kafka-fed runner of a version
    // readers were switched to.
    admin =
        CairnAdmin.builder(store)
            .projections(projections)
            .relay(relay)
            .catalog(OrderSummaryProjection.version(1), OrderSummaryProjection.version(2))
            .onSwitch(this::switched)
            .rebuildTimeout(REBUILD_TIMEOUT)
            .build();
    admin.migrate();
    admin.start();
    streamsDir = Files.createTempDirectory("cairn-sample-streams");
    pipelineHealth.raise("kafka-pipeline", Health.Status.DOWN, "connecting to Kafka at " + bootstrap);
    Thread starter = new Thread(this::connectPipeline, "cairn-sample-pipeline");
    starter.setDaemon(true);
    starter.start();
  }

  /**
   * Creates the order topic (the runner and Kafka Streams subscribe to it, and must not let the
   * broker auto-create it with one partition), then starts them; retries with backoff while Kafka
   * does not answer. A wait between attempts is a timed wait on {@code closing}, cut short by
   * {@link #close()}.
   */
  private void connectPipeline() {
    // startPipeline() set these before it started this thread, and nothing unsets them.
    KafkaRelay relay = Objects.requireNonNull(this.relay, "relay");
    Path streamsDir = Objects.requireNonNull(this.streamsDir, "streamsDir");
    long backoffMs = 500;
    while (true) {
      try {
        relay.ensureTopic(STREAM_TYPE);
        break;
      } catch (RuntimeException e) {
        pipelineHealth.raise(
            "kafka-pipeline",
            Health.Status.DOWN,
            "waiting for Kafka at " + bootstrapServers + " to create topic " + STREAM_TYPE + ": "
                + WarnOnce.describe("creating topic", e));
      }
      synchronized (closing) {
        if (closing.get()) {
          return;
        }
        try {
          closing.wait(backoffMs);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        if (closing.get()) {
          return;
        }
      }
      backoffMs = Math.min(backoffMs * 2, 10_000);
    }
    synchronized (closing) {
      if (closing.get()) {
        return;
      }
      summaryRunner = startRunner(Objects.requireNonNull(summary, "summary"));
      stats =
          StreamsProjection.builder(
                  "cairn-sample-customer-stats", STREAM_TYPE, serializer, CustomerStats.class, () -> CustomerStats.NONE, CustomerStats::fold)
              .config(Map.of("bootstrap.servers", bootstrapServers, "state.dir", streamsDir.toString(), "commit.interval.ms", 100))
              .groupedBy(CustomerStats.Totals.BY_CUSTOMER)
              .build();
      stats.start();
    }
    pipelineHealth.clear("kafka-pipeline");
  }

  /**
   * After readers were switched to a new version of the summary (through the admin API or the
   * CLI): its Kafka-fed runner takes over from the rebuild's store-fed runner, and the old
   * version's runner stops.
   */
  private void switched(Projection next) {
    synchronized (closing) {
      if (closing.get()) {
        return;
      }
      KafkaProjectionRunner old = summaryRunner;
      summary = next;
      if (bootstrapServers != null && old != null) {
        summaryRunner = startRunner(next);
        old.stop();
      }
    }
    LOG.info("{} now serves version {}", OrderSummaryProjection.NAME, next.spec().version());
  }

  /** The admin API, once the pipeline was started; null before. */
  @Nullable CairnAdmin admin() {
    return admin;
  }

  private KafkaProjectionRunner startRunner(Projection projection) {
    // Runners start once startPipeline() has created the manager.
    ProjectionManager projections = Objects.requireNonNull(this.projections, "projections");
    Map<String, Object> consumer = new HashMap<>();
    consumer.put("bootstrap.servers", bootstrapServers);
    consumer.put("group.id", "cairn-sample-" + projection.spec().name() + "-v" + projection.spec().version());
    consumer.put("auto.offset.reset", "earliest");
    // The relay creates the topic with its partition count; a consumer must never create it.
    consumer.put("allow.auto.create.topics", false);
    KafkaProjectionRunner runner =
        projections.kafkaRunner(projection, consumer, List.of(STREAM_TYPE)).openTelemetry(store.openTelemetry()).build();
    runner.start();
    return runner;
  }

  JacksonEventSerializer serializer() {
    return serializer;
  }

  JdbcEventStore store() {
    return store;
  }

  JdbcAggregateRepository<OrderCommand, Order, OrderEvent> orders() {
    return orders;
  }

  CommandResult<OrderEvent> handle(String orderId, OrderCommand command, CommandOptions options) {
    return orders.handle(orderId, command, options);
  }

  Optional<Map<String, Object>> summary(String orderId) {
    if (projections == null || summary == null) {
      throw new ApiException(503, "not_available", "the read model is not running");
    }
    String view = projections.readModel(summary.spec()).view();
    return store
        .jdbi()
        .withHandle(h -> h.createQuery("SELECT * FROM " + view + " WHERE order_id = :id").bind("id", orderId).mapToMap().findOne())
        .map(JsonViews::row);
  }

  Map<String, Object> customerStats(String customerId) {
    if (stats == null) {
      throw new ApiException(503, "not_available", "customer statistics are not running");
    }
    CustomerStats.Totals totals;
    try {
      totals = stats.group(CustomerStats.Totals.BY_CUSTOMER, customerId).orElse(CustomerStats.Totals.NONE);
    } catch (RuntimeException e) {
      throw new ApiException(503, "not_available", "customer statistics are not ready: " + e.getMessage());
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("customerId", customerId);
    out.put("orders", totals.orders());
    out.put("revenueCents", totals.revenueCents());
    return out;
  }

  Map<String, Object> fault(@Nullable JsonNode body) {
    JsonNode sku = body == null ? null : body.get("failSku");
    if (sku != null && !sku.isNull() && !sku.isTextual()) {
      throw new ApiException(400, "invalid_request", "failSku must be a string, was " + sku);
    }
    OrderSummaryProjection.failSku = sku == null || sku.isNull() ? null : sku.asText();
    return Map.of("failSku", String.valueOf(OrderSummaryProjection.failSku));
  }

  /** The health of every part: the store, the relay, the pipeline's start, the projection runner. */
  List<Health> healthParts() {
    List<Health> parts = new ArrayList<>();
    parts.add(store.health());
    if (relay != null) {
      parts.add(relay.health());
      parts.add(pipelineHealth.health());
    }
    KafkaProjectionRunner runner = summaryRunner;
    if (runner != null) {
      parts.add(runner.health());
    }
    return parts;
  }

  /**
   * Maps the library's health model to the sample's JSON: the overall status is the worst part's,
   * and each part lists its named causes with since when.
   */
  Map<String, Object> health() {
    List<Health> parts = healthParts();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("status", Health.worst(parts.stream().map(Health::status).toList()).name());
    out.put("components", JsonViews.components(parts));
    if (relay != null) {
      RelayStatus r = relay.status();
      Map<String, Object> rs = new LinkedHashMap<>();
      rs.put("state", r.state().name());
      rs.put("position", String.valueOf(r.position()));
      rs.put("lastError", r.lastError());
      out.put("relay", rs);
    }
    KafkaProjectionRunner runner = summaryRunner;
    if (runner != null) {
      out.put("projection", runner.status());
    }
    store
        .oldestOpenTransaction()
        .ifPresent(t -> out.put("oldestOpenTransaction", Map.of("pid", t.pid(), "ageMs", t.age().toMillis(), "state", t.state())));
    return out;
  }

  Map<String, Object> metrics() {
    Map<String, Object> out = new TreeMap<>();
    for (Meter meter : meters.getMeters()) {
      Map<String, Object> values = new LinkedHashMap<>();
      meter.measure().forEach(m -> values.put(m.getStatistic().name().toLowerCase(Locale.ROOT), m.getValue()));
      String tags = meter.getId().getTags().isEmpty() ? "" : meter.getId().getTags().toString();
      out.put(meter.getId().getName() + tags, values);
    }
    return out;
  }

  /** Where Kafka Streams keeps its local state; deleted on {@link #close()}. */
  @Nullable Path streamsDir() {
    return streamsDir;
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      LOG.warn("could not delete {}: {}", dir, e.toString());
    }
  }

  @Override
  public void close() {
    synchronized (closing) {
      closing.set(true);
      closing.notifyAll();
    }
    if (admin != null) {
      admin.close();
    }
    if (stats != null) {
      stats.close();
    }
    if (streamsDir != null) {
      // Kafka Streams' local state is a cache of the topic: nothing is lost by deleting it, and a
      // sample that leaves a directory behind on every start fills the temp directory.
      deleteTree(streamsDir);
    }
    if (summaryRunner != null) {
      summaryRunner.stop();
    }
    checkout.close();
    if (relay != null) {
      relay.close();
    }
    orders.close();
  }
}
