package dev.cairn.bus.kafka;

import static dev.cairn.bus.kafka.RelayTestSupport.STREAM_TYPE;
import static dev.cairn.bus.kafka.RelayTestSupport.appendRounds;
import static dev.cairn.bus.kafka.RelayTestSupport.assertExactlyOnceInOrder;
import static dev.cairn.bus.kafka.RelayTestSupport.migratedStore;
import static dev.cairn.bus.kafka.RelayTestSupport.readAll;
import static dev.cairn.bus.kafka.RelayTestSupport.readTopics;
import static dev.cairn.bus.kafka.RelayTestSupport.relayBuilder;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.api.AppendRequest;
import dev.cairn.api.EventMetadata;
import dev.cairn.api.Health;
import dev.cairn.api.NewEvent;
import dev.cairn.bus.kafka.RelayStatus.State;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.KafkaExtension;
import dev.cairn.testkit.PostgresExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The checks a relay runs when it first reaches Kafka, and the records they let through. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RelayChecksTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();

  private KafkaRelayBuilder relay(JdbcEventStore store, String prefix, SimpleMeterRegistry meters) {
    return relayBuilder(store, kafka.bootstrapServers(), prefix)
        .pollInterval(Duration.ofMillis(100))
        .maxBackoff(Duration.ofMillis(500))
        .meterRegistry(meters);
  }

  /** {@code [1,1,...,1]} of exactly {@code bytes} bytes: jsonb reads it back 1.5 times larger. */
  private static String growingPayload(int bytes) {
    StringBuilder json = new StringBuilder(bytes).append('[');
    while (json.length() + 3 <= bytes) {
      json.append("1,");
    }
    json.append("1]");
    while (json.length() < bytes) {
      json.insert(1, ' ');
    }
    return json.toString();
  }

  private static Health.Cause cause(KafkaRelay relay, String code) {
    return relay.health().causes().stream().filter(c -> c.code().equals(code)).findFirst().orElseThrow();
  }

  @Test
  void eventJustUnderTheStoreLimit_thatGrowsUnderJsonb_isRelayedWithTheDefaults() {
    JdbcEventStore store = migratedStore(pg.dataSource(), "checks_large");
    String prefix = kafka.name("large.");
    String payload = growingPayload(store.maxEventBytes() - 16);
    store.append(
        new AppendRequest(
            "big-1", STREAM_TYPE, 0, List.of(new NewEvent(UUID.randomUUID(), "Filled", 1, payload, EventMetadata.EMPTY))));
    appendRounds(store, "small-", 3, 2);

    try (KafkaRelay relay = relay(store, prefix, new SimpleMeterRegistry()).build().start()) {
      await("the large event and those after it are published")
          .atMost(Duration.ofSeconds(60))
          .until(() -> relay.status().position().equals(store.headPosition()));
      assertThat(relay.health().status()).isEqualTo(Health.Status.UP);
    }
    List<ConsumerRecord<String, byte[]>> records = readTopics(kafka.bootstrapServers(), List.of(prefix + STREAM_TYPE));
    assertExactlyOnceInOrder(records, readAll(store));
    byte[] large = records.stream().filter(r -> r.key().equals("big-1")).findFirst().orElseThrow().value();
    assertThat(large.length).as("re-spaced by jsonb").isGreaterThan(store.maxEventBytes() * 14 / 10);
    assertThat(new String(large, StandardCharsets.UTF_8)).startsWith("[1, 1, 1");
  }

  @Test
  void recordKafkaRejects_makesTheRelayDown_namingTheEvent() {
    JdbcEventStore store = migratedStore(pg.dataSource(), "checks_rejected");
    String prefix = kafka.name("rejected.");
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    appendRounds(store, "ok-", 2, 1);
    // 170 bytes as sent; jsonb prints numbers in full, 1e100000 as 100001 digits: 2 MB as read.
    String payload = "[" + String.join(",", java.util.Collections.nCopies(20, "1e100000")) + "]";
    var appended = store.append(
        new AppendRequest(
            "huge-1", STREAM_TYPE, 0, List.of(new NewEvent(UUID.randomUUID(), "Exploded", 1, payload, EventMetadata.EMPTY))));

    try (KafkaRelay relay = relay(store, prefix, meters).build().start()) {
      await().atMost(Duration.ofSeconds(30))
          .until(() -> relay.health().causes().stream().anyMatch(c -> c.code().equals("record-rejected")));
      assertThat(cause(relay, "record-rejected").message())
          .contains(
              "event Exploded of stream huge-1 version 1 at position " + appended.events().get(0).position(),
              "for topic " + prefix + STREAM_TYPE, "value 2000060 bytes", "RecordTooLargeException");
      assertThat(relay.health().status()).isEqualTo(Health.Status.DOWN);
      assertThat(relay.status().lastError()).contains("huge-1");
      assertThat(meters.get("cairn.relay.errors").counter().count()).isPositive();
    }
  }

  @Test
  void tooSmallMaxRequestSize_makesTheRelayFailed_namingTheValues_whileStartReturnsAndTheStoreServes() {
    JdbcEventStore store = migratedStore(pg.dataSource(), "checks_request");
    String prefix = kafka.name("request.");
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    appendRounds(store, "r-", 2, 1);

    try (KafkaRelay relay =
        relay(store, prefix, meters).kafkaSettings(Map.of("max.request.size", 1048576)).build().start()) {
      await().atMost(Duration.ofSeconds(30)).until(() -> relay.status().state() == State.FAILED);
      String recordBytes = Integer.toString(store.maxEventBytes() * 3 / 2 + 64 * 1024);
      assertThat(relay.status().lastError())
          .contains("max.request.size is 1048576", "events up to " + store.maxEventBytes() + " bytes", recordBytes);
      assertThat(relay.health().status()).isEqualTo(Health.Status.DOWN);
      assertThat(cause(relay, "record-size").message()).contains("1048576", recordBytes);
      assertThat(meters.get("cairn.relay.failed").gauge().value()).isEqualTo(1.0);
      assertThat(meters.get("cairn.health.status").tag("component", "relay " + relay.transactionalId()).gauge().value())
          .isEqualTo(2.0);

      appendRounds(store, "r-late-", 2, 1);
      assertThat(relay.status().position()).isEqualTo(dev.cairn.api.GlobalPosition.START);
      assertThat(relay.status().state()).isEqualTo(State.FAILED);
    }
  }

  @Test
  void positionTopicThatDeletes_makesTheRelayFailed_namingIt_andFixingItLetsTheRelayPublish() throws Exception {
    JdbcEventStore store = migratedStore(pg.dataSource(), "checks_position");
    String prefix = kafka.name("position.");
    String positionTopic = prefix + KafkaRelay.POSITION_TOPIC;
    try (Admin admin = kafka.admin()) {
      admin.createTopics(List.of(new NewTopic(positionTopic, 1, (short) 1)
          .configs(Map.of("cleanup.policy", "delete", "retention.ms", "604800000")))).all().get(30, TimeUnit.SECONDS);
    }
    appendRounds(store, "p-", 3, 2);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();

    try (KafkaRelay relay = relay(store, prefix, meters).build().start()) {
      await().atMost(Duration.ofSeconds(30)).until(() -> relay.status().state() == State.FAILED);
      assertThat(relay.status().lastError())
          .contains(positionTopic, "cleanup.policy=delete", "retention.ms=604800000");
      assertThat(cause(relay, "position-topic").status()).isEqualTo(Health.Status.DOWN);
      assertThat(kafka.topics()).doesNotContain(prefix + STREAM_TYPE);

      try (Admin admin = kafka.admin()) {
        ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, positionTopic);
        admin.incrementalAlterConfigs(Map.of(topic, List.of(
            new AlterConfigOp(new ConfigEntry("cleanup.policy", "compact"), AlterConfigOp.OpType.SET))))
            .all().get(30, TimeUnit.SECONDS);
      }
      await("the relay checks again and publishes")
          .atMost(Duration.ofSeconds(30))
          .until(() -> relay.status().position().equals(store.headPosition()));
      assertThat(relay.status().state()).isEqualTo(State.ACTIVE);
      assertThat(relay.health().status()).isEqualTo(Health.Status.UP);
      assertThat(meters.get("cairn.relay.failed").gauge().value()).isEqualTo(0.0);
    }
    assertExactlyOnceInOrder(readTopics(kafka.bootstrapServers(), List.of(prefix + STREAM_TYPE)), readAll(store));
  }

  @Test
  void existingEventTopicTooSmallForTheStoresLargestEvent_makesTheRelayFailed_namingTheThreeValues() throws Exception {
    JdbcEventStore store = migratedStore(pg.dataSource(), "checks_topic");
    String prefix = kafka.name("topic.");
    try (Admin admin = kafka.admin()) {
      admin.createTopics(List.of(new NewTopic(prefix + STREAM_TYPE, 1, (short) 1)
          .configs(Map.of("max.message.bytes", "1048588")))).all().get(30, TimeUnit.SECONDS);
    }
    appendRounds(store, "t-", 2, 1);

    try (KafkaRelay relay = relay(store, prefix, new SimpleMeterRegistry()).build().start()) {
      await().atMost(Duration.ofSeconds(30)).until(() -> relay.status().state() == State.FAILED);
      assertThat(relay.status().lastError())
          .contains(
              "events up to " + store.maxEventBytes() + " bytes",
              "max.request.size " + (store.maxEventBytes() * 3 / 2 + 64 * 1024),
              "topic " + prefix + STREAM_TYPE + " has max.message.bytes=1048588");
    }
  }
}
