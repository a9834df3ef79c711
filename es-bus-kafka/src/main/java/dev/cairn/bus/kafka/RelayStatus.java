package dev.cairn.bus.kafka;

import dev.cairn.api.GlobalPosition;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * What a relay is doing, for health checks. {@link KafkaRelay#health()} gives the same picture as
 * named causes.
 *
 * @param state whether it publishes, waits for the lock, failed a check, or has stopped
 * @param position the last position it committed to Kafka ({@link GlobalPosition#START} until it
 *     has read its position)
 * @param lastError the last failure, with what was being done, or null if the last attempt
 *     succeeded; for {@link State#FAILED}, the failed check with the values it compared
 * @param staleness how long the oldest event after the relay's position has waited to be
 *     published: now minus its append time ({@code recorded_at}), counting events still held above
 *     the global-order fence; zero when nothing waits; null until first measured or when the store
 *     cannot be queried. Measured about once a second, so it can run up to a second ahead.
 */
public record RelayStatus(
    State state, GlobalPosition position, @Nullable String lastError, @Nullable Duration staleness) {

  /** A relay's state. */
  public enum State {
    /** It holds the store's relay lock and publishes (or retries, see {@code lastError}). */
    ACTIVE,
    /** It waits for the lock that another relay holds. */
    STANDBY,
    /**
     * It holds the lock but does not publish, because a check of its configuration against Kafka
     * failed (records that could not fit, a position topic that deletes old positions, another
     * relay's transactional id); {@code lastError} names the values. It re-checks at its longest
     * backoff and publishes again once the check passes.
     */
    FAILED,
    /** It was never started, has been stopped, or crashed. */
    STOPPED
  }
}
