package dev.cairn.bus.kafka;

import static dev.cairn.bus.kafka.RelayTestSupport.STREAM_TYPE;
import static dev.cairn.bus.kafka.RelayTestSupport.appendRounds;
import static dev.cairn.bus.kafka.RelayTestSupport.assertExactlyOnceInOrder;
import static dev.cairn.bus.kafka.RelayTestSupport.migratedStore;
import static dev.cairn.bus.kafka.RelayTestSupport.readAll;
import static dev.cairn.bus.kafka.RelayTestSupport.readTopics;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.api.Health;
import dev.cairn.bus.kafka.RelayStatus.State;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.KafkaProcess;
import dev.cairn.testkit.KafkaServer;
import dev.cairn.testkit.PostgresExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A relay tells the truth while its broker is gone, with Kafka's default producer timeouts (60 s
 * max.block.ms, 120 s delivery.timeout.ms), during which its producer blocks without a word.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class RelayOutageTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();

  @TempDir Path dir;

  private static KafkaRelayBuilder relay(JdbcEventStore store, KafkaProcess broker, SimpleMeterRegistry meters) {
    return KafkaRelay.builder(store)
        .kafkaSettings(Map.of("bootstrap.servers", broker.bootstrapServers(), "reconnect.backoff.max.ms", 500))
        .partitions(2)
        .replicationFactor(1)
        .pollInterval(Duration.ofMillis(200))
        .maxBackoff(Duration.ofSeconds(1))
        .stalenessBound(Duration.ofMinutes(10))
        .meterRegistry(meters);
  }

  private static double errors(SimpleMeterRegistry meters) {
    return meters.get("cairn.relay.errors").counter().count();
  }

  private static void awaitDownNamingKafka(KafkaRelay relay, KafkaProcess broker) {
    await("health DOWN naming Kafka")
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> relay.health().causes().stream().anyMatch(c -> c.code().equals("kafka-unreachable")));
    Health health = relay.health();
    assertThat(health.status()).isEqualTo(Health.Status.DOWN);
    assertThat(health.causes())
        .filteredOn(c -> c.code().equals("kafka-unreachable"))
        .singleElement()
        .satisfies(c -> assertThat(c.message()).contains("Kafka at " + broker.bootstrapServers() + " does not answer"));
    assertThat(relay.status().lastError()).contains("Kafka at " + broker.bootstrapServers());
  }

  @Test
  void brokerKilled_healthGoesDownNamingKafkaWithinSeconds_thenUpAfterRestart_andEveryEventIsPublishedOnce() {
    JdbcEventStore store = migratedStore(pg.dataSource(), "outage_kill");
    appendRounds(store, "k-", 10, 2);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (KafkaProcess broker = KafkaServer.childProcess(dir.resolve("broker"));
        KafkaRelay relay = relay(store, broker, meters).build().start()) {
      KafkaRelayTest.awaitCaughtUp(relay, store);
      // Kafka 4.3 can drop the markers of a transaction committed just before a single node dies
      // (see BrokerRestartTest): this test is about the outage, so it lets them land first.
      BrokerRestartTest.awaitStable(broker.bootstrapServers(), List.of(STREAM_TYPE, relay.positionTopic()));
      assertThat(relay.health().status()).isEqualTo(Health.Status.UP);
      assertThat(errors(meters)).isZero();

      broker.kill();
      appendRounds(store, "k-down-", 10, 2);

      awaitDownNamingKafka(relay, broker);
      assertThat(errors(meters)).as("errors counted during the outage").isPositive();
      assertThat(relay.status().state()).isEqualTo(State.ACTIVE);
      await("staleness counts the waiting events")
          .atMost(Duration.ofSeconds(10))
          .until(() -> relay.status().staleness() != null && relay.status().staleness().toMillis() > 0);
      assertThat(meters.get("cairn.relay.staleness.seconds").gauge().value()).isPositive();

      broker.restart();
      appendRounds(store, "k-after-", 10, 1);
      await("relay reaches the store's head after the restart")
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> relay.status().position().equals(store.headPosition()));
      await("health UP again by itself")
          .atMost(Duration.ofSeconds(30))
          .until(() -> relay.health().isUp() && relay.status().lastError() == null);
      await().atMost(Duration.ofSeconds(10)).until(() -> Duration.ZERO.equals(relay.status().staleness()));
      assertExactlyOnceInOrder(readTopics(broker.bootstrapServers(), List.of(STREAM_TYPE)), readAll(store));
    }
  }

  @Test
  void startedWhileKafkaIsDown_startReturns_reportsKafkaUnreachable_thenPublishesWhenTheBrokerAppears() {
    JdbcEventStore store = migratedStore(pg.dataSource(), "outage_start");
    appendRounds(store, "s-", 5, 2);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (KafkaProcess broker = KafkaServer.childProcess(dir.resolve("broker"))) {
      broker.kill();
      try (KafkaRelay relay = relay(store, broker, meters).build().start()) {
        awaitDownNamingKafka(relay, broker);
        assertThat(errors(meters)).isPositive();
        assertThat(relay.status().staleness()).isPositive();

        broker.restart();
        await("relay publishes once the broker appears")
            .atMost(Duration.ofSeconds(120))
            .pollInterval(Duration.ofMillis(50))
            .until(() -> relay.status().position().equals(store.headPosition()));
        await("health UP again by itself").atMost(Duration.ofSeconds(30)).until(() -> relay.health().isUp());
        assertThat(relay.status().state()).isEqualTo(State.ACTIVE);
      }
      assertExactlyOnceInOrder(readTopics(broker.bootstrapServers(), List.of(STREAM_TYPE)), readAll(store));
    }
  }
}
