package dev.cairn.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The arithmetic of the {@code --scale} mode: what its options accept and which bound a drain's figures name. */
class ScaleFiguresTest {

  private static ScaleRelay.Drain drain(double machine, double relayCores, double msPerTx) {
    // 200 transactions in 10 s: a 50 ms cycle.
    return new ScaleRelay.Drain(100_000, 10, 200, msPerTx, new CpuSnapshot.Cores(1.0, relayCores, 0.1, 0.9 - relayCores),
        machine, Map.of());
  }

  @Test
  void scaleOptions_eventsNotAMultipleOfStreams_areRejectedWithBothValues() {
    assertThatThrownBy(() -> new ScaleMode(1_000_001, 1_000_000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1000001")
        .hasMessageContaining("1000000");
    assertThat(new ScaleMode(10_000_000, 1_000_000).events()).isEqualTo(10_000_000);
  }

  @Test
  void bound_aSaturatedMachine_isCpu_beforeAnythingElse() {
    assertThat(new ScaleRelay.Cell(4, 200, 100_000, drain(0.97, 0.2, 45), 50_000).bound()).startsWith("CPU (machine");
  }

  @Test
  void bound_aBusyRelayThread_onAnIdleMachine_isTheRelayThread() {
    assertThat(new ScaleRelay.Cell(4, 200, 100_000, drain(0.6, 0.95, 10), 50_000).bound())
        .isEqualTo("CPU of the relay thread");
  }

  @Test
  void bound_transactionsMostOfTheCycle_isTheBrokerOnlyWhenABareProducerIsNoFaster() {
    assertThat(new ScaleRelay.Cell(4, 200, 100_000, drain(0.5, 0.2, 40), 11_000).bound()).startsWith("the broker");
    assertThat(new ScaleRelay.Cell(4, 200, 100_000, drain(0.5, 0.2, 40), 100_000).bound())
        .startsWith("the Kafka transaction (80%");
  }

  @Test
  void bound_shortTransactions_leaveTheDatabaseRead() {
    assertThat(new ScaleRelay.Cell(4, 200, 100_000, drain(0.5, 0.2, 10), 100_000).bound())
        .isEqualTo("the database read between transactions (80% of each cycle)");
  }

  @Test
  void threadGroups_dropNumbersAndTheRelayId() {
    assertThat(CpuSnapshot.group("data-plane-kafka-request-handler-3", "r1")).isEqualTo("data-plane-kafka-request-handler-N");
    assertThat(CpuSnapshot.group("kafka-producer-network-thread | scale-relay-x-200-4", "scale-relay-x-200-4"))
        .isEqualTo("kafka-producer-network-thread | <id>");
  }
}
