package dev.cairn.bus.kafka.internal;

import dev.cairn.api.GlobalPosition;
import dev.cairn.store.jdbc.JdbcEventStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Every meter of one relay, tagged with its transactional id, so that they are registered and
 * removed together and new ones have one place to go.
 */
final class RelayMetrics {

  private final MeterRegistry registry;
  private final JdbcEventStore store;
  private final Supplier<GlobalPosition> position;
  private final Counter published;
  private final Counter errors;
  private final Counter hangingAborted;
  private final DistributionSummary batchSizes;
  private final Timer transactions;
  private final Timer readDelay;
  private final Timer publishDelay;
  private final List<Meter> meters;

  /**
   * Registers the meters.
   *
   * @param position the position last committed to Kafka, read by the gauges
   */
  RelayMetrics(
      MeterRegistry registry, String transactionalId, JdbcEventStore store, Supplier<GlobalPosition> position,
      RelayHealth health, String component) {
    this.registry = registry;
    this.store = store;
    this.position = position;
    Tags tags = Tags.of("transactional.id", transactionalId);
    this.published =
        Counter.builder("cairn.relay.events.published").tags(tags).description("Events committed to Kafka").register(registry);
    this.errors =
        Counter.builder("cairn.relay.errors").tags(tags)
            .description("Failed attempts (broker or database unreachable, failed transactions, records Kafka"
                + " rejected, failed checks) and, while a Kafka call blocks, each failed probe of the broker")
            .register(registry);
    this.hangingAborted =
        Counter.builder("cairn.relay.hanging.aborted").tags(tags)
            .description("Hanging transactions (open, untracked by any coordinator) aborted on the relay's partitions")
            .register(registry);
    this.batchSizes =
        DistributionSummary.builder("cairn.relay.batch.size").tags(tags).description("Events per Kafka transaction")
            .register(registry);
    this.transactions =
        Timer.builder("cairn.relay.transaction").tags(tags)
            .description("Latency of publishing one batch: sends and commit").register(registry);
    this.readDelay =
        Timer.builder("cairn.relay.read.delay").tags(tags)
            .description("From the append of each batch's first event (its recorded_at) until the relay read it:"
                + " the append itself, the global-order fence, a relay busy with the previous batch")
            .register(registry);
    this.publishDelay =
        Timer.builder("cairn.relay.publish.delay").tags(tags)
            .description("From the append of each batch's first event (its recorded_at) until its Kafka commit")
            .register(registry);
    // Gauges hold their object weakly: this one, which the relay holds as long as it lives.
    Gauge positionGauge =
        Gauge.builder("cairn.relay.position", this, m -> m.position.get().position()).tags(tags)
            .description("Global position (position part) last committed to Kafka").register(registry);
    Gauge behind =
        Gauge.builder("cairn.relay.events.behind", this, RelayMetrics::eventsBehind).tags(tags)
            .description("Events in the store after the relay's position").register(registry);
    Gauge staleness =
        Gauge.builder("cairn.relay.staleness.seconds", health, RelayMetrics::stalenessSeconds).tags(tags)
            .description("How long the oldest event after the relay's position has waited to be published (now minus"
                + " its recorded_at, counting events held above the global-order fence); 0 when none waits")
            .register(registry);
    Gauge failed =
        Gauge.builder("cairn.relay.failed", health, h -> h.checkFailed() ? 1 : 0).tags(tags)
            .description("1 while the relay is FAILED: a check of its configuration failed; its status and health"
                + " name the values")
            .register(registry);
    Gauge status =
        Gauge.builder("cairn.health.status", health, h -> h.health().status().ordinal())
            .description("0 up, 1 degraded, 2 down").tag("component", component).register(registry);
    this.meters =
        List.of(published, errors, hangingAborted, batchSizes, transactions, readDelay, publishDelay, positionGauge, behind,
            staleness, failed, status);
  }

  /** Records a batch once it is committed, so a batch that is retried counts once. */
  void batchPublished(BatchPublisher.Published batch) {
    Instant appendedAt = batch.appendedAt();
    transactions.record(System.nanoTime() - batch.startNanos(), TimeUnit.NANOSECONDS);
    readDelay.record(Math.max(0, batch.readAtMs() - appendedAt.toEpochMilli()), TimeUnit.MILLISECONDS);
    publishDelay.record(Math.max(0, System.currentTimeMillis() - appendedAt.toEpochMilli()), TimeUnit.MILLISECONDS);
    batchSizes.record(batch.size());
    published.increment(batch.size());
  }

  void error() {
    errors.increment();
  }

  void hangingAborted(int count) {
    hangingAborted.increment(count);
  }

  /** Unregisters every meter: a stopped relay leaves none behind in a shared registry. */
  void remove() {
    meters.forEach(registry::remove);
  }

  private static double stalenessSeconds(RelayHealth health) {
    java.time.Duration staleness = health.staleness();
    return staleness == null ? Double.NaN : staleness.toMillis() / 1000.0;
  }

  private double eventsBehind() {
    try {
      return store.countAfter(position.get());
    } catch (RuntimeException e) {
      return Double.NaN;
    }
  }
}
