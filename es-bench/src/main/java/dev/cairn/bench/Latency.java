package dev.cairn.bench;

/**
 * The latency of one side of a case: medians over the repetitions of each repetition's p50 and
 * p99.
 *
 * @param p50Ms the median of the repetitions' p50, in milliseconds
 * @param p99Ms the median of the repetitions' p99, in milliseconds
 * @param samples how many operations were timed, over all repetitions
 */
record Latency(double p50Ms, double p99Ms, long samples) {

  /** Summarises repetitions, each an array of operation times in nanoseconds. */
  static Latency of(java.util.List<long[]> repetitions) {
    double[] p50 = new double[repetitions.size()];
    double[] p99 = new double[repetitions.size()];
    long samples = 0;
    for (int i = 0; i < repetitions.size(); i++) {
      long[] rep = repetitions.get(i);
      p50[i] = Stats.millis(Stats.percentile(rep, 50));
      p99[i] = Stats.millis(Stats.percentile(rep, 99));
      samples += rep.length;
    }
    return new Latency(Stats.median(p50), Stats.median(p99), samples);
  }
}
