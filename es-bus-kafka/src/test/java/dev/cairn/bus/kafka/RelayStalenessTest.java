package dev.cairn.bus.kafka;

import static dev.cairn.bus.kafka.RelayTestSupport.appendRounds;
import static dev.cairn.bus.kafka.RelayTestSupport.migratedStore;
import static dev.cairn.bus.kafka.RelayTestSupport.relayBuilder;
import static dev.cairn.bus.kafka.RelayTestSupport.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.api.Health;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.KafkaExtension;
import dev.cairn.testkit.PostgresExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A relay measures how late it is in time, counting events the global-order fence holds back. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RelayStalenessTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();

  @Test
  void eventsHeldAboveTheFence_makeTheRelayStale_andDegradedPastTheBound_untilTheyArePublished() {
    JdbcEventStore store = migratedStore(pg.dataSource(), "staleness");
    String prefix = kafka.name("stale.");
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    appendRounds(store, "s-", 3, 1);
    try (KafkaRelay relay =
        relayBuilder(store, kafka.bootstrapServers(), prefix)
            .pollInterval(Duration.ofMillis(100))
            .stalenessBound(Duration.ofMillis(500))
            .meterRegistry(meters)
            .build()
            .start()) {
      KafkaRelayTest.awaitCaughtUp(relay, store);
      await().atMost(Duration.ofSeconds(10)).until(() -> Duration.ZERO.equals(relay.status().staleness()));
      assertThat(relay.health().status()).isEqualTo(Health.Status.UP);

      try (Handle open = pg.jdbi().open()) {
        // An appender that stays open holds the fence below the event committed after it.
        open.setTransactionIsolationLevel(TransactionIsolationLevel.REPEATABLE_READ);
        open.begin();
        store.append(open, request("held-open", 0, 1));
        store.append(request("held-behind", 0, 1));

        await("the waiting event makes the relay stale, then degraded")
            .atMost(Duration.ofSeconds(20))
            .pollInterval(Duration.ofMillis(50))
            .until(() -> relay.health().status() == Health.Status.DEGRADED);
        assertThat(relay.health().causes()).singleElement().satisfies(c -> {
          assertThat(c.code()).isEqualTo("stale");
          assertThat(c.message()).contains("bound 0.5 s");
        });
        assertThat(relay.status().staleness()).isGreaterThan(Duration.ofMillis(500));
        assertThat(meters.get("cairn.relay.staleness.seconds").gauge().value()).isGreaterThan(0.5);
        assertThat(meters.get("cairn.relay.events.behind").gauge().value()).as("counts see nothing").isZero();
        open.rollback();
      }
      await("published, the relay is fresh and up again")
          .atMost(Duration.ofSeconds(20))
          .until(() -> Duration.ZERO.equals(relay.status().staleness()) && relay.health().isUp());
      assertThat(meters.get("cairn.relay.staleness.seconds").gauge().value()).isZero();
    }
  }
}
