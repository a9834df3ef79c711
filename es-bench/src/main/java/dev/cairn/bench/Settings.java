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
   * The short run, under 3 minutes on 2 cores for every case (5.5 s per row of a time-bound case:
   * 0.5 s warm-up and 3 x 0.75 s per side); enough to see that every case runs, not to quote.
   */
  static final Settings QUICK = new Settings(true, Duration.ofMillis(500), Duration.ofMillis(750), 3, 2_000);

  /**
   * The full run, the one whose figures are quoted: 36 s per row of a time-bound case (3 s warm-up
   * and 5 x 3 s per side), so that every case fits in 25 minutes on 2 cores with room for the
   * cases still growing (5 s and 5 x 5 s made it about 26 minutes once the peer, checkout and
   * tracing cases were in).
   */
  static final Settings FULL = new Settings(false, Duration.ofSeconds(3), Duration.ofSeconds(3), 5, 20_000);

  Settings {
    if (repetitions < 1) {
      throw new IllegalArgumentException("repetitions must be >= 1 but was " + repetitions);
    }
  }

  /**
   * These settings without a warm-up, for a case that warmed its sides up itself.
   *
   * @return a copy with no warm-up
   */
  Settings warmedUp() {
    return new Settings(quick, Duration.ZERO, measure, repetitions, maxLatencySamples);
  }
}
