package dev.cairn.store.jdbc.internal;

import dev.cairn.api.Health;
import dev.cairn.api.Health.Status;
import dev.cairn.store.jdbc.FenceDelay;
import dev.cairn.store.jdbc.OpenTransaction;
import dev.cairn.store.jdbc.spi.HealthTracker;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jspecify.annotations.Nullable;

/**
 * The store's health: the oldest transaction holding the global-order fence (an open or prepared
 * appender), how many committed events wait above the fence and for how long, and the gauges that
 * report them.
 */
public final class StoreHealth {

  // Appenders are the transactions holding this store's declaration; the fence waits only for
  // those that hold a transaction id. A prepared one has no backend (pid is null in pg_locks): its
  // transaction id comes from its own transaction-id lock, its age from pg_prepared_xacts.
  private static final String FENCE_HOLDERS = """
      WITH declared AS MATERIALIZED (
        SELECT a.pid, a.virtualtransaction FROM pg_locks a WHERE %s),
      holders AS (
        SELECT s.pid, s.datname, s.xact_start AS started, s.state, left(s.query, 200) AS query,
          s.backend_xid AS xid
        FROM declared d JOIN pg_stat_activity s ON s.pid = d.pid
        WHERE s.backend_xid IS NOT NULL AND s.pid <> pg_backend_pid()
        UNION ALL
        SELECT 0, p.database, p.prepared, 'prepared as ''' || p.gid || '''', NULL, p.transaction
        FROM declared d
        JOIN pg_locks t ON t.virtualtransaction = d.virtualtransaction
          AND t.locktype = 'transactionid' AND t.mode = 'ExclusiveLock'
        JOIN pg_prepared_xacts p ON p.transaction = t.transactionid
        WHERE d.pid IS NULL)
      SELECT pid, datname, EXTRACT(EPOCH FROM (clock_timestamp() - started)) * 1000 AS age_ms, state, query
      FROM holders ORDER BY age(xid) DESC LIMIT 1
      """;

  private final Jdbi jdbi;
  private final GlobalOrderReader reader;
  private final Duration fenceHeldThreshold;
  private final Clock clock;
  private final String fenceHoldersSql;
  private final HealthTracker tracker = new HealthTracker("store");
  private volatile @Nullable Sampled sampled;

  /**
   * Creates the health probe and registers its gauges, which hold it weakly: keep a reference.
   *
   * @param jdbi the store's Jdbi
   * @param fence the store's fence
   * @param reader the store's global-order reader
   * @param fenceHeldThreshold how long events may wait above the fence before the store is
   *     degraded
   * @param meters where the gauges are registered
   */
  public StoreHealth(
      Jdbi jdbi, GlobalFence fence, GlobalOrderReader reader, Duration fenceHeldThreshold, MeterRegistry meters) {
    this.jdbi = jdbi;
    this.reader = reader;
    this.fenceHeldThreshold = fenceHeldThreshold;
    this.clock = Clock.systemUTC();
    this.fenceHoldersSql = FENCE_HOLDERS.formatted(fence.declarationOf("a"));
    Gauge.builder("cairn.store.oldest.transaction.age.seconds", this, StoreHealth::oldestAgeSeconds)
        .description("Age of the oldest open or prepared transaction that may append and holds the global-order fence")
        .register(meters);
    Gauge.builder("cairn.store.fence.events.waiting", this, h -> h.safeDelay().map(FenceDelay::eventsWaiting).orElse(-1L))
        .description("Committed events that readers cannot see yet because an appender holds the fence below them")
        .register(meters);
    Gauge.builder("cairn.store.fence.delay.seconds", this,
            h -> h.safeDelay().map(d -> d.age(h.clock.instant()).toMillis() / 1000.0).orElse(Double.NaN))
        .description("How long the oldest committed event has waited above the global-order fence")
        .register(meters);
    tracker.bindTo(meters);
  }

  /**
   * Finds the oldest open or prepared transaction that may append to the store and holds a
   * transaction id: it holds back every reader of the global order until it ends.
   *
   * @return the transaction, if any is open
   */
  public Optional<OpenTransaction> oldestOpenTransaction() {
    return jdbi.withHandle(
        h ->
            h.createQuery(fenceHoldersSql)
                .map(
                    (rs, ctx) ->
                        new OpenTransaction(
                            rs.getInt("pid"),
                            rs.getString("datname"),
                            Duration.ofMillis(rs.getLong("age_ms")),
                            rs.getString("state"),
                            rs.getString("query")))
                .findOne());
  }

  /**
   * Measures the events waiting above the fence.
   *
   * @return the delay
   */
  public FenceDelay fenceDelay() {
    return jdbi.withHandle(reader::fenceDelay);
  }

  /**
   * Checks the store now: DOWN if the database cannot be queried, DEGRADED if committed events
   * have waited above the fence longer than the threshold, naming the transaction that holds it.
   *
   * @return the store's health
   */
  public Health health() {
    try {
      FenceDelay delay = fenceDelay();
      tracker.clear("database-unreachable");
      Duration age = delay.age(clock.instant());
      if (age.compareTo(fenceHeldThreshold) > 0) {
        String holder =
            oldestOpenTransaction()
                .map(t -> "pid " + t.pid() + " in database " + t.database() + ", open " + t.age().toSeconds()
                    + " s, " + t.state() + (t.query() == null ? "" : ": " + t.query()))
                .orElse("a transaction that has ended since");
        tracker.raise(
            "fence-held",
            Status.DEGRADED,
            delay.eventsWaiting() + " committed events have waited " + age.toSeconds()
                + " s (over " + fenceHeldThreshold.toSeconds() + " s) for a transaction that may append: " + holder);
      } else {
        tracker.clear("fence-held");
      }
    } catch (RuntimeException e) {
      tracker.raise("database-unreachable", Status.DOWN, "the store's database cannot be queried: " + e.getMessage());
    }
    return tracker.health();
  }

  /**
   * The fence delay for the two gauges: one scrape reads both, so a measurement younger than a
   * second serves the second gauge instead of running the same query again.
   */
  private Optional<FenceDelay> safeDelay() {
    Sampled last = sampled;
    long now = System.nanoTime();
    if (last != null && now - last.atNanos() < 1_000_000_000L) {
      return last.delay();
    }
    Optional<FenceDelay> delay;
    try {
      delay = Optional.of(fenceDelay());
    } catch (RuntimeException e) {
      delay = Optional.empty();
    }
    sampled = new Sampled(now, delay);
    return delay;
  }

  private record Sampled(long atNanos, Optional<FenceDelay> delay) {}

  private double oldestAgeSeconds() {
    try {
      return oldestOpenTransaction().map(t -> t.age().toMillis() / 1000.0).orElse(0.0);
    } catch (RuntimeException e) {
      return Double.NaN;
    }
  }
}
