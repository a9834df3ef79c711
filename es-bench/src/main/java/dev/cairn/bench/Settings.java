package dev.cairn.bench;

import java.time.Duration;

/**
 * How long and how often each side of a case runs.
 *
 * @param quick whether this is the short run
 * @param warmup how long each side runs, unmeasured, before the first repetition
 * @param measure how long one measured repetition of one side lasts
 * @param repetitions how many measured repetitions each side gets; the median is reported
 * @param maxLatencySamples the most operations one latency repetition records
 */
record Settings(boolean quick, Duration warmup, Duration measure, int repetitions, int maxLatencySamples) {

  /**
   * The short run, under 3 minutes on 2 cores for the store's cases; enough to spot a regression,
   * not to quote.
   */
  static final Settings QUICK = new Settings(true, Duration.ofSeconds(2), Duration.ofMillis(1500), 3, 2_000);

  /** The full run, the one whose figures are quoted. */
  static final Settings FULL = new Settings(false, Duration.ofSeconds(5), Duration.ofSeconds(5), 5, 20_000);

  Settings {
    if (repetitions < 1) {
      throw new IllegalArgumentException("repetitions must be >= 1 but was " + repetitions);
    }
  }
}
