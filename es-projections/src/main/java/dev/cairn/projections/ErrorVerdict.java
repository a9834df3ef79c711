package dev.cairn.projections;

/** What a runner does with an event that its projection failed to apply. */
public enum ErrorVerdict {
  /** Tries the event again, after the policy's backoff. */
  RETRY,
  /** Parks the event in the dead-letter table and goes on. */
  PARK,
  /** Drops the event (logged) and goes on. */
  SKIP,
  /** Stops the runner; its checkpoint stays before the batch. */
  FAIL
}
