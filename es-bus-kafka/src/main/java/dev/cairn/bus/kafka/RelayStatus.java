package dev.cairn.bus.kafka;

import dev.cairn.api.GlobalPosition;

/**
 * What a relay is doing, for health checks.
 *
 * @param state whether it publishes, waits for the lock, or has stopped
 * @param position the last position it committed to Kafka ({@link GlobalPosition#START} until it
 *     has read its position)
 * @param lastError the last failure, with what was being done, or null if the last attempt
 *     succeeded
 */
public record RelayStatus(State state, GlobalPosition position, String lastError) {

  /** A relay's state. */
  public enum State {
    /** It holds the store's relay lock and publishes. */
    ACTIVE,
    /** It waits for the lock that another relay holds. */
    STANDBY,
    /** It was never started, has been stopped, or crashed. */
    STOPPED
  }
}
