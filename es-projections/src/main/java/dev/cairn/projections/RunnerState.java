package dev.cairn.projections;

/** Where a runner is in its life. */
public enum RunnerState {
  /** Built, not started. */
  NEW,
  /** Applying batches. */
  RUNNING,
  /** Started, but applying nothing until resumed. */
  PAUSED,
  /** Stopped by {@link ProjectionRunner#stop()}, or fenced for good (its version retired). */
  STOPPED,
  /** Stopped by a failure it may not retry; see {@link ProjectionStatus#lastError()}. */
  FAILED
}
