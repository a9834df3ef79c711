package dev.cairn.bus.kafka.internal;

import dev.cairn.api.GlobalPosition;
import dev.cairn.api.Health.Status;
import dev.cairn.bus.kafka.KafkaRelay;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.store.jdbc.spi.WarnOnce;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches a relay from a thread of its own, so that what the relay's thread cannot say while it
 * is blocked in a Kafka call is still said. About once a second it measures the relay's staleness
 * (one indexed query) and, when a Kafka call of the relay has not returned for {@link #STALL} or
 * the last attempt failed in Kafka, probes the broker ({@code describeCluster}): a broker that
 * does not answer makes the relay {@code DOWN} ({@value RelayHealth#KAFKA_UNREACHABLE}), counts
 * as an error and becomes the relay's last error, while the producer itself may block for up to
 * {@code max.block.ms} or {@code delivery.timeout.ms}.
 */
final class RelayWatchdog {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaRelay.class);
  /** How long a Kafka call of the relay may take before the broker is probed. */
  static final Duration STALL = Duration.ofSeconds(5);
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);
  private static final Duration TICK = Duration.ofSeconds(1);

  // The first event after the position in the global order, whether or not the fence still holds
  // it back: its append time is how long publication is late.
  private static final String FIRST_UNPUBLISHED = """
      SELECT recorded_at FROM %s
      WHERE (tx_id, global_position) > (CAST(CAST(:tx AS text) AS xid8), :pos)
      ORDER BY tx_id, global_position LIMIT 1""";
  private static final String MONITORED = """
      SELECT tx_id, global_position FROM %s WHERE transactional_id = :id""";

  /** What the watchdog reads of the relay's thread, and how it reports a stall to it. */
  interface Watched {
    /** The position committed in Kafka, or null until the relay has read it. */
    @Nullable GlobalPosition knownPosition();

    /** When ({@link System#nanoTime()}) the Kafka call in progress began, or 0 if none is. */
    long kafkaCallSince();

    /** What the Kafka call in progress does, for messages. */
    String kafkaCall();

    /** Reports a stall as the relay's last error. */
    void stallReported(String description);
  }

  private final RelaySettings settings;
  private final Watched relay;
  private final RelayHealth health;
  private final RelayMetrics metrics;
  private final String firstUnpublishedSql;
  private final String monitoredSql;
  private final String bootstrap;
  private final ScheduledExecutorService executor;
  private final WarnOnce warn = new WarnOnce(LOG);
  /** The probe's admin client, made at the first probe. */
  private @Nullable Admin admin;

  RelayWatchdog(RelaySettings settings, Watched relay, RelayHealth health, RelayMetrics metrics) {
    this.settings = settings;
    this.relay = relay;
    this.health = health;
    this.metrics = metrics;
    JdbcEventStore store = settings.store();
    this.firstUnpublishedSql = FIRST_UNPUBLISHED.formatted(store.qualifiedTable("events"));
    this.monitoredSql = MONITORED.formatted(store.qualifiedTable("relay_positions"));
    this.bootstrap = String.valueOf(settings.rawSettings().get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG));
    this.executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "cairn-relay-watch-" + settings.transactionalId());
              t.setDaemon(true);
              return t;
            });
  }

  void start() {
    long tick = Math.min(TICK.toMillis(), settings.pollInterval().toMillis());
    executor.scheduleWithFixedDelay(this::tick, 0, tick, TimeUnit.MILLISECONDS);
  }

  /** Stops the watchdog's thread and closes its admin client. */
  void stop() {
    executor.shutdownNow();
    try {
      executor.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (admin != null) {
      admin.close(Duration.ZERO);
    }
  }

  private void tick() {
    try {
      measure();
      probe();
    } catch (RuntimeException e) {
      // The next tick tries again; a watchdog that dies would leave the relay unwatched.
      warn.report("relay " + settings.transactionalId() + ": watching", e);
    }
  }

  /** Measures the staleness from the known position, or the position the relay last copied. */
  void measure() {
    try {
      GlobalPosition base = relay.knownPosition();
      JdbcEventStore store = settings.store();
      Instant oldest =
          store.jdbi().withHandle(h -> {
            GlobalPosition from = base;
            if (from == null) {
              from = h.createQuery(monitoredSql).bind("id", settings.transactionalId())
                  .map((rs, ctx) -> new GlobalPosition(rs.getLong("tx_id"), rs.getLong("global_position")))
                  .findOne().orElse(GlobalPosition.START);
            }
            return h.createQuery(firstUnpublishedSql).bind("tx", from.txId()).bind("pos", from.position())
                .map((rs, ctx) -> rs.getObject("recorded_at", OffsetDateTime.class).toInstant())
                .findOne().orElse(null);
          });
      health.measured(oldest);
    } catch (RuntimeException e) {
      health.unmeasured();
      throw e;
    }
  }

  private void probe() {
    long since = relay.kafkaCallSince();
    long waitedMs = since == 0 ? 0 : TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
    boolean stalled = since != 0 && waitedMs >= STALL.toMillis();
    if (!stalled && !health.tracker().isRaised(RelayHealth.KAFKA_ERROR)) {
      health.tracker().clear(RelayHealth.KAFKA_STALLED);
      return;
    }
    String call = relay.kafkaCall();
    try {
      if (admin == null) {
        admin = Admin.create(KafkaSettings.admin(settings.rawSettings(), settings.transactionalId() + "-probe"));
      }
      admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) PROBE_TIMEOUT.toMillis()))
          .clusterId().get(PROBE_TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
      health.tracker().clear(RelayHealth.KAFKA_UNREACHABLE);
      // The call may have returned during the probe, and the relay's thread cleared the causes.
      health.tracker().set(
          stalled && relay.kafkaCallSince() == since, RelayHealth.KAFKA_STALLED, Status.DEGRADED,
          () -> "relay " + settings.transactionalId() + ": " + call + " has waited " + waitedMs / 1000
              + " s though Kafka at " + bootstrap + " answers");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      String description =
          WarnOnce.describe("Kafka at " + bootstrap + " does not answer" + (stalled ? " (" + call + " has waited "
              + waitedMs / 1000 + " s)" : ""), e instanceof java.util.concurrent.ExecutionException && e.getCause() != null
              ? e.getCause() : e);
      // Unless the relay's thread got through meanwhile (and cleared the causes).
      if (stalled ? relay.kafkaCallSince() == since : health.tracker().isRaised(RelayHealth.KAFKA_ERROR)) {
        health.tracker().raise(RelayHealth.KAFKA_UNREACHABLE, Status.DOWN, description);
      }
      if (stalled && relay.kafkaCallSince() == since) {
        // The relay's thread is blocked and cannot count its failure: count it here, once a tick.
        metrics.error();
        relay.stallReported("relay " + settings.transactionalId() + ": " + description);
      }
    }
  }
}
