package dev.cairn.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs Cairn's side and the baseline's side of a case in turn, A/B/A/B: both warm up first (unless
 * the case warmed them up itself, {@link Settings#warmedUp}), then
 * each repetition of one is followed by a repetition of the other, so whatever else the machine
 * is doing weighs on both alike.
 */
final class Interleaved {

  /**
   * The repetitions of both sides, in the order they ran.
   *
   * @param <T> what one repetition yields
   */
  record Runs<T>(List<T> cairn, List<T> baseline) {}

  private Interleaved() {}

  static <T> Runs<T> run(Settings settings, PrintStream log, String row, Measure<T> cairn, Measure<T> baseline)
      throws Exception {
    if (settings.warmup().isZero()) {
      log.printf(java.util.Locale.ROOT, "  %-22s %d x %.1f s per side after that warm-up%n", row,
          settings.repetitions(), settings.measure().toMillis() / 1000.0);
    } else {
      log.printf(java.util.Locale.ROOT, "  %-22s warm-up %.1f s per side, then %d x %.1f s per side%n", row,
          settings.warmup().toMillis() / 1000.0, settings.repetitions(), settings.measure().toMillis() / 1000.0);
      cairn.run(settings.warmup());
      baseline.run(settings.warmup());
    }
    List<T> a = new ArrayList<>();
    List<T> b = new ArrayList<>();
    for (int i = 0; i < settings.repetitions(); i++) {
      // Collect what the previous run left behind, so a side does not pay for the other's garbage.
      System.gc();
      a.add(cairn.run(settings.measure()));
      System.gc();
      b.add(baseline.run(settings.measure()));
      log.printf("  %-22s repetition %d/%d: cairn %s, baseline %s%n", row, i + 1, settings.repetitions(),
          show(a.get(i)), show(b.get(i)));
    }
    return new Runs<>(a, b);
  }

  /** Runs two throughput sides and returns the medians, Cairn's first. */
  static double[] throughput(Settings settings, PrintStream log, String row, Measure<Double> cairn, Measure<Double> baseline)
      throws Exception {
    Runs<Double> runs = run(settings, log, row, cairn, baseline);
    return new double[] {
      Stats.median(runs.cairn().stream().mapToDouble(Double::doubleValue).toArray()),
      Stats.median(runs.baseline().stream().mapToDouble(Double::doubleValue).toArray())
    };
  }

  /** Runs two latency sides and summarises each, Cairn's first. */
  static Latency[] latency(Settings settings, PrintStream log, String row, Measure<long[]> cairn, Measure<long[]> baseline)
      throws Exception {
    Runs<long[]> runs = run(settings, log, row, cairn, baseline);
    return new Latency[] {Latency.of(runs.cairn()), Latency.of(runs.baseline())};
  }

  private static String show(Object o) {
    if (o instanceof Double d) {
      return String.format(java.util.Locale.ROOT, "%.0f events/s", d);
    }
    if (o instanceof long[] samples) {
      return String.format(java.util.Locale.ROOT, "p50 %.3f ms p99 %.3f ms (%d)",
          Stats.millis(Stats.percentile(samples, 50)), Stats.millis(Stats.percentile(samples, 99)), samples.length);
    }
    return String.valueOf(o);
  }
}
