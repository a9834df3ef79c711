package dev.cairn.projections;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The hand-shake between a runner's thread and the threads that drive it: its thread and state,
 * the requests to pause, resume, stop and wake it, whether a batch is in flight, and when it last
 * caught up. One monitor, this object, guards all of it.
 */
final class RunnerControl {

  private final ProjectionSpec spec;
  private boolean pauseRequested;
  private boolean inBatch;
  private boolean woken;
  private volatile boolean stopRequested;
  private volatile RunnerState state = RunnerState.NEW;
  private volatile long caughtUpAt;
  private volatile boolean caughtUpOnce;
  private @Nullable Thread thread;

  RunnerControl(ProjectionSpec spec) {
    this.spec = spec;
  }

  /** Starts the runner's thread, once. */
  synchronized void start(Runnable body) {
    if (thread != null) {
      throw new IllegalStateException("runner of " + spec + " was already started");
    }
    thread = new Thread(body, "cairn-projection-" + spec.name() + "-v" + spec.version());
    thread.setDaemon(true);
    thread.start();
  }

  /** Returns the runner's state. */
  RunnerState state() {
    return state;
  }

  /** Sets the runner's state (on the runner's thread). */
  void state(RunnerState value) {
    state = value;
  }

  /** Tells whether stop was asked for. */
  boolean stopRequested() {
    return stopRequested;
  }

  /** Waits for work after an empty batch, at most this long, unless woken or stopped. */
  synchronized void awaitWork(Duration max) {
    if (!woken && !stopRequested) {
      try {
        wait(Math.max(1, max.toMillis()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    woken = false;
  }

  /** Waits out a retry backoff; only a stop or a pause cuts it short, not a wake-up. */
  void backOff(Duration backoff) {
    long deadline = System.nanoTime() + backoff.toNanos();
    synchronized (this) {
      while (!stopRequested && !pauseRequested) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return;
        }
        try {
          wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** Waits a little while paused. */
  synchronized void pausedWait() {
    try {
      wait(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Wakes the runner if it waits for work. */
  synchronized void wake() {
    woken = true;
    notifyAll();
  }

  /**
   * On the runner's thread: turns a pause request into state {@link RunnerState#PAUSED}, and
   * tells whether the runner is paused.
   */
  synchronized boolean pauseIfRequested() {
    if (pauseRequested) {
      state = RunnerState.PAUSED;
      notifyAll();
    }
    return state == RunnerState.PAUSED;
  }

  /** On the runner's thread while paused: if the pause was lifted, runs again and tells so. */
  synchronized boolean resumeIfLifted() {
    if (!pauseRequested) {
      state = RunnerState.RUNNING;
      return true;
    }
    return false;
  }

  /** Marks a batch in flight. */
  synchronized void beginBatch() {
    inBatch = true;
  }

  /** Marks the batch done and tells those who wait for it. */
  synchronized void endBatch() {
    inBatch = false;
    notifyAll();
  }

  /** Asks for a pause; unless called on the runner's thread, waits until no batch is in flight. */
  synchronized void pause() {
    pauseRequested = true;
    notifyAll();
    if (Thread.currentThread() == thread) {
      return;
    }
    while (thread != null && thread.isAlive() && (inBatch || state == RunnerState.RUNNING) && !stopRequested) {
      try {
        wait(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Lifts a pause. */
  synchronized void resume() {
    pauseRequested = false;
    woken = true;
    notifyAll();
  }

  /** Asks for a stop and waits (up to 30 s) for the runner's thread to end, unless called on it. */
  void stop() {
    Thread t;
    synchronized (this) {
      stopRequested = true;
      woken = true;
      notifyAll();
      t = thread;
    }
    if (t != null && t != Thread.currentThread()) {
      try {
        t.join(TimeUnit.SECONDS.toMillis(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (t == null) {
      state = RunnerState.STOPPED;
    }
  }

  /** Wakes the runner and waits until a read that started after the call found everything applied. */
  boolean awaitCaughtUp(Duration timeout) {
    long since = System.nanoTime();
    long deadline = since + timeout.toNanos();
    synchronized (this) {
      woken = true;
      notifyAll();
      while (!caughtUpOnce || caughtUpAt - since < 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || state == RunnerState.FAILED || state == RunnerState.STOPPED || state == RunnerState.HANDED_OVER) {
          return false;
        }
        try {
          wait(Math.max(1, Math.min(100, TimeUnit.NANOSECONDS.toMillis(left))));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
      return true;
    }
  }

  /** Records that a read which started at this instant found everything applied. */
  synchronized void caughtUp(long readStartedNanos) {
    caughtUpAt = readStartedNanos;
    caughtUpOnce = true;
    notifyAll();
  }
}
