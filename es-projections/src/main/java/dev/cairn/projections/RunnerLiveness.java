package dev.cairn.projections;

import dev.cairn.api.Health;
import dev.cairn.api.Health.Status;
import dev.cairn.store.jdbc.spi.HealthTracker;
import io.micrometer.core.instrument.Tags;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a runner knows about its own progress in time, and its health: per source partition the
 * append time of its oldest unapplied event (its staleness is now minus that), and the causes that
 * keep it from being up. The runner's thread reports what it sees; any thread may read.
 *
 * <p>A partition's oldest unapplied event is known exactly once polled or read; until then it is
 * bounded: after a commit with more to come it is at most as old as the last event applied, and a
 * partition with lag but nothing read yet (unclaimed, paused) is as old as the moment its lag was
 * first seen.
 */
final class RunnerLiveness {

  /** How old the oldest unapplied event may get before a runner is degraded, unless configured. */
  static final Duration DEFAULT_STALE_AFTER = Duration.ofSeconds(30);

  static final String STOPPED = "stopped";
  static final String FAILED = "failed";
  static final String BATCH_FAILING = "batch-failing";
  static final String RETRYING = "retrying";
  static final String PARKED = "parked";
  static final String STALE = "stale";
  static final String UNCLAIMED = "partitions-unclaimed";
  static final String NO_PARTITIONS = "no-partitions";
  static final String PAUSED = "paused";

  private final HealthTracker tracker;
  private final Clock clock;
  private final Duration staleAfter;
  private final ProjectionManager manager;
  private final Tags tags;
  private final AtomicLong statusGauge;
  /** Per partition, the append time of its oldest unapplied event (exact or an upper bound on its age). */
  private final Map<String, Instant> oldest = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> gauges = new ConcurrentHashMap<>();

  RunnerLiveness(ProjectionSpec spec, Duration staleAfter, ProjectionManager manager, Tags tags, Clock clock) {
    String component = "projection " + spec;
    this.tracker = new HealthTracker(component, clock);
    this.clock = clock;
    this.staleAfter = staleAfter;
    this.manager = manager;
    this.tags = tags;
    // The tracker's own gauge would keep reading the first runner of a projection in a process.
    this.statusGauge = manager.gauge("cairn.health.status", Tags.of("component", component), "0 up, 1 degraded, 2 down");
  }

  /** Records that a partition's oldest unapplied event was appended at this instant. */
  void oldestUnapplied(String partition, Instant appendedAt) {
    oldest.put(partition, appendedAt);
    gauge(partition).set(appendedAt.toEpochMilli());
  }

  /** Records a measured lag: none clears the partition; some with nothing known starts its clock now. */
  void lag(String partition, long lag) {
    if (lag <= 0) {
      forget(partition);
    } else if (oldest.putIfAbsent(partition, clock.instant()) == null) {
      gauge(partition).set(oldest.get(partition).toEpochMilli());
    }
  }

  /** Forgets a partition the runner no longer reads (or whose events are all applied). */
  void forget(String partition) {
    oldest.remove(partition);
    gauge(partition).set(0);
  }

  /** Returns how old the oldest unapplied event of each partition with one is. */
  Map<String, Duration> staleness() {
    Instant now = clock.instant();
    Map<String, Duration> result = new TreeMap<>();
    oldest.forEach((p, t) -> result.put(p, age(now, t)));
    return result;
  }

  private static Duration age(Instant now, Instant appendedAt) {
    Duration d = Duration.between(appendedAt, now);
    return d.isNegative() ? Duration.ZERO : d;
  }

  private AtomicLong gauge(String partition) {
    return gauges.computeIfAbsent(
        partition,
        p ->
            manager.ageGauge(
                "cairn.projection.staleness.seconds",
                tags.and("partition", p),
                "How old the oldest event of the partition not yet applied is"));
  }

  /** Raises or clears the cause that the oldest unapplied event is older than the bound. */
  void checkStaleness() {
    Map<String, Duration> ages = staleness();
    Map.Entry<String, Duration> worst =
        ages.entrySet().stream().max(Map.Entry.comparingByValue()).orElse(null);
    if (worst == null) {
      tracker.set(false, STALE, Status.DEGRADED, () -> "");
      return;
    }
    tracker.set(
        worst.getValue().compareTo(staleAfter) > 0,
        STALE,
        Status.DEGRADED,
        () ->
            "oldest unapplied event of " + worst.getKey() + " is " + worst.getValue().toSeconds() + " s old (bound "
                + staleAfter.toSeconds() + " s)");
  }

  /** Raises or clears a cause. */
  void set(boolean condition, String code, Status status, java.util.function.Supplier<String> message) {
    tracker.set(condition, code, status, message);
  }

  /** Returns the health, with the staleness checked now. */
  Health health() {
    checkStaleness();
    Health health = tracker.health();
    statusGauge.set(health.status().ordinal());
    return health;
  }
}
