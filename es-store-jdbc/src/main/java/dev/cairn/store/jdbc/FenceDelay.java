package dev.cairn.store.jdbc;

import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * Events that were appended and committed but that readers of the global order cannot see yet,
 * because a transaction that may still append (an open or prepared appender) holds the fence below
 * them (DESIGN rule 2). A growing count or age means such a transaction is held open too long: see
 * {@link JdbcEventStore#oldestOpenTransaction()} for which one.
 *
 * @param eventsWaiting how many committed events wait above the fence
 * @param oldestWaiting when the oldest of them was appended, or null if none waits
 */
public record FenceDelay(long eventsWaiting, @Nullable Instant oldestWaiting) {

  /**
   * Returns how long the oldest waiting event has waited.
   *
   * @param now the time now
   * @return the wait, zero if none waits
   */
  public Duration age(Instant now) {
    return oldestWaiting == null ? Duration.ZERO : Duration.between(oldestWaiting, now);
  }
}
