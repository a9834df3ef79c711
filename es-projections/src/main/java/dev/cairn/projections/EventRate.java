package dev.cairn.projections;

import java.util.concurrent.TimeUnit;

/** Events applied per second, measured over windows of at least a second at commits. */
final class EventRate {

  private long windowStart = System.nanoTime();
  private long windowEvents;
  private double rate;

  /** Counts the events a commit applied. */
  synchronized void add(long events) {
    windowEvents += events;
    long now = System.nanoTime();
    long elapsed = now - windowStart;
    if (elapsed >= TimeUnit.SECONDS.toNanos(1)) {
      rate = windowEvents * 1e9 / elapsed;
      windowStart = now;
      windowEvents = 0;
    }
  }

  /** Returns the rate of the last window, or 0 when nothing was committed lately. */
  synchronized double current() {
    // The rate is measured at commits; a runner with nothing to do has committed nothing lately.
    return System.nanoTime() - windowStart > TimeUnit.SECONDS.toNanos(5) ? 0 : rate;
  }
}
