package dev.cairn.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * One side of a case, measured for a while: a throughput in events/s, or the times of the
 * operations run in that while.
 *
 * @param <T> what a measurement yields
 */
@FunctionalInterface
interface Measure<T> {

  /** Runs the side for about the given time and returns what was measured. */
  T run(Duration duration) throws Exception;

  /** One operation of a side, in a given worker thread; returns how many events it handled. */
  @FunctionalInterface
  interface Op {
    long run(int thread) throws Exception;
  }

  /**
   * Measures events/s of an operation run back to back by {@code threads} workers (closed loop):
   * the workers start together, stop after the deadline, and the rate is taken over the time until
   * the last of them finished its last operation.
   */
  static Measure<Double> throughput(ExecutorService workers, int threads, Op op) {
    return duration -> {
      CountDownLatch ready = new CountDownLatch(threads);
      CountDownLatch go = new CountDownLatch(1);
      long[] window = new long[2];
      List<Future<long[]>> futures = new ArrayList<>(threads);
      for (int t = 0; t < threads; t++) {
        int thread = t;
        futures.add(
            workers.submit(
                () -> {
                  ready.countDown();
                  go.await();
                  // The latch publishes the window written before it opened.
                  long deadline = window[1];
                  long events = 0;
                  long now;
                  while ((now = System.nanoTime()) < deadline) {
                    events += op.run(thread);
                  }
                  return new long[] {events, now};
                }));
      }
      ready.await();
      window[0] = System.nanoTime();
      window[1] = window[0] + duration.toNanos();
      go.countDown();
      long events = 0;
      long end = window[0];
      for (Future<long[]> f : futures) {
        long[] r = get(f);
        events += r[0];
        end = Math.max(end, r[1]);
      }
      return events / ((end - window[0]) / 1e9);
    };
  }

  /**
   * Times an operation run back to back in the calling thread, until the duration is over or
   * {@code maxSamples} operations ran, but at least {@code minSamples} operations.
   */
  static Measure<long[]> latency(int minSamples, int maxSamples, Op op) {
    return duration -> {
      long[] samples = new long[maxSamples];
      int n = 0;
      long deadline = System.nanoTime() + duration.toNanos();
      while (n < maxSamples && (n < minSamples || System.nanoTime() < deadline)) {
        long start = System.nanoTime();
        op.run(0);
        samples[n++] = System.nanoTime() - start;
      }
      return Arrays.copyOf(samples, n);
    };
  }

  private static long[] get(Future<long[]> f) throws Exception {
    try {
      return f.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    }
  }
}
