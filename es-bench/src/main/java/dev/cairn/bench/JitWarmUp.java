package dev.cairn.bench;

import java.io.PrintStream;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Locale;

/**
 * A warm-up that lasts until the JIT compiler has settled, as a long-running service's has: both
 * sides run in turns of {@code turn} each, at least {@code min} per side, then until a turn of
 * both compiled at most {@code quietMsPerS} milliseconds per second (summed over the compiler
 * threads), and at most {@code max} per side. For a case whose pipeline holds much code the
 * compiler reaches late (the in-process broker, the clients, Jdbi): with a fixed warm-up its
 * repetitions measured the compiler as much as the pipeline.
 *
 * @param min the shortest warm-up per side
 * @param max the longest warm-up per side
 * @param turn how long each side runs per turn
 * @param quietMsPerS the compile time per second at or under which the compiler counts as settled
 */
record JitWarmUp(Duration min, Duration max, Duration turn, double quietMsPerS) {

  JitWarmUp {
    if (turn.isZero() || turn.isNegative() || min.compareTo(max) > 0) {
      throw new IllegalArgumentException(
          "warm-up needs a positive turn and min <= max but was turn " + turn + ", min " + min + ", max " + max);
    }
  }

  /**
   * Returns whether the warm-up may stop.
   *
   * @param perSide how long each side has warmed up so far
   * @param compilingMsPerS the compile time per second over the last turn of both sides; NaN if
   *     the JVM does not say (then the minimum is enough)
   * @return true once the minimum is done and the compiler quiet, or the maximum done
   */
  boolean enough(Duration perSide, double compilingMsPerS) {
    if (perSide.compareTo(max) >= 0) {
      return true;
    }
    return perSide.compareTo(min) >= 0 && (Double.isNaN(compilingMsPerS) || compilingMsPerS <= quietMsPerS);
  }

  /**
   * Warms both sides up in turns until {@link #enough}, and logs how long it took.
   *
   * @param log where to say how long the warm-up took and how busy the compiler was at its end
   * @param row the row's name in the log
   * @param cairn Cairn's side
   * @param baseline the baseline's side
   * @param <T> what a run of a side yields (dropped)
   * @throws Exception if a side fails
   */
  <T> void run(PrintStream log, String row, Measure<T> cairn, Measure<T> baseline) throws Exception {
    Duration perSide = Duration.ZERO;
    double compiling;
    do {
      long before = compileMillis();
      long start = System.nanoTime();
      cairn.run(turn);
      baseline.run(turn);
      compiling = compilingMsPerS(before, start);
      perSide = perSide.plus(turn);
    } while (!enough(perSide, compiling));
    log.printf(Locale.ROOT, "  %-22s warmed up %.0f s per side (%s); the JIT compiled %.0f ms per s in the last turn%n",
        row, perSide.toMillis() / 1000.0,
        perSide.compareTo(max) >= 0 && !(compiling <= quietMsPerS) ? "the longest allowed" : "the compiler settled",
        compiling);
  }

  /**
   * The milliseconds the JIT compilers spent compiling per second of wall time since a reading of
   * {@link #compileMillis}, or NaN if the JVM does not say.
   *
   * @param compiledBefore {@link #compileMillis} at the start
   * @param startNanos {@link System#nanoTime} at the start
   * @return the compile time per second since then, or NaN
   */
  static double compilingMsPerS(long compiledBefore, long startNanos) {
    long compiledNow = compileMillis();
    return compiledBefore < 0 || compiledNow < 0
        ? Double.NaN
        : (compiledNow - compiledBefore) / ((System.nanoTime() - startNanos) / 1e9);
  }

  /**
   * The milliseconds this JVM's JIT compilers have spent compiling so far (summed over the
   * compiler threads, so up to their count per second of wall time), or -1 if the JVM does not say.
   *
   * @return the compile time so far, or -1
   */
  static long compileMillis() {
    CompilationMXBean compiler = ManagementFactory.getCompilationMXBean();
    return compiler != null && compiler.isCompilationTimeMonitoringSupported() ? compiler.getTotalCompilationTime() : -1;
  }
}
