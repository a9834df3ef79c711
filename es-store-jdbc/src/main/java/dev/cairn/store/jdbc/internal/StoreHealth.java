package dev.cairn.store.jdbc.internal;

import dev.cairn.store.jdbc.OpenTransaction;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * The store's health: the oldest open transaction on the server, which holds back every reader of
 * the global order, and the gauge that reports its age.
 */
public final class StoreHealth {

  private static final String OLDEST_OPEN_TRANSACTION = """
      SELECT pid, datname, EXTRACT(EPOCH FROM (clock_timestamp() - xact_start)) * 1000 AS age_ms,
        state, left(query, 200) AS query
      FROM pg_stat_activity
      WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()
      ORDER BY age(backend_xid) DESC LIMIT 1
      """;

  private final Jdbi jdbi;

  /**
   * Creates the health probe and registers its gauge, which holds it weakly: keep a reference.
   *
   * @param jdbi the store's Jdbi
   * @param meters where the gauge is registered
   */
  public StoreHealth(Jdbi jdbi, MeterRegistry meters) {
    this.jdbi = jdbi;
    Gauge.builder("cairn.store.oldest.transaction.age.seconds", this, StoreHealth::oldestAgeSeconds)
        .description("Age of the oldest open transaction holding an xid; it holds back readers")
        .register(meters);
  }

  /**
   * Finds the oldest open transaction that holds a transaction id, on the whole server.
   *
   * @return the transaction, if any is open
   */
  public Optional<OpenTransaction> oldestOpenTransaction() {
    return jdbi.withHandle(
        h ->
            h.createQuery(OLDEST_OPEN_TRANSACTION)
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

  private double oldestAgeSeconds() {
    try {
      return oldestOpenTransaction().map(t -> t.age().toMillis() / 1000.0).orElse(0.0);
    } catch (RuntimeException e) {
      return Double.NaN;
    }
  }
}
