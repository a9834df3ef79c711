package dev.cairn.bench;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * Open-loop arrivals at a fixed rate, for end-to-end latency: operation {@code i} is due at
 * {@code start + i / rate} and is sent then whether or not earlier ones have finished, and its
 * latency counts from when it was due, not from when it was sent. A slow system therefore shows
 * up as latency instead of as fewer samples (no coordinated omission).
 *
 * <p>Whoever observes an operation finishing (a consumer, a poller of the read model) reports it
 * with {@link #completed(int)}, from any thread.
 */
final class OpenLoop {

  /** Sends operation {@code index}; runs on the send executor, never on the pacing thread. */
  @FunctionalInterface
  interface Sender {
    void send(int index) throws Exception;
  }

  private final int count;
  private final long intervalNanos;
  private final AtomicLongArray doneAt;
  private final CountDownLatch remaining;
  private volatile long start;
  private volatile @Nullable Throwable sendFailure;

  /**
   * Plans {@code ratePerSecond * duration} operations.
   *
   * @throws IllegalArgumentException if the rate is not positive or the plan is empty
   */
  OpenLoop(int ratePerSecond, Duration duration) {
    if (ratePerSecond <= 0) {
      throw new IllegalArgumentException("rate must be > 0 per second but was " + ratePerSecond);
    }
    long n = duration.toNanos() * ratePerSecond / 1_000_000_000L;
    if (n < 1 || n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "a run of " + duration + " at " + ratePerSecond + "/s plans " + n + " operations");
    }
    this.count = (int) n;
    this.intervalNanos = 1_000_000_000L / ratePerSecond;
    this.doneAt = new AtomicLongArray(count);
    this.remaining = new CountDownLatch(count);
  }

  /** How many operations the run sends. */
  int count() {
    return count;
  }

  /** When operation {@code index} is due, in {@link System#nanoTime()}; valid once {@link #run} started. */
  long due(int index) {
    return start + index * intervalNanos;
  }

  /** Records that operation {@code index} finished now; later reports of it are ignored. */
  void completed(int index) {
    if (doneAt.compareAndSet(index, 0, System.nanoTime())) {
      remaining.countDown();
    }
  }

  /** The latency {@link #runAllowingUnfinished} gives an operation that never finished. */
  static final long UNFINISHED = Long.MAX_VALUE;

  /**
   * Sends every operation on schedule, then waits up to {@code drain} for the last to finish.
   *
   * @return each operation's latency in nanoseconds, from when it was due until it was reported
   * @throws IllegalStateException if a send failed or some operations never finished
   */
  long[] run(Executor sends, Sender sender, Duration drain) throws InterruptedException {
    long[] latencies = runAllowingUnfinished(sends, sender, drain);
    if (remaining.getCount() > 0) {
      throw new IllegalStateException(
          remaining.getCount() + " of " + count + " operations did not finish within " + drain + " after the last send");
    }
    return latencies;
  }

  /**
   * Sends every operation on schedule, then waits up to {@code drain} for the last to finish; an
   * operation still unfinished then gets {@link #UNFINISHED}, for a run that must report how far
   * behind the system fell rather than fail.
   *
   * @return each operation's latency in nanoseconds, from when it was due until it was reported
   * @throws IllegalStateException if a send failed
   */
  long[] runAllowingUnfinished(Executor sends, Sender sender, Duration drain) throws InterruptedException {
    start = System.nanoTime();
    for (int i = 0; i < count; i++) {
      long due = start + i * intervalNanos;
      for (long wait; (wait = due - System.nanoTime()) > 0; ) {
        LockSupport.parkNanos(wait);
      }
      int index = i;
      sends.execute(
          () -> {
            try {
              sender.send(index);
            } catch (Throwable t) {
              sendFailure = t;
            }
          });
    }
    remaining.await(drain.toNanos(), TimeUnit.NANOSECONDS);
    if (sendFailure != null) {
      throw new IllegalStateException("a send failed: " + sendFailure, sendFailure);
    }
    long[] latencies = new long[count];
    for (int i = 0; i < count; i++) {
      long done = doneAt.get(i);
      latencies[i] = done == 0 ? UNFINISHED : done - (start + i * intervalNanos);
    }
    return latencies;
  }

  /** Returns the latencies as a sorted copy, for percentiles. */
  static long[] sorted(long[] latencies) {
    long[] copy = latencies.clone();
    Arrays.sort(copy);
    return copy;
  }
}
