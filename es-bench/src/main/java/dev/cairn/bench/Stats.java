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

  /**
   * Returns the least-squares slope of {@code y} over {@code x}: how much {@code y} grows per unit
   * of {@code x}, the trend of a series.
   *
   * @throws IllegalArgumentException if the arrays differ in length, hold fewer than two points,
   *     or all {@code x} are equal
   */
  static double slope(double[] x, double[] y) {
    if (x.length != y.length || x.length < 2) {
      throw new IllegalArgumentException(
          "a slope needs two or more (x, y) pairs but got " + x.length + " x and " + y.length + " y");
    }
    double mx = 0;
    double my = 0;
    for (int i = 0; i < x.length; i++) {
      mx += x[i];
      my += y[i];
    }
    mx /= x.length;
    my /= y.length;
    double sxy = 0;
    double sxx = 0;
    for (int i = 0; i < x.length; i++) {
      sxy += (x[i] - mx) * (y[i] - my);
      sxx += (x[i] - mx) * (x[i] - mx);
    }
    if (sxx == 0) {
      throw new IllegalArgumentException("a slope over equal x values is undefined");
    }
    return sxy / sxx;
  }

  /** Converts nanoseconds to milliseconds. */
  static double millis(double nanos) {
    return nanos / 1_000_000.0;
  }
}
