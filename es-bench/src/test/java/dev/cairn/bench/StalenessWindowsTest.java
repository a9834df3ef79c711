package dev.cairn.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.bench.StalenessSampler.Sample;
import java.util.List;
import org.junit.jupiter.api.Test;

class StalenessWindowsTest {

  private static final long S = 1_000_000_000L;

  @Test
  void age_isTheTimeSinceTheOldestCommittedCommandNotYetVisibleCommitted() {
    long[] committed = {1 * S, 2 * S, 3 * S};
    long[] visible = {5 * S, 3 * S, OpenLoop.UNFINISHED};
    assertThat(StalenessWindows.age(committed, visible, 10 * S, 0)).isZero();
    assertThat(StalenessWindows.age(committed, visible, 10 * S, 4 * S)).isEqualTo(3 * S);
    // The first is visible at 5 s; the third, never seen, counts as unseen until the end.
    assertThat(StalenessWindows.age(committed, visible, 10 * S, 6 * S)).isEqualTo(3 * S);
    assertThat(StalenessWindows.age(committed, visible, 10 * S, 10 * S)).isZero();
  }

  @Test
  void windows_groupCommandsByDueTime_andAPipelineThatStandsStillShowsAnAgeGrowingOneSecondPerSecond() {
    // Ten commands a second for 10 s, each committed at once; none visible until 20 s.
    int n = 100;
    long[] due = new long[n];
    long[] committed = new long[n];
    long[] visible = new long[n];
    for (int i = 0; i < n; i++) {
      due[i] = i * S / 10;
      committed[i] = due[i] + 1;
      visible[i] = 20 * S;
    }
    Sample sample = new Sample(0, 0, 0, 0, "", "", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    StalenessWindows w =
        StalenessWindows.of(0, 5 * S, due, committed, visible, 20 * S, List.of(sample), q -> "runner");
    assertThat(w.windows()).hasSize(2);
    assertThat(w.windows().get(0).commands()).isEqualTo(50);
    // Staleness by due time falls: the later commands wait less for the drain at 20 s.
    assertThat(w.p99SlopeMsPerS()).isLessThan(-900);
    // The age grows by a second per second.
    assertThat(w.ageSlopeMsPerS()).isBetween(990.0, 1010.0);
    assertThat(w.peak()).isSameAs(w.windows().get(1));
    assertThat(w.ageSlopeToPeak()).isBetween(990.0, 1010.0);
  }
}
