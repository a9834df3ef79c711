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
  /**
   * Stopped for good because a Kafka-fed runner of the same projection version took over its
   * store checkpoint and goes on from there (a store-fed runner only).
   */
  HANDED_OVER,
  /** Stopped by a failure it may not retry; see {@link ProjectionStatus#lastError()}. */
  FAILED
}
