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

  /** Accounts per parity of their event count: every event moves an account to the other group. */
  record Totals(long accounts, long balance) {
    static final StreamsProjection.Grouping<Balance, Totals> BY_PARITY =
        new StreamsProjection.Grouping<>(
            "by-parity", Totals.class, b -> b.events() % 2 == 0 ? "even" : "odd", () -> new Totals(0, 0),
            (t, b) -> new Totals(t.accounts() + 1, t.balance() + b.balance()),
            (t, b) -> new Totals(t.accounts() - 1, t.balance() - b.balance()));
  }

  @TempDir Path stateDir;

  @Test
  void streamsProjection_agreesWithAJdbcProjectionOverTheSameEvents_andAResetRebuildsIt() throws Exception {
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
                .groupedBy(Totals.BY_PARITY)
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

      // Each account changed group with every event; the groups hold only where they ended.
      await()
          .atMost(WAIT)
          .ignoreExceptions()
          .untilAsserted(
              () -> {
                assertThat(streams.group(Totals.BY_PARITY, "odd")).hasValue(byParity(expected, 1));
                assertThat(streams.group(Totals.BY_PARITY, "even")).hasValue(byParity(expected, 0));
              });
      assertThat(streams.group(Totals.BY_PARITY, "none")).isEmpty();
      // A grouping is known by its name and type, whatever lambdas a caller builds it with.
      var sameGrouping =
          new StreamsProjection.Grouping<Balance, Totals>(
              "by-parity", Totals.class, b -> null, () -> null, (t, b) -> t, (t, b) -> t);
      assertThat(streams.group(sameGrouping, "even")).hasValue(byParity(expected, 0));

      // Another application whose id starts with this one's keeps its internal topics.
      String neighbour = kafka.createTopic("streams-balances-v2-streams-balances-v2-state-changelog", 1);
      streams.reset();
      try (var admin = kafka.admin()) {
        assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains(neighbour);
      }
      await()
          .atMost(WAIT)
          .ignoreExceptions()
          .untilAsserted(() -> assertThat(asRows(streams.all())).isEqualTo(expected));
      await()
          .atMost(WAIT)
          .ignoreExceptions()
          .untilAsserted(() -> assertThat(streams.group(Totals.BY_PARITY, "even")).hasValue(byParity(expected, 0)));
    }
  }

  @Test
  void group_refusesAGroupingTheProjectionWasNotBuiltWith_andBuilderRefusesBadOrDuplicateNames() {
    StreamsProjection<Balance> plain =
        StreamsProjection.builder("plain", "t", Bank.SERIALIZER, Balance.class, () -> Balance.ZERO, (s, e) -> s)
            .config(Map.of(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1"))
            .build();
    assertThatThrownBy(() -> plain.group(Totals.BY_PARITY, "odd"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("by-parity");
    assertThatThrownBy(
            () -> new StreamsProjection.Grouping<Balance, Totals>(
                "By Parity", Totals.class, b -> "x", () -> null, (t, b) -> t, (t, b) -> t))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("By Parity");
    assertThatThrownBy(
            () -> StreamsProjection.builder("twice", "t", Bank.SERIALIZER, Balance.class, () -> Balance.ZERO, (s, e) -> s)
                .groupedBy(Totals.BY_PARITY)
                .groupedBy(Totals.BY_PARITY))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("by-parity");
  }

  @Test
  void builder_refusesAnApplicationIdKafkaWouldRefuse() {
    assertThatThrownBy(
            () -> StreamsProjection.builder("bad id!", "t", Bank.SERIALIZER, Balance.class, () -> Balance.ZERO, (s, e) -> s))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bad id!");
  }

  private static Totals byParity(Map<String, Row> rows, int parity) {
    long accounts = 0;
    long balance = 0;
    for (Row r : rows.values()) {
      if (r.events() % 2 == parity) {
        accounts++;
        balance += r.balance();
      }
    }
    return new Totals(accounts, balance);
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
