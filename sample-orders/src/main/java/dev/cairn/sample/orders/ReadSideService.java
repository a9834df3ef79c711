package dev.cairn.sample.orders;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.api.EventTypeRegistry;
import dev.cairn.api.Health;
import dev.cairn.api.JacksonEventSerializer;
import dev.cairn.projections.KafkaProjectionRunner;
import dev.cairn.projections.KafkaRebuild;
import dev.cairn.projections.Projection;
import dev.cairn.projections.ProjectionManager;
import dev.cairn.projections.ProjectionVersion;
import dev.cairn.sample.orders.domain.OrderEvent;
import dev.cairn.admin.http.ApiException;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The order summary as a read side of its own: the {@code order_summary} projection in the read
 * side's database (schema {@code orders_read}), fed by the relay's {@code order} topic, with no
 * connection to the write side's database. It answers the summary reads, replays, and rebuilds a
 * new version from the retained topic ({@link KafkaRebuild}) while the serving one answers.
 */
final class ReadSideService implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ReadSideService.class);
  static final String SCHEMA = "orders_read";
  private static final Duration REBUILD_TIMEOUT = Duration.ofMinutes(10);

  private final String bootstrapServers;
  private final @Nullable String instanceId;
  private final String group;
  private final ProjectionManager projections;
  private final Jdbi jdbi;
  private final MeterRegistry meters;
  private final ExecutorService background = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "read-side-admin");
    t.setDaemon(true);
    return t;
  });
  private volatile Projection summary;
  private volatile KafkaProjectionRunner runner;
  private volatile @Nullable KafkaRebuild rebuilding;

  /**
   * @param group the consumer group's prefix: processes of one read side (one database) share it,
   *     read sides with databases of their own each need their own
   * @param instanceId this process's member id in the consumer group (several read-side processes
   *     on one host each need their own), or null for the runner's default
   */
  @SuppressWarnings("NullAway.Init") // start() sets summary and runner; ReadSideApp calls it before serving
  ReadSideService(
      DataSource dataSource, String bootstrapServers, String group, @Nullable String instanceId, MeterRegistry meters) {
    this.jdbi = Jdbi.create(dataSource);
    this.group = group;
    this.bootstrapServers = bootstrapServers;
    this.instanceId = instanceId;
    this.meters = meters;
    JacksonEventSerializer serializer =
        JacksonEventSerializer.create(EventTypeRegistry.builder().registerSealed(OrderEvent.class).build());
    this.projections = ProjectionManager.readSide(dataSource, serializer).schema(SCHEMA).meterRegistry(meters).build();
  }

  /** Migrates the read side's tables, installs the serving version and starts its runner. */
  void start() {
    projections.migrate();
    int active = projections.activeVersion(OrderSummaryProjection.NAME).orElse(1);
    summary = OrderSummaryProjection.version(active);
    projections.install(summary);
    var builder = projections.kafkaRunner(summary, consumerConfig(summary), List.of(OrdersService.STREAM_TYPE));
    if (instanceId != null) {
      builder.instanceId(instanceId + "-v" + summary.spec().version());
    }
    runner = builder.build();
    runner.start();
    LOG.info("read side serves {} from topic {} at {}", summary.spec(), OrdersService.STREAM_TYPE, bootstrapServers);
  }

  /**
   * A consumer group per read side and version ({@code <group>-order_summary-v<version>}): the
   * write side's own runner ({@code cairn-sample-order_summary-v1}) reads the same topic in another
   * group, and so must a rebuild and every read side with a database of its own.
   */
  private Map<String, Object> consumerConfig(Projection projection) {
    Map<String, Object> consumer = new HashMap<>();
    consumer.put("bootstrap.servers", bootstrapServers);
    consumer.put("group.id", group + "-" + projection.spec().name() + "-v" + projection.spec().version());
    consumer.put("auto.offset.reset", "earliest");
    return consumer;
  }

  Optional<Map<String, Object>> summary(String orderId) {
    String view = projections.readModel(summary.spec()).view();
    return jdbi.withHandle(h -> h.createQuery("SELECT * FROM " + view + " WHERE order_id = :id").bind("id", orderId).mapToMap().findOne())
        .map(JsonViews::row);
  }

  Map<String, Object> projectionStatus() {
    List<Map<String, Object>> versions = new ArrayList<>();
    for (ProjectionVersion v : projections.versions()) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("name", v.name());
      row.put("version", v.version());
      row.put("status", v.status());
      row.put("serving", v.status().equals("ACTIVE"));
      row.put("offsets", v.offsets());
      row.put("parked", v.parked());
      versions.add(row);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("versions", versions);
    out.put("runner", runner.status());
    KafkaRebuild r = rebuilding;
    if (r != null) {
      out.put("rebuild", r.runner().status());
    }
    return out;
  }

  Map<String, Object> replay(@Nullable JsonNode body) {
    JsonNode fromNode = body == null ? null : body.get("from");
    if (fromNode != null && !fromNode.isTextual()) {
      throw new ApiException(400, "invalid_request", "from must be a string, was " + fromNode);
    }
    String from = fromNode == null ? "beginning" : fromNode.asText();
    if (from.equals("beginning")) {
      runner.replayFromBeginning();
      return Map.of("replaying", "from the beginning");
    }
    try {
      Instant at = Instant.parse(from);
      runner.replayFrom(at);
      return Map.of("replaying", "from " + at);
    } catch (DateTimeParseException e) {
      throw new ApiException(400, "invalid_request", "from must be \"beginning\" or an ISO-8601 instant but was " + from);
    }
  }

  /** Starts a rebuild of the next version from offset 0 of the topic; it switches once caught up. */
  synchronized Map<String, Object> rebuild(@Nullable JsonNode body) {
    int version = summary.spec().version() + 1;
    if (body != null && body.has("version")) {
      if (!body.get("version").isIntegralNumber() || !body.get("version").canConvertToInt()) {
        throw new ApiException(400, "invalid_request", "version must be an integer, was " + body.get("version"));
      }
      version = body.get("version").asInt();
    }
    if (version <= summary.spec().version() || version > 2) {
      throw new ApiException(422, "invalid_version",
          "this sample defines versions 1 and 2 of " + OrderSummaryProjection.NAME + "; version " + summary.spec().version()
              + " serves, so a rebuild can only go to 2, not " + version);
    }
    if (rebuilding != null) {
      throw new ApiException(409, "rebuild_running", "a rebuild to version " + rebuilding.spec().version() + " is running");
    }
    Projection next = OrderSummaryProjection.version(version);
    KafkaRebuild rebuild =
        KafkaRebuild.start(projections, next, consumerConfig(next), List.of(OrdersService.STREAM_TYPE), b -> {
          if (instanceId != null) {
            b.instanceId(instanceId + "-v" + next.spec().version());
          }
        });
    rebuilding = rebuild;
    int target = version;
    background.execute(
        () -> {
          try {
            rebuild.switchOver(REBUILD_TIMEOUT);
            // The rebuild's runner goes on as the new version's runner; the old one is fenced.
            KafkaProjectionRunner old = runner;
            summary = next;
            runner = rebuild.runner();
            old.stop();
            LOG.info("read side: {} now serves version {}", OrderSummaryProjection.NAME, target);
          } catch (RuntimeException e) {
            LOG.warn("read side: rebuild of {} to version {} failed: {}", OrderSummaryProjection.NAME, target, e.toString());
          } finally {
            rebuilding = null;
          }
        });
    return Map.of("rebuilding", OrderSummaryProjection.NAME, "version", version);
  }

  Map<String, Object> health() {
    List<Health> parts = new ArrayList<>();
    parts.add(runner.health());
    KafkaRebuild r = rebuilding;
    if (r != null) {
      parts.add(r.runner().health());
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("status", Health.worst(parts.stream().map(Health::status).toList()).name());
    out.put("components", JsonViews.components(parts));
    out.put("projection", runner.status());
    return out;
  }

  MeterRegistry meters() {
    return meters;
  }

  @Override
  public void close() {
    background.shutdownNow();
    KafkaRebuild r = rebuilding;
    if (r != null) {
      r.runner().stop();
    }
    if (runner != null) {
      runner.stop();
    }
  }
}
