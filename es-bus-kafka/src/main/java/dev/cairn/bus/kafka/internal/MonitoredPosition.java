package dev.cairn.bus.kafka.internal;

import dev.cairn.api.GlobalPosition;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.store.jdbc.spi.WarnOnce;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Copies the relay's position to PostgreSQL ({@code relay_positions}), for monitoring only: Kafka
 * holds the position the relay resumes from. Off the hot path, so a busy relay copies it at most
 * once a second and a failure never stops publishing.
 */
final class MonitoredPosition {

  /** How often a busy relay copies its position; an idle one does so at once. */
  private static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

  private static final String UPSERT = """
      INSERT INTO %s (transactional_id, tx_id, global_position, updated_at) VALUES (:id, :tx, :pos, now())
      ON CONFLICT (transactional_id) DO UPDATE SET tx_id = excluded.tx_id,
      global_position = excluded.global_position, updated_at = excluded.updated_at""";

  private final JdbcEventStore store;
  private final String transactionalId;
  private final WarnOnce warn;
  /** The position last copied (null before the first copy), and when (System.nanoTime()). */
  private @Nullable GlobalPosition copied;
  private long copiedAt;

  MonitoredPosition(JdbcEventStore store, String transactionalId, WarnOnce warn) {
    this.store = store;
    this.transactionalId = transactionalId;
    this.warn = warn;
  }

  /**
   * Copies a position if it moved since the last copy and either {@code now} is set or the last
   * copy is a second old.
   */
  void record(GlobalPosition at, boolean now) {
    if (at.equals(copied) || at.equals(GlobalPosition.START)
        || (!now && System.nanoTime() - copiedAt < INTERVAL_NANOS)) {
      return;
    }
    try {
      store.jdbi().useHandle(h ->
          h.createUpdate(UPSERT.formatted(store.qualifiedTable("relay_positions")))
              .bind("id", transactionalId)
              .bind("tx", at.txId())
              .bind("pos", at.position())
              .execute());
      copied = at;
      copiedAt = System.nanoTime();
    } catch (RuntimeException e) {
      warn.report("recording the relay position " + at + " for monitoring (publishing goes on)", e);
    }
  }
}
