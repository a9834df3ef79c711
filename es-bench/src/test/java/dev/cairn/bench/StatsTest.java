package dev.cairn.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatsTest {

  @Test
  void median_ofOddCount_isTheMiddleValue() {
    assertThat(Stats.median(5, 1, 3)).isEqualTo(3);
  }

  @Test
  void median_ofEvenCount_isTheMeanOfTheMiddleTwo() {
    assertThat(Stats.median(4, 1, 3, 2)).isEqualTo(2.5);
  }

  @Test
  void median_ofNothing_isRejected() {
    assertThatThrownBy(Stats::median).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void median_doesNotReorderItsInput() {
    double[] values = {3, 1, 2};
    Stats.median(values);
    assertThat(values).containsExactly(3, 1, 2);
  }

  @Test
  void percentile_usesNearestRank() {
    long[] samples = new long[100];
    for (int i = 0; i < 100; i++) {
      samples[i] = 100 - i; // 100..1, unsorted
    }
    assertThat(Stats.percentile(samples, 50)).isEqualTo(50);
    assertThat(Stats.percentile(samples, 99)).isEqualTo(99);
    assertThat(Stats.percentile(samples, 100)).isEqualTo(100);
    assertThat(Stats.percentile(new long[] {7}, 99)).isEqualTo(7);
  }

  @Test
  void percentile_ofTenSamples_p99IsTheMaximum() {
    assertThat(Stats.percentile(new long[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 99)).isEqualTo(10);
    assertThat(Stats.percentile(new long[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 50)).isEqualTo(5);
  }

  @Test
  void percentile_outOfRange_isRejected() {
    assertThatThrownBy(() -> Stats.percentile(new long[] {1}, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Stats.percentile(new long[0], 50)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void latency_isTheMedianOfTheRepetitionsPercentiles() {
    long ms = 1_000_000;
    Latency l = Latency.of(List.of(new long[] {1 * ms, 9 * ms}, new long[] {2 * ms, 8 * ms}, new long[] {3 * ms, 7 * ms}));
    assertThat(l.p50Ms()).isEqualTo(2.0);
    assertThat(l.p99Ms()).isEqualTo(8.0);
    assertThat(l.samples()).isEqualTo(6);
  }

  @Test
  void ratios_areOrientedSoThatHigherIsBetter() {
    assertThat(Result.throughput("t", 80, 100, 0.8, "").ratio()).isEqualTo(0.8);
    assertThat(Result.throughput("t", 80, 100, 0.8, "").met()).isTrue();
    Latency cairn = new Latency(2, 4, 10);
    Latency raw = new Latency(4, 8, 10);
    Result r = Result.latency("l", cairn, raw, 1, "");
    assertThat(r.ratio()).isEqualTo(2.0);
    assertThat(r.met()).isFalse();
    assertThat(r.target()).isEqualTo("p50 <= 1 ms");
  }

  @Test
  void interleaved_runsTheSidesAlternatelyAfterWarmUp() throws Exception {
    StringBuilder order = new StringBuilder();
    Settings s = new Settings(true, Duration.ofMillis(1), Duration.ZERO, 3, 10);
    Interleaved.Runs<Double> runs =
        Interleaved.run(s, new java.io.PrintStream(java.io.OutputStream.nullOutputStream()), "x",
            d -> { order.append('A'); return 1.0; },
            d -> { order.append('B'); return 2.0; });
    assertThat(order).hasToString("ABABABAB");
    assertThat(runs.cairn()).containsExactly(1.0, 1.0, 1.0);
    assertThat(runs.baseline()).containsExactly(2.0, 2.0, 2.0);
  }

  @Test
  void warmedUp_dropsTheWarmUp_andInterleavedThenRunsOnlyTheRepetitions() throws Exception {
    Settings settings = Settings.FULL.warmedUp();
    assertThat(settings.warmup()).isZero();
    assertThat(settings.measure()).isEqualTo(Settings.FULL.measure());
    assertThat(settings.repetitions()).isEqualTo(Settings.FULL.repetitions());
    StringBuilder order = new StringBuilder();
    Interleaved.run(
        settings, new PrintStream(OutputStream.nullOutputStream()), "row",
        d -> { order.append('A'); return 1.0; },
        d -> { order.append('B'); return 2.0; });
    assertThat(order).hasToString("AB".repeat(Settings.FULL.repetitions()));
  }

  @Test
  void jitWarmUp_lastsAtLeastItsMinimum_thenUntilTheCompilerIsQuiet_andAtMostItsMaximum() {
    JitWarmUp w = new JitWarmUp(Duration.ofSeconds(20), Duration.ofSeconds(90), Duration.ofSeconds(5), 100);
    assertThat(w.enough(Duration.ofSeconds(15), 0)).as("quiet, but before the minimum").isFalse();
    assertThat(w.enough(Duration.ofSeconds(20), 100)).isTrue();
    assertThat(w.enough(Duration.ofSeconds(20), 101)).isFalse();
    assertThat(w.enough(Duration.ofSeconds(85), 900)).isFalse();
    assertThat(w.enough(Duration.ofSeconds(90), 900)).as("the maximum").isTrue();
    assertThat(w.enough(Duration.ofSeconds(20), Double.NaN)).as("a JVM that does not say").isTrue();
    assertThatThrownBy(() -> new JitWarmUp(Duration.ofSeconds(20), Duration.ofSeconds(10), Duration.ofSeconds(5), 100))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("min <= max");
  }

  @Test
  void jitWarmUp_runsBothSidesInTurns_untilEnough() throws Exception {
    JitWarmUp w = new JitWarmUp(Duration.ofSeconds(10), Duration.ofSeconds(15), Duration.ofSeconds(5), -1);
    StringBuilder order = new StringBuilder();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    // A quiet threshold below zero is never met: the warm-up runs to its maximum, three turns.
    w.run(new PrintStream(out, true, StandardCharsets.UTF_8), "row",
        d -> { order.append('A'); return 1.0; },
        d -> { order.append('B'); return 2.0; });
    assertThat(order).hasToString("ABABAB");
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("warmed up 15 s per side (the longest allowed)");
  }

  @Test
  void slope_ofALine_isItsGradient() {
    assertThat(Stats.slope(new double[] {0, 5, 10, 15}, new double[] {100, 110, 120, 130})).isEqualTo(2.0);
  }

  @Test
  void slope_ofScatteredPoints_isTheLeastSquaresFit() {
    // y = 1, 3, 2 at x = 0, 1, 2: mean x 1, mean y 2; sxy = (-1)(-1) + 0 + (1)(0) = 1; sxx = 2.
    assertThat(Stats.slope(new double[] {0, 1, 2}, new double[] {1, 3, 2})).isEqualTo(0.5);
  }

  @Test
  void slope_ofOnePointOrEqualX_isRejected() {
    assertThatThrownBy(() -> Stats.slope(new double[] {1}, new double[] {1})).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Stats.slope(new double[] {1, 1}, new double[] {1, 2}))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
