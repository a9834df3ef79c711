package dev.cairn.store.jdbc.spi;

import static java.util.Objects.requireNonNull;

import dev.cairn.api.GlobalPosition;
import dev.cairn.store.jdbc.JdbcEventStore;
import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A reader's (the relay's, a store-fed runner's) periodic check that its position lies within
 * what the database has committed: see {@link JdbcEventStore#positionAhead(GlobalPosition)}. It
 * asks the store at most once per interval and keeps the last verdict in between, so that a reader
 * found ahead is never reported healthy or caught up until a later check passes. Confined to the
 * reader's thread.
 */
public final class PositionAheadCheck {

  private final JdbcEventStore store;
  private final long intervalNanos;
  private long checkedAt;
  private @Nullable String ahead;

  /**
   * Creates the check; the first call asks the store.
   *
   * @param store the store
   * @param interval how often to ask the store at most
   */
  public PositionAheadCheck(JdbcEventStore store, Duration interval) {
    this.store = requireNonNull(store, "store");
    this.intervalNanos = interval.toNanos();
    this.checkedAt = System.nanoTime() - intervalNanos;
  }

  /**
   * Returns why the position is ahead of the database, asking the store if the interval has
   * passed (or {@code now}), else repeating the last verdict.
   *
   * @param position the reader's position
   * @param now whether to ask the store whatever the interval
   * @return the explanation with the values, or empty if the position is consistent
   */
  public Optional<String> check(GlobalPosition position, boolean now) {
    long t = System.nanoTime();
    if (now || t - checkedAt >= intervalNanos) {
      checkedAt = t;
      ahead = store.positionAhead(position).orElse(null);
    }
    return Optional.ofNullable(ahead);
  }
}
