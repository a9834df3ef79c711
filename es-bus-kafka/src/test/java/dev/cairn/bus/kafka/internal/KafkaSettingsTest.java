package dev.cairn.bus.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaSettingsTest {

  @Test
  void retryBackoff_isShortUnlessSet_soTheNextTransactionDoesNotWaitOutKafkasDefault() {
    Map<String, Object> producer = KafkaSettings.producer(Map.of("bootstrap.servers", "x:1"), "t", 1 << 20);
    assertThat(producer).containsEntry("retry.backoff.ms", KafkaSettings.RETRY_BACKOFF_MS);
    assertThat(KafkaSettings.RETRY_BACKOFF_MS).isLessThan(10);

    Map<String, Object> own =
        KafkaSettings.producer(Map.of("bootstrap.servers", "x:1", "retry.backoff.ms", "250"), "t", 1 << 20);
    assertThat(own).containsEntry("retry.backoff.ms", "250");
  }

  @Test
  void exactlyOnceSettings_areForced_andTheClientIdDefaultsToTheTransactionalId() {
    Map<String, Object> producer =
        KafkaSettings.producer(Map.of("bootstrap.servers", "x:1", "acks", "1", "enable.idempotence", "false"), "relay-1", 1 << 20);
    assertThat(producer)
        .containsEntry("acks", "all")
        .containsEntry("enable.idempotence", true)
        .containsEntry("transactional.id", "relay-1")
        .containsEntry("client.id", "relay-1");
  }
}
