package dev.cairn.projections;

import static dev.cairn.projections.Bank.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.api.GlobalPosition;
import dev.cairn.api.RecordedEvent;
import dev.cairn.bus.kafka.CairnRecords;
import dev.cairn.projections.Bank.Ledger;
import dev.cairn.projections.Bank.Row;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.KafkaExtension;
import dev.cairn.testkit.PostgresExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StreamsProjectionTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();
  static final Duration WAIT = Duration.ofSeconds(60);

  /** The streams projection's state per account. */
  record Balance(long balance, long events) {
    static final Balance ZERO = new Balance(0, 0);

    Balance apply(Object event) {
      long amount =
          event instanceof Bank.Deposited d ? d.amount() : event instanceof Bank.Withdrawn w ? -w.amount() : 0;
      return new Balance(balance + amount, events + 1);
    }
  }

  @TempDir Path stateDir;

  @Test
  void streamsProjection_agreesWithAJdbcProjectionOverTheSameEvents_andAResetRebuildsIt() {
    JdbcEventStore store = Bank.store(pg.dataSource());
    ProjectionManager manager = Bank.manager(store);
    Ledger ledger = new Ledger(store);
    String topic = kafka.createTopic("accounts", 4);
    publish(topic, ledger.fill("acc-", 15, 6));
    publish(topic, List.of(ledger.append("acc-2", new Bank.Withdrawn(50)).get(0)));

    Projection balances = Bank.balances("balances", 1, false);
    manager.install(balances);
    Map<String, Object> consumer = kafka.consumerConfig("jdbc-balances");
    try (KafkaProjectionRunner runner = manager.kafkaRunner(balances, consumer, List.of(topic)).build();
        StreamsProjection<Balance> streams =
            StreamsProjection.builder(
                    kafka.name("streams-balances"), topic, Bank.SERIALIZER, Balance.class, () -> Balance.ZERO,
                    (state, e) -> state.apply(e.event()))
                .config(
                    Map.of(
                        StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                        StreamsConfig.STATE_DIR_CONFIG, stateDir.toString(),
                        StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100))
                .build()) {
      runner.start();
      streams.start();
      Map<String, Row> expected = Bank.fold(readAll(store, GlobalPosition.START));
      String view = manager.readModel(balances.spec()).view();
      await().atMost(WAIT).untilAsserted(() -> assertThat(Bank.read(store, view)).isEqualTo(expected));
      await()
          .atMost(WAIT)
          .ignoreExceptions()
          .untilAsserted(() -> assertThat(asRows(streams.all())).isEqualTo(Bank.read(store, view)));
      await()
          .atMost(WAIT)
          .ignoreExceptions()
          .untilAsserted(() -> assertThat(streams.get("acc-2")).hasValue(new Balance(expected.get("acc-2").balance(), 8)));

      streams.reset();
      await()
          .atMost(WAIT)
          .ignoreExceptions()
          .untilAsserted(() -> assertThat(asRows(streams.all())).isEqualTo(expected));
    }
  }

  @Test
  void builder_refusesAnApplicationIdKafkaWouldRefuse() {
    assertThatThrownBy(
            () -> StreamsProjection.builder("bad id!", "t", Bank.SERIALIZER, Balance.class, () -> Balance.ZERO, (s, e) -> s))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bad id!");
  }

  private static Map<String, Row> asRows(Map<String, Balance> states) {
    Map<String, Row> rows = new java.util.TreeMap<>();
    states.forEach((k, v) -> rows.put(k, new Row(v.balance(), v.events())));
    return rows;
  }

  private static void publish(String topic, List<RecordedEvent> events) {
    Map<String, Object> config = kafka.producerConfig();
    config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, kafka.name("tx-" + UUID.randomUUID()));
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config)) {
      producer.initTransactions();
      producer.beginTransaction();
      events.forEach(e -> producer.send(CairnRecords.toRecord(topic, e, "cairn://test")));
      producer.commitTransaction();
    }
  }
}
