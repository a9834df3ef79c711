package dev.cairn.bus.kafka;

import static dev.cairn.bus.kafka.RelayTestSupport.migratedStore;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.api.AppendRequest;
import dev.cairn.api.EventMetadata;
import dev.cairn.api.NewEvent;
import dev.cairn.api.RecordedEvent;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.KafkaExtension;
import dev.cairn.testkit.PostgresExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What any Kafka client sees, without Cairn code on the reading side. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RecordFormatTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();

  @Test
  void plainConsumer_readsKeyHeadersAndValueAsDocumented_fromTopicsCreatedAsConfigured() throws Exception {
    JdbcEventStore store = migratedStore(pg.dataSource(), "shop");
    String prefix = kafka.name("shop.");
    UUID id = UUID.randomUUID();
    EventMetadata metadata =
        new EventMetadata(
            "corr-7", "cmd-9", "acme", "bob", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            Map.of());
    RecordedEvent stored =
        store.append(new AppendRequest("order-42", "Order", 0,
                List.of(new NewEvent(id, "OrderPlaced", 2, "{\"totalCents\": 1250, \"note\": \"été\"}", metadata))))
            .events().get(0);

    try (KafkaRelay relay =
        KafkaRelay.builder(store)
            .kafkaSettings(Map.of("bootstrap.servers", kafka.bootstrapServers()))
            .topicPrefix(prefix)
            .partitions(3)
            .replicationFactor(1)
            .meterRegistry(new SimpleMeterRegistry())
            .build()
            .start()) {
      await().atMost(Duration.ofSeconds(30)).until(() -> relay.status().position().equals(stored.position()));
      assertThat(relay.transactionalId()).isEqualTo("cairn-relay-shop");
    }

    List<ConsumerRecord<String, String>> records = new ArrayList<>();
    Map<String, Object> config = kafka.consumerConfig("plain");
    config.put("value.deserializer", StringDeserializer.class);
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
      consumer.subscribe(List.of(prefix + "Order"));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (records.isEmpty() && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
    }
    assertThat(records).hasSize(1);
    ConsumerRecord<String, String> r = records.get(0);
    assertThat(r.key()).isEqualTo("order-42");
    assertThat(r.value()).isEqualTo("{\"note\": \"été\", \"totalCents\": 1250}");
    Map<String, String> headers = new LinkedHashMap<>();
    for (Header h : r.headers()) {
      headers.put(h.key(), new String(h.value(), StandardCharsets.UTF_8));
    }
    assertThat(headers)
        .containsExactly(
            Map.entry("ce_specversion", "1.0"),
            Map.entry("ce_id", id.toString()),
            Map.entry("ce_type", "OrderPlaced"),
            Map.entry("ce_source", "cairn://shop"),
            Map.entry("ce_subject", "order-42"),
            Map.entry("ce_time", stored.recordedAt().toString()),
            Map.entry("content-type", "application/json"),
            Map.entry("cairn_stream_type", "Order"),
            Map.entry("cairn_version", "1"),
            Map.entry("cairn_position", stored.position().toString()),
            Map.entry("cairn_schema_revision", "2"),
            Map.entry("cairn_correlation_id", "corr-7"),
            Map.entry("cairn_causation_id", "cmd-9"),
            Map.entry("cairn_tenant", "acme"),
            Map.entry("cairn_user", "bob"),
            Map.entry("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));

    try (Admin admin = kafka.admin()) {
      assertThat(admin.describeTopics(List.of(prefix + "Order")).allTopicNames().get().get(prefix + "Order").partitions())
          .hasSize(3);
      ConfigResource events = new ConfigResource(ConfigResource.Type.TOPIC, prefix + "Order");
      ConfigResource positions = new ConfigResource(ConfigResource.Type.TOPIC, prefix + KafkaRelay.POSITION_TOPIC);
      Map<ConfigResource, Config> configs = admin.describeConfigs(List.of(events, positions)).all().get();
      assertThat(configs.get(events).get("retention.ms").value()).isEqualTo("-1");
      assertThat(configs.get(positions).get("cleanup.policy").value()).isEqualTo("compact");
    }
  }
}
