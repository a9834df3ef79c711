package dev.cairn.projections;

import dev.cairn.api.GlobalPosition;
import java.time.Duration;

/**
 * A projection version being built from the store while the active version serves readers. When
 * it has caught up, {@link #switchOver()} switches readers to it in one transaction; its runner
 * then keeps it current (or the application starts a Kafka-fed runner of the new version, which
 * fences this runner as it takes over its checkpoint, and skips what the rebuild already applied;
 * this runner then stops in state {@link RunnerState#HANDED_OVER}).
 */
public final class Rebuild {

  private final ProjectionManager manager;
  private final Projection next;
  private final StoreProjectionRunner runner;

  Rebuild(ProjectionManager manager, Projection next, StoreProjectionRunner runner) {
    this.manager = manager;
    this.next = next;
    this.runner = runner;
  }

  /**
   * Returns the runner that builds (and after the switch keeps current) the new version.
   *
   * @return the runner
   */
  public StoreProjectionRunner runner() {
    return runner;
  }

  /**
   * Returns the new version.
   *
   * @return its spec
   */
  public ProjectionSpec spec() {
    return next.spec();
  }

  /**
   * Waits until the new version has applied everything the store holds now.
   *
   * @param timeout the longest wait
   * @return true if caught up
   */
  public boolean awaitCaughtUp(Duration timeout) {
    return runner.awaitCaughtUp(timeout);
  }

  /**
   * Waits until the new version has caught up, then switches readers to it in one transaction
   * (with its runner paused, so the switch happens between batches) and drops the old version's
   * tables.
   *
   * @param timeout the longest wait for catching up
   * @return the new version's checkpoint at the switch
   * @throws ProjectionException if it did not catch up in time
   */
  public GlobalPosition switchOver(Duration timeout) {
    if (!runner.awaitCaughtUp(timeout)) {
      throw ProjectionException.of(
          "projection " + next.spec() + " did not catch up within " + timeout + ": " + runner.status());
    }
    return switchOver();
  }

  /**
   * Switches readers to the new version now, between two of its batches, and drops the old
   * version's tables. If the runner was paused by the caller it stays paused.
   *
   * @return the new version's checkpoint at the switch
   */
  public GlobalPosition switchOver() {
    boolean pausedHere = runner.state() != RunnerState.PAUSED;
    if (pausedHere) {
      runner.pause();
    }
    try {
      return manager.switchTo(next.spec());
    } finally {
      if (pausedHere) {
        runner.resume();
      }
    }
  }
}
