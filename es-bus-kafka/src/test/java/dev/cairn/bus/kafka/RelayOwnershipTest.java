package dev.cairn.bus.kafka;

import static dev.cairn.bus.kafka.RelayTestSupport.STREAM_TYPE;
import static dev.cairn.bus.kafka.RelayTestSupport.appendRounds;
import static dev.cairn.bus.kafka.RelayTestSupport.assertExactlyOnceInOrder;
import static dev.cairn.bus.kafka.RelayTestSupport.migratedStore;
import static dev.cairn.bus.kafka.RelayTestSupport.readAll;
import static dev.cairn.bus.kafka.RelayTestSupport.readTopics;
import static dev.cairn.bus.kafka.RelayTestSupport.relayBuilder;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.api.Health;
import dev.cairn.bus.kafka.RelayStatus.State;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.KafkaExtension;
import dev.cairn.testkit.PostgresExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The store records which transactional id publishes it, so another id cannot escape fencing. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RelayOwnershipTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();

  private KafkaRelayBuilder relay(JdbcEventStore store, String prefix, String transactionalId) {
    return relayBuilder(store, kafka.bootstrapServers(), prefix)
        .transactionalId(transactionalId)
        .pollInterval(Duration.ofMillis(100))
        .maxBackoff(Duration.ofMillis(500));
  }

  @Test
  void relayWithAnotherTransactionalId_isFailed_unlessItNamesTheIdItReplaces_andThenPublishesNothingTwice() {
    JdbcEventStore store = migratedStore(pg.dataSource(), "ownership");
    String prefix = kafka.name("owned.");
    String first = prefix + "first";
    String second = prefix + "second";
    appendRounds(store, "o-", 3, 2);
    try (KafkaRelay relay = relay(store, prefix, first).build().start()) {
      KafkaRelayTest.awaitCaughtUp(relay, store);
    }

    appendRounds(store, "o-more-", 2, 1);
    try (KafkaRelay other = relay(store, prefix, second).build().start()) {
      await().atMost(Duration.ofSeconds(30)).until(() -> other.status().state() == State.FAILED);
      assertThat(other.status().lastError())
          .contains("[transactional-id]", "under transactional id " + first, "configured with " + second,
              "replacesTransactionalId(\"" + first + "\")");
      assertThat(other.health().causes()).extracting(Health.Cause::code).containsExactly("transactional-id");
    }

    try (KafkaRelay successor = relay(store, prefix, second).replacesTransactionalId(first).build().start()) {
      KafkaRelayTest.awaitCaughtUp(successor, store);
      assertThat(successor.health().isUp()).isTrue();
    }
    try (KafkaRelay former = relay(store, prefix, first).build().start()) {
      await().atMost(Duration.ofSeconds(30)).until(() -> former.status().state() == State.FAILED);
      assertThat(former.status().lastError()).contains("under transactional id " + second);
    }
    assertExactlyOnceInOrder(readTopics(kafka.bootstrapServers(), List.of(prefix + STREAM_TYPE)), readAll(store));
  }

  @Test
  void replacesTransactionalId_rejectsBlankAndASecondCall() {
    JdbcEventStore store = migratedStore(pg.dataSource(), "ownership_builder");
    KafkaRelayBuilder builder = KafkaRelay.builder(store).replacesTransactionalId("old");
    assertThatThrownBy(() -> builder.replacesTransactionalId("older"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("replaced transactional id was already set to old");
    assertThatThrownBy(() -> KafkaRelay.builder(store).replacesTransactionalId(" "))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
