package dev.cairn.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GcPausesTest {

  @Test
  void pauses_countsTheStopTheWorldCollectorsOnly() {
    assertThat(GcPauses.pauses("G1 Young Generation")).isTrue();
    assertThat(GcPauses.pauses("G1 Old Generation")).isTrue();
    assertThat(GcPauses.pauses("ZGC Major Pauses")).isTrue();
    assertThat(GcPauses.pauses("G1 Concurrent GC")).isFalse();
    assertThat(GcPauses.pauses("ZGC Major Cycles")).isFalse();
  }

  @Test
  void read_seesAFullCollection() {
    GcPauses before = GcPauses.read();

    System.gc();

    GcPauses after = GcPauses.read();
    assertThat(after.count()).isGreaterThan(before.count());
    assertThat(after.since(before)).matches("GC [1-9][0-9]* pauses, [0-9]+ ms");
  }
}
