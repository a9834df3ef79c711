package dev.cairn.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class PairedCostTest {

  @Test
  void meanAndInterval_followStudentsT() {
    // mean 2, sample variance 2/3, n 4: half width t(3) * sd / sqrt(4).
    PairedCost cost = PairedCost.of(new double[] {1, 2, 3, 2});
    double sd = Math.sqrt(2.0 / 3);
    assertThat(cost.meanPct()).isEqualTo(2.0);
    assertThat(cost.highPct() - cost.meanPct()).isCloseTo(3.182 * sd / 2, within(1e-9));
    assertThat(cost.lowPct()).isCloseTo(2 - 3.182 * sd / 2, within(1e-9));
    assertThat(cost.toString()).startsWith("+2.0% (95% CI");
  }

  @Test
  void throughputCost_isTheRateLost_andLatencyCost_theTimeAdded() {
    assertThat(PairedCost.throughputCosts(List.of(95.0, 100.0), List.of(100.0, 100.0)))
        .containsExactly(new double[] {5.0, 0.0}, within(1e-9));
    assertThat(PairedCost.latencyCosts(List.of(new long[] {110}), List.of(new long[] {100}), 50)[0])
        .isCloseTo(10.0, within(1e-9));
  }

  @Test
  void onePair_givesNoInterval() {
    assertThatThrownBy(() -> PairedCost.of(new double[] {1})).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 2 pairs");
  }
}
