package dev.cairn.bench;

import java.util.Arrays;

/** The little statistics the harness needs: medians of repetitions and percentiles of samples. */
final class Stats {

  private Stats() {}

  /**
   * Returns the median of some values; for an even count, the mean of the two middle ones.
   *
   * @throws IllegalArgumentException if there are no values
   */
  static double median(double... values) {
    if (values.length == 0) {
      throw new IllegalArgumentException("the median of no values is undefined");
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }

  /**
   * Returns a percentile of samples by the nearest-rank method: the smallest sample that at least
   * {@code p} percent of the samples are at or below. No interpolation, so the answer is always a
   * time that was actually measured.
   *
   * @param samples the samples, in any order (not changed)
   * @param p the percentile, in (0, 100]
   * @throws IllegalArgumentException if there are no samples or p is out of range
   */
  static long percentile(long[] samples, double p) {
    if (samples.length == 0) {
      throw new IllegalArgumentException("a percentile of no samples is undefined");
    }
    if (!(p > 0 && p <= 100)) {
      throw new IllegalArgumentException("percentile must be in (0, 100] but was " + p);
    }
    long[] sorted = samples.clone();
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(rank, 1) - 1];
  }

  /** Converts nanoseconds to milliseconds. */
  static double millis(double nanos) {
    return nanos / 1_000_000.0;
  }
}
