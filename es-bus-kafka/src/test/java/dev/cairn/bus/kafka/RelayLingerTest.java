package dev.cairn.bus.kafka;

import static dev.cairn.bus.kafka.RelayTestSupport.assertExactlyOnceInOrder;
import static dev.cairn.bus.kafka.RelayTestSupport.migratedStore;
import static dev.cairn.bus.kafka.RelayTestSupport.readAll;
import static dev.cairn.bus.kafka.RelayTestSupport.readTopics;
import static dev.cairn.bus.kafka.RelayTestSupport.relayBuilder;
import static dev.cairn.bus.kafka.RelayTestSupport.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.KafkaExtension;
import dev.cairn.testkit.PostgresExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A relay with a linger waits after a short batch, so what comes meanwhile goes in one transaction. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RelayLingerTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();

  private static final Duration LINGER = Duration.ofSeconds(1);

  @Test
  void afterAShortBatch_theRelayWaitsItsLinger_andPublishesWhatCameMeanwhileInOneTransaction() {
    JdbcEventStore store = migratedStore(pg.dataSource(), "linger");
    String prefix = kafka.name("linger.");
    store.append(request("a", 0, 1));
    AtomicInteger commits = new AtomicInteger();
    AtomicInteger sends = new AtomicInteger();
    AtomicLong firstCommitAt = new AtomicLong();
    AtomicLong secondSendsAt = new AtomicLong();
    AtomicReference<Throwable> hookFailure = new AtomicReference<>();
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (KafkaRelay relay =
        relayBuilder(store, kafka.bootstrapServers(), prefix)
            .transactionalId(kafka.name("linger-relay"))
            .partitions(2)
            .meterRegistry(meters)
            .linger(LINGER)
            .afterKafkaCommit(() -> {
              if (commits.incrementAndGet() != 1) {
                return;
              }
              // The first batch (one event, short of full) has committed: three appends follow,
              // each waking the relay, before its linger begins.
              try {
                firstCommitAt.set(System.nanoTime());
                store.append(request("b", 0, 1));
                store.append(request("c", 0, 1));
                store.append(request("a", 1, 1));
              } catch (Throwable t) {
                hookFailure.set(t);
              }
            })
            .afterSends(() -> {
              if (sends.incrementAndGet() == 2) {
                secondSendsAt.set(System.nanoTime());
              }
            })
            .build()
            .start()) {
      await("every event published")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> relay.status().position().equals(store.headPosition()));
      assertThat(hookFailure.get()).isNull();
      assertThat(Duration.ofNanos(secondSendsAt.get() - firstCommitAt.get()))
          .as("from the first commit until the next batch was sent: the woken relay lingered")
          .isGreaterThanOrEqualTo(LINGER);
      assertThat(meters.get("cairn.relay.batch.size").summary().count()).as("Kafka transactions").isEqualTo(2);
      assertThat(meters.get("cairn.relay.events.published").counter().count()).isEqualTo(4);
    }
    assertExactlyOnceInOrder(readTopics(kafka.bootstrapServers(), List.of(prefix + "account")), readAll(store));
  }

  @Test
  void linger_outsideZeroToOneSecond_isRejected_namingTheValue() {
    KafkaRelayBuilder builder = KafkaRelay.builder(migratedStore(pg.dataSource(), "linger_checks"));

    assertThatThrownBy(() -> builder.linger(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("relay linger must be between 0 and 1 s but was PT-0.001S");
    assertThatThrownBy(() -> builder.linger(Duration.ofMillis(1001)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("relay linger must be between 0 and 1 s but was PT1.001S");
    assertThatThrownBy(() -> builder.linger(null)).isInstanceOf(NullPointerException.class);
    assertThat(builder.linger(Duration.ZERO)).isSameAs(builder);
  }

  @Test
  void linger_withReadAhead_isRejectedAtBuild_namingBoth() {
    JdbcEventStore store = migratedStore(pg.dataSource(), "linger_ahead");
    String prefix = kafka.name("linger-ahead.");
    KafkaRelayBuilder builder =
        relayBuilder(store, kafka.bootstrapServers(), prefix).readAhead(true).linger(Duration.ofMillis(5));

    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("relay linger must be 0 with readAhead(true)")
        .hasMessageContaining("PT0.005S");
    assertThat(relayBuilder(store, kafka.bootstrapServers(), prefix).readAhead(true).linger(Duration.ZERO).build())
        .isNotNull();
  }
}
