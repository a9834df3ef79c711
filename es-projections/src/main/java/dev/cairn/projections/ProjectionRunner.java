package dev.cairn.projections;

import dev.cairn.api.HealthIndicator;
import java.time.Duration;

/**
 * Feeds one projection version from a source, batch by batch, each batch in one transaction with
 * the runner's checkpoint. Runners run on a thread of their own. Each tells its {@linkplain
 * #health() health}: what keeps it from making progress, by name.
 */
public interface ProjectionRunner extends AutoCloseable, HealthIndicator {

  /**
   * Starts the runner's thread.
   *
   * @throws IllegalStateException if already started
   */
  void start();

  /**
   * Stops applying after the current batch, until {@link #resume()}; returns once no batch is in
   * flight.
   */
  void pause();

  /** Applies batches again after {@link #pause()}. */
  void resume();

  /** Stops the runner after the current batch and waits for its thread to end. */
  void stop();

  /** Stops the runner, as {@link #stop()} does. */
  @Override
  default void close() {
    stop();
  }

  /**
   * Returns the runner's status.
   *
   * @return the status
   */
  ProjectionStatus status();

  /**
   * Waits until the runner has applied everything its source holds now (zero lag).
   *
   * @param timeout the longest wait
   * @return true if caught up, false if the time ran out or the runner stopped
   */
  boolean awaitCaughtUp(Duration timeout);
}
