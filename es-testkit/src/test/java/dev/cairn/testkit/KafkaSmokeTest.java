package dev.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class KafkaSmokeTest {

  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();

  @Test
  void idempotentProducer_100kRecordsOver1000Keys_areConsumedInPerKeyOrder() {
    String topic = kafka.createTopic("per-key-order", 8);
    int keys = 1000;
    int perKey = 100;
    Map<String, Object> config = kafka.producerConfig();
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config)) {
      for (int seq = 0; seq < perKey; seq++) {
        for (int k = 0; k < keys; k++) {
          producer.send(new ProducerRecord<>(topic, "key-" + k, ByteBuffer.allocate(4).putInt(seq).array()));
        }
      }
      producer.flush();
    }

    Map<String, Integer> nextExpected = new HashMap<>();
    List<String> violations = new ArrayList<>();
    int total = 0;
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(kafka.consumerConfig("order"))) {
      consumer.subscribe(List.of(topic));
      while (total < keys * perKey) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          int seq = ByteBuffer.wrap(r.value()).getInt();
          int expected = nextExpected.getOrDefault(r.key(), 0);
          if (seq != expected) {
            violations.add(r.key() + ": expected " + expected + " but got " + seq);
          }
          nextExpected.put(r.key(), seq + 1);
          total++;
        }
      }
    }

    assertThat(violations).isEmpty();
    assertThat(total).isEqualTo(keys * perKey);
    assertThat(nextExpected).hasSize(keys).allSatisfy((k, next) -> assertThat(next).isEqualTo(perKey));
  }

  @Test
  void abortedTransaction_isInvisibleToReadCommitted_whileCommittedOneIsVisible() {
    String topic = kafka.createTopic("transactions", 1);
    Map<String, Object> config = kafka.producerConfig();
    config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, kafka.name("tx"));
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config)) {
      producer.initTransactions();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>(topic, "k", "aborted".getBytes()));
      producer.flush();
      producer.abortTransaction();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>(topic, "k", "committed".getBytes()));
      producer.commitTransaction();
    }

    List<String> seen = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(kafka.consumerConfig("tx-reader"))) {
      consumer.subscribe(List.of(topic));
      // The committed record comes after the aborted one, so once it is seen nothing else can come.
      while (!seen.contains("committed")) {
        consumer.poll(Duration.ofMillis(500)).forEach(r -> seen.add(new String(r.value())));
      }
    }
    assertThat(seen).containsExactly("committed");
  }
}
