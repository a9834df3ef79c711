package dev.cairn.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

class MachineCpuTest {

  @Test
  void parse_countsStealApartFromBusyAndIdle() {
    // user nice system idle iowait irq softirq steal guest guest_nice
    MachineCpu cpu = MachineCpu.parse("cpu  700 10 200 900 40 5 45 100 30 0");

    assertThat(cpu.busy()).isEqualTo(700 + 10 + 200 + 5 + 45);
    assertThat(cpu.steal()).isEqualTo(100);
    assertThat(cpu.total()).isEqualTo(960 + 900 + 40 + 100);
  }

  @Test
  void describe_givesEachShareOfTheTicksBetweenTwoReadings() {
    MachineCpu before = MachineCpu.parse("cpu 1000 0 0 1000 0 0 0 0 0 0");
    MachineCpu after = MachineCpu.parse("cpu 1150 0 20 1100 0 0 10 120 0 0");

    // 400 ticks: 180 busy, 100 idle, 120 stolen.
    assertThat(MachineCpu.describe(before, after)).isEqualTo("machine busy 45%, stolen 30%");
  }

  @Test
  void describe_isEmptyWithoutTwoReadingsOrWithoutTicks() {
    MachineCpu one = MachineCpu.parse("cpu 1 0 0 1 0 0 0 0 0 0");

    assertThat(MachineCpu.describe(null, one)).isEmpty();
    assertThat(MachineCpu.describe(one, null)).isEmpty();
    assertThat(MachineCpu.describe(one, one)).isEmpty();
  }

  @Test
  void parse_rejectsAPerCpuLineAndNamesIt() {
    assertThatThrownBy(() -> MachineCpu.parse("cpu0 1 2 3 4 5 6 7 8"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'cpu0 1 2 3 4 5 6 7 8'");
  }

  @Test
  @EnabledOnOs(OS.LINUX)
  void read_onLinux_givesTotalsThatOnlyGrow() {
    MachineCpu first = MachineCpu.read();
    assertThat(first).as("/proc/stat read on Linux").isNotNull();
    MachineCpu second = MachineCpu.read();
    assertThat(first.total()).isPositive();
    assertThat(second.total()).isGreaterThanOrEqualTo(first.total());
    assertThat(first.busy() + first.steal()).isLessThanOrEqualTo(first.total());
  }
}
