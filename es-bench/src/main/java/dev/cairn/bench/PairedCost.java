package dev.cairn.bench;

import java.util.Locale;

/**
 * The relative cost of one variant against another, from repetitions run in pairs (A then B, as
 * {@link Interleaved} runs them): each pair gives one cost in percent, and the report is their
 * mean with a 95% confidence interval from Student's t distribution. Pairing cancels whatever the
 * machine did meanwhile, as both runs of a pair share it.
 *
 * @param meanPct the mean cost, in percent (positive: the variant is slower)
 * @param lowPct the interval's lower bound
 * @param highPct the interval's upper bound
 * @param pairs how many pairs it rests on
 */
record PairedCost(double meanPct, double lowPct, double highPct, int pairs) {

  /** Two-sided 95% quantiles of Student's t for 1 to 30 degrees of freedom. */
  private static final double[] T95 = {
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042
  };

  /**
   * Computes the cost from per-pair costs in percent.
   *
   * @throws IllegalArgumentException with fewer than two pairs
   */
  static PairedCost of(double[] costsPct) {
    int n = costsPct.length;
    if (n < 2) {
      throw new IllegalArgumentException("a confidence interval needs at least 2 pairs but there were " + n);
    }
    double mean = 0;
    for (double c : costsPct) {
      mean += c;
    }
    mean /= n;
    double squares = 0;
    for (double c : costsPct) {
      squares += (c - mean) * (c - mean);
    }
    double sd = Math.sqrt(squares / (n - 1));
    double t = n - 1 <= T95.length ? T95[n - 2] : 1.96;
    double half = t * sd / Math.sqrt(n);
    return new PairedCost(mean, mean - half, mean + half, n);
  }

  /** Costs of a throughput: how much lower the variant's rate is, per pair. */
  static double[] throughputCosts(java.util.List<Double> variant, java.util.List<Double> base) {
    double[] out = new double[variant.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = (1 - variant.get(i) / base.get(i)) * 100;
    }
    return out;
  }

  /** Costs of a latency percentile: how much higher the variant's is, per pair. */
  static double[] latencyCosts(java.util.List<long[]> variant, java.util.List<long[]> base, double percentile) {
    double[] out = new double[variant.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = ((double) Stats.percentile(variant.get(i), percentile) / Stats.percentile(base.get(i), percentile) - 1) * 100;
    }
    return out;
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "%+.1f%% (95%% CI %+.1f%% to %+.1f%%, %d pairs)", meanPct, lowPct, highPct, pairs);
  }
}
