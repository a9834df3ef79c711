package dev.cairn.bus.kafka;

import static dev.cairn.bus.kafka.RelayTestSupport.migratedStore;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.bus.kafka.RelayStatus.State;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.PostgresExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RelayConfigurationTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource({
    "enable.idempotence, false",
    "acks, 1",
    "acks, 0",
    "max.in.flight.requests.per.connection, 6",
    "transactional.id, someone-else",
    "transaction.timeout.ms, soon",
    "transaction.timeout.ms, 0",
  })
  void kafkaSettings_thatBreakTheGuarantees_areRejectedByName(String key, String value) {
    JdbcEventStore store = migratedStore(pg.dataSource(), "config_reject");
    KafkaRelayBuilder builder = KafkaRelay.builder(store).transactionalId("relay-1");

    assertThatThrownBy(() -> builder.kafkaSettings(Map.of(key, value)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(key + "=" + value);
  }

  @Test
  void transactionalIdInSettings_differingFromTheDefault_isRejectedAtBuild() {
    JdbcEventStore store = migratedStore(pg.dataSource(), "config_default_id");
    KafkaRelayBuilder builder =
        KafkaRelay.builder(store).kafkaSettings(Map.of("bootstrap.servers", "x:1", "transactional.id", "other"));

    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("transactional.id=other")
        .hasMessageContaining("cairn-relay-config_default_id");
  }

  @Test
  void settingsThatKeepTheGuarantees_areAccepted_andPassedThrough() {
    JdbcEventStore store = migratedStore(pg.dataSource(), "config_accept");
    KafkaRelay relay =
        KafkaRelay.builder(store)
            .kafkaSettings(
                Map.of(
                    "bootstrap.servers", "x:1", "acks", "-1", "enable.idempotence", "true",
                    "max.in.flight.requests.per.connection", 5, "transactional.id", "cairn-relay-config_accept",
                    "compression.type", "lz4", "security.protocol", "PLAINTEXT"))
            .build();

    assertThat(relay.producerSettings)
        .containsEntry("acks", "all")
        .containsEntry("enable.idempotence", true)
        .containsEntry("transactional.id", "cairn-relay-config_accept")
        .containsEntry("compression.type", "lz4")
        .containsEntry("security.protocol", "PLAINTEXT");
    assertThat(relay.status().state()).isEqualTo(State.STOPPED);
    assertThat(relay.transactionTimeout).as("Kafka's default").isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void transactionTimeout_isReadFromTheSettings_asTextOrNumber() {
    JdbcEventStore store = migratedStore(pg.dataSource(), "config_txn_timeout");

    assertThat(
            KafkaRelay.builder(store).kafkaSettings(Map.of("bootstrap.servers", "x:1", "transaction.timeout.ms", 20000))
                .build().transactionTimeout)
        .isEqualTo(Duration.ofSeconds(20));
    assertThat(
            KafkaRelay.builder(store).kafkaSettings(Map.of("bootstrap.servers", "x:1", "transaction.timeout.ms", "15000"))
                .build().transactionTimeout)
        .isEqualTo(Duration.ofSeconds(15));
  }

  @Test
  void builder_withoutBootstrapServers_isRejected() {
    JdbcEventStore store = migratedStore(pg.dataSource(), "config_nobootstrap");

    assertThatThrownBy(() -> KafkaRelay.builder(store).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bootstrap.servers");
    assertThatThrownBy(() -> KafkaRelay.builder(store).batchSize(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("batch size must be > 0 but was 0");
  }

  static Stream<Arguments> everySetter() {
    return Stream.of(
        setter("topic prefix", b -> b.topicPrefix("shop.")),
        setter("partitions", b -> b.partitions(3)),
        setter("replication factor", b -> b.replicationFactor(1)),
        setter("retention", b -> b.retention(Duration.ofDays(7))),
        setter("batch size", b -> b.batchSize(100)),
        setter("poll interval", b -> b.pollInterval(Duration.ofMillis(250))),
        setter("max backoff", b -> b.maxBackoff(Duration.ofSeconds(5))),
        setter("transactional id", b -> b.transactionalId("relay-a")),
        setter("replaced transactional id", b -> b.replacesTransactionalId("relay-old")),
        setter("source", b -> b.source("cairn://shop")),
        setter("meter registry", b -> b.meterRegistry(new SimpleMeterRegistry())),
        setter("listen for notifications", b -> b.listenForNotifications(true)),
        setter("staleness bound", b -> b.stalenessBound(Duration.ofSeconds(10))),
        setter("OpenTelemetry", b -> b.openTelemetry(io.opentelemetry.api.OpenTelemetry.noop())),
        setter("read-ahead", b -> b.readAhead(false)),
        setter("relay linger", b -> b.linger(Duration.ofMillis(5))),
        setter("topic router", b -> b.topicRouter(TopicRouter.byStreamType("x."))),
        setter("Kafka setting linger.ms", b -> b.kafkaSettings(Map.of("linger.ms", 5))));
  }

  private static Arguments setter(String name, Consumer<KafkaRelayBuilder> call) {
    return Arguments.of(name, call);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("everySetter")
  void everySetter_calledTwice_isRefusedNamingTheSettingAndItsFirstValue(String name, Consumer<KafkaRelayBuilder> call) {
    KafkaRelayBuilder builder = KafkaRelay.builder(migratedStore(pg.dataSource(), "config_twice"));
    call.accept(builder);

    assertThatThrownBy(() -> call.accept(builder))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith(name + " was already set to ");
  }

  @Test
  void kafkaSettings_aRefusedCall_addsNoneOfItsSettings() {
    JdbcEventStore store = migratedStore(pg.dataSource(), "config_refused_adds_none");
    KafkaRelayBuilder builder = KafkaRelay.builder(store).kafkaSettings(Map.of("bootstrap.servers", "x:1"));

    assertThatThrownBy(() -> builder.kafkaSettings(Map.of("compression.type", "lz4", "bootstrap.servers", "y:2")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("Kafka setting bootstrap.servers was already set to x:1");

    assertThat(builder.build().producerSettings)
        .containsEntry("bootstrap.servers", "x:1")
        .doesNotContainKey("compression.type");
  }

  @Test
  void unreachableBroker_givesAClearLastError_andRetriesWithBackoff_notInAHotLoop() {
    JdbcEventStore store = migratedStore(pg.dataSource(), "unreachable");
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (KafkaRelay relay =
        KafkaRelay.builder(store)
            .kafkaSettings(Map.of("bootstrap.servers", "127.0.0.1:1", "max.block.ms", 300))
            .meterRegistry(meters)
            .maxBackoff(Duration.ofSeconds(2))
            .build()
            .start()) {
      await().atMost(Duration.ofSeconds(30)).until(() -> relay.status().lastError() != null);
      assertThat(relay.status().state()).isEqualTo(State.ACTIVE);
      assertThat(relay.status().lastError())
          .contains("relay cairn-relay-unreachable")
          .containsIgnoringCase("timeout");

      // Each attempt blocks for at least 300 ms (max.block.ms) and the pauses between attempts
      // double from 100 ms: a relay that retried in a hot loop would fail thousands of times.
      double errorsBefore = errors(meters);
      long startNanos = System.nanoTime();
      await().atMost(Duration.ofSeconds(60)).until(() -> System.nanoTime() - startNanos >= 4_000_000_000L);
      double seconds = (System.nanoTime() - startNanos) / 1e9;
      assertThat(errors(meters) - errorsBefore)
          .as("failed attempts in %.1f s", seconds)
          .isBetween(1.0, 2 + seconds / 0.3);
    }
  }

  private static double errors(SimpleMeterRegistry meters) {
    return meters.get("cairn.relay.errors").counter().count();
  }
}
