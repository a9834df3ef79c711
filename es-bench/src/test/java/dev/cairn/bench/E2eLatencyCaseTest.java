package dev.cairn.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class E2eLatencyCaseTest {

  @AfterEach
  void clear() {
    System.clearProperty(E2eLatencyCase.RELAY_LINGER_PROPERTY);
  }

  @Test
  void relayLinger_isZeroUnlessAsked() {
    assertThat(E2eLatencyCase.relayLinger()).isEqualTo(Duration.ZERO);
  }

  @Test
  void relayLinger_isTakenFromTheSystemProperty() {
    System.setProperty(E2eLatencyCase.RELAY_LINGER_PROPERTY, "5");

    assertThat(E2eLatencyCase.relayLinger()).isEqualTo(Duration.ofMillis(5));
  }

  @Test
  void relayLinger_thatIsNotANumber_isRejected_namingTheValue() {
    System.setProperty(E2eLatencyCase.RELAY_LINGER_PROPERTY, "5ms");

    assertThatThrownBy(E2eLatencyCase::relayLinger)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cairn.bench.relayLingerMs must be a whole number of milliseconds but was '5ms'");
  }
}
