package dev.cairn.bus.kafka.internal;

import dev.cairn.api.Health;
import dev.cairn.api.Health.Status;
import dev.cairn.store.jdbc.spi.HealthTracker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * A relay's health: the named causes its thread and its watchdog raise and clear, and its
 * staleness, which turns it {@code DEGRADED} past a bound. Thread-safe.
 */
final class RelayHealth {

  /** The broker does not answer a probe while the relay needs it. */
  static final String KAFKA_UNREACHABLE = "kafka-unreachable";
  /** The last attempt to publish failed in Kafka. */
  static final String KAFKA_ERROR = "kafka-error";
  /** A Kafka call has not returned for a while though the broker answers. */
  static final String KAFKA_STALLED = "kafka-stalled";
  /** Kafka refused a record for good; the message names the event. */
  static final String RECORD_REJECTED = "record-rejected";
  /** The last attempt failed outside Kafka (the store's database). */
  static final String STORE_ERROR = "store-error";
  /** The last attempt failed otherwise. */
  static final String RELAY_ERROR = "relay-error";
  /**
   * A transaction hangs on one of the relay's partitions after it ended on others (a restarted
   * broker dropped some of its markers); only an operator can resolve it.
   */
  static final String PARTIALLY_COMMITTED = "transaction-partially-committed";
  /** The oldest unpublished event is older than the bound. */
  static final String STALE = "stale";

  private final HealthTracker tracker;
  private final Duration stalenessBound;
  private final Clock clock = Clock.systemUTC();
  private final Set<String> failedChecks = ConcurrentHashMap.newKeySet();
  /** The append time of the oldest unpublished event; null if none waits. */
  private volatile @Nullable Instant oldestUnpublished;
  private volatile boolean measured;

  RelayHealth(String component, Duration stalenessBound) {
    this.tracker = new HealthTracker(component);
    this.stalenessBound = stalenessBound;
  }

  HealthTracker tracker() {
    return tracker;
  }

  /** Records a measurement: the append time of the oldest unpublished event, null if none. */
  void measured(@Nullable Instant oldest) {
    oldestUnpublished = oldest;
    measured = true;
  }

  /** Records that staleness could not be measured. */
  void unmeasured() {
    measured = false;
  }

  /** How long the oldest unpublished event has waited; zero if none; null if unknown. */
  @Nullable Duration staleness() {
    if (!measured) {
      return null;
    }
    Instant oldest = oldestUnpublished;
    if (oldest == null) {
      return Duration.ZERO;
    }
    Duration age = Duration.between(oldest, clock.instant());
    return age.isNegative() ? Duration.ZERO : age;
  }

  /** Raises the cause of a failed check; the relay is then {@code FAILED}. */
  void checkFailed(String code, String message) {
    failedChecks.add(code);
    tracker.raise(code, Status.DOWN, message);
  }

  /** Clears the causes of failed checks, which passed now. */
  void checksPassed() {
    for (String code : failedChecks) {
      tracker.clear(code);
    }
    failedChecks.clear();
  }

  boolean checkFailed() {
    return !failedChecks.isEmpty();
  }

  /** Clears what a successful attempt to publish disproves. */
  void succeeded() {
    tracker.clear(KAFKA_ERROR);
    tracker.clear(KAFKA_UNREACHABLE);
    tracker.clear(KAFKA_STALLED);
    tracker.clear(RECORD_REJECTED);
    tracker.clear(STORE_ERROR);
    tracker.clear(RELAY_ERROR);
  }

  /** Raises or clears {@link #STALE} from the staleness now, then returns the health. */
  Health health() {
    Duration staleness = staleness();
    if (staleness != null && staleness.compareTo(stalenessBound) > 0) {
      tracker.raise(
          STALE,
          Status.DEGRADED,
          "the oldest unpublished event has waited " + staleness.toMillis() / 1000.0 + " s (bound "
              + stalenessBound.toMillis() / 1000.0 + " s)");
    } else {
      tracker.clear(STALE);
    }
    return tracker.health();
  }
}
