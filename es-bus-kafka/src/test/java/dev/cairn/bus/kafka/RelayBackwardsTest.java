package dev.cairn.bus.kafka;

import static dev.cairn.bus.kafka.RelayTestSupport.appendRounds;
import static dev.cairn.bus.kafka.RelayTestSupport.migratedStore;
import static dev.cairn.bus.kafka.RelayTestSupport.relayBuilder;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.api.Health;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.KafkaExtension;
import dev.cairn.testkit.PostgresExtension;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * After the database went back in time (here: the newest events removed, as a restore from an
 * older backup leaves it), the relay's position in Kafka lies beyond the store. It goes FAILED
 * naming the values instead of stalling silently above every new event.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RelayBackwardsTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();

  @Test
  void positionBeyondARestoredStore_relayGoesFailedNamingIt_andStartDoesNotThrow() {
    JdbcEventStore store = migratedStore(pg.dataSource(), "backwards");
    String prefix = kafka.name("back.");
    java.util.function.Supplier<KafkaRelayBuilder> builder =
        () -> relayBuilder(store, kafka.bootstrapServers(), prefix)
            .pollInterval(Duration.ofMillis(100))
            .maxBackoff(Duration.ofMillis(500));
    appendRounds(store, "b-", 3, 2);
    long restorePoint = store.headPosition().position();
    appendRounds(store, "c-", 3, 2);
    try (KafkaRelay relay = builder.get().build().start()) {
      KafkaRelayTest.awaitCaughtUp(relay, store);
    }

    // The restore: the events after the backup's point are gone, the identity goes back with them.
    pg.jdbi().useHandle(h -> {
      h.execute("DELETE FROM backwards.events WHERE global_position > " + restorePoint);
      h.execute("DELETE FROM backwards.streams WHERE stream_id LIKE 'c-%'");
      h.execute("SELECT setval(pg_get_serial_sequence('backwards.events', 'global_position'), " + restorePoint + ")");
    });

    try (KafkaRelay relay = builder.get().build().start()) {
      await("FAILED, naming the backwards transaction ids")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> relay.status().state() == RelayStatus.State.FAILED);
      assertThat(relay.status().lastError())
          .contains("transaction ids went backwards")
          .contains("last event is " + restorePoint);
      assertThat(relay.health().status()).isEqualTo(Health.Status.DOWN);
      assertThat(relay.health().causes()).anySatisfy(c -> assertThat(c.code()).isEqualTo("transaction-ids-backwards"));
    }
  }
}
