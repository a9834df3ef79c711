package dev.cairn.bus.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RecordLimitsTest {

  @Test
  void defaults_fitTheStoresDefaultLimit_reSpacedByJsonb_withRoomForHeaders() {
    int storeMax = 1 << 20;
    Map<String, Object> producer = KafkaSettings.producer(Map.of("bootstrap.servers", "x:1"), "t", storeMax);

    assertThat(RecordLimits.recordBytes(storeMax)).isEqualTo(1_572_864 + 65_536);
    assertThat(producer).containsEntry("max.request.size", 1_638_400);
    assertThatCode(() -> RecordLimits.checkProducer(storeMax, producer)).doesNotThrowAnyException();
    assertThat(KafkaSettings.topicMaxMessageBytes(storeMax)).isEqualTo(1_638_400);
  }

  @Test
  void maxRequestSizeTheUserSet_isKept_andChecked() {
    Map<String, Object> producer =
        KafkaSettings.producer(Map.of("bootstrap.servers", "x:1", "max.request.size", "2000000"), "t", 1 << 20);
    assertThat(producer).containsEntry("max.request.size", "2000000");
    assertThatCode(() -> RecordLimits.checkProducer(1 << 20, producer)).doesNotThrowAnyException();

    assertThatThrownBy(() -> RecordLimits.checkProducer(2_000_000, producer))
        .isInstanceOf(RelayCheckException.class)
        .hasMessageContaining("events up to 2000000 bytes")
        .hasMessageContaining("records of up to 3065536 bytes")
        .hasMessageContaining("max.request.size is 2000000");
  }

  @Test
  void positionTopic_mustBeCompacted_withoutTimeBasedDeletion() {
    assertThatCode(() -> RecordLimits.checkPositionTopic("p", Map.of("cleanup.policy", "compact", "retention.ms", "604800000")))
        .doesNotThrowAnyException();
    assertThatCode(() -> RecordLimits.checkPositionTopic("p", Map.of("cleanup.policy", "compact,delete", "retention.ms", "-1")))
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> RecordLimits.checkPositionTopic("p", Map.of("cleanup.policy", "compact,delete", "retention.ms", "604800000")))
        .isInstanceOf(RelayCheckException.class)
        .hasMessageContaining("position topic p has cleanup.policy=compact,delete and retention.ms=604800000");
    assertThatThrownBy(() -> RecordLimits.checkPositionTopic("p", Map.of("cleanup.policy", "delete", "retention.ms", "-1")))
        .isInstanceOf(RelayCheckException.class)
        .hasMessageContaining("cleanup.policy=delete");
  }
}
