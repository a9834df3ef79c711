package dev.cairn.projections;

import static dev.cairn.projections.Bank.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.api.GlobalPosition;
import dev.cairn.api.RecordedEvent;
import dev.cairn.bus.kafka.CairnRecords;
import dev.cairn.projections.Bank.Ledger;
import dev.cairn.projections.ProjectionCommand.Status;
import dev.cairn.projections.ProjectionCommand.Type;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.KafkaExtension;
import dev.cairn.testkit.PostgresExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A running Kafka-fed runner obeys the control table: pause (kept across a restart), resume, replay. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class KafkaControlTableTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();
  static final Duration WAIT = Duration.ofSeconds(60);

  @Test
  void kafkaRunner_pausesResumesAndReplays_asTheControlTableSays() {
    JdbcEventStore store = Bank.store(pg.dataSource());
    ProjectionManager manager = Bank.manager(store);
    ProjectionCommands commands = manager.commands();
    Ledger ledger = new Ledger(store);
    String topic = kafka.createTopic("control-accounts", 2);
    Projection balances = Bank.balances("balances", 1, false);
    manager.install(balances);
    publish(topic, ledger.fill("acc-", 6, 2));
    String view = manager.readModel(balances.spec()).view();
    Map<String, Object> config = kafka.consumerConfig("control-balances");
    KafkaProjectionRunner first = manager.kafkaRunner(balances, config, List.of(topic)).build();
    first.start();
    await().atMost(WAIT).untilAsserted(() -> Bank.assertFold(store, view, readAll(store, GlobalPosition.START)));

    commands.request("balances", null, Type.PAUSE, Map.of(), "ops");
    await().atMost(WAIT).until(() -> first.state() == RunnerState.PAUSED);
    List<RecordedEvent> before = readAll(store, GlobalPosition.START);
    publish(topic, ledger.fill("acc-", 6, 1));
    Bank.assertFold(store, view, before);
    first.stop();

    try (KafkaProjectionRunner second = manager.kafkaRunner(balances, config, List.of(topic)).build()) {
      second.start();
      await().atMost(WAIT).until(() -> second.state() == RunnerState.PAUSED);
      Bank.assertFold(store, view, before);
      commands.request("balances", null, Type.RESUME, Map.of(), "ops");
      await().atMost(WAIT).untilAsserted(() -> Bank.assertFold(store, view, readAll(store, GlobalPosition.START)));

      store.jdbi().useHandle(h -> h.execute("DELETE FROM " + manager.readModel(balances.spec()).table()));
      ProjectionCommand replay =
          commands.request("balances", 1, Type.REPLAY, Map.of("offsets", Map.of(topic + "-0", 0, topic + "-1", 0)), "ops");
      await().atMost(WAIT).until(() -> java.util.Set.of(Status.DONE, Status.FAILED).contains(commands.find(replay.id()).orElseThrow().status()));
      ProjectionCommand done = commands.find(replay.id()).orElseThrow();
      assertThat(done.status()).as(done.result()).isEqualTo(Status.DONE);
      assertThat(done.result()).startsWith("replaying from offsets");
      await().atMost(WAIT).untilAsserted(() -> Bank.assertFold(store, view, readAll(store, GlobalPosition.START)));

      ProjectionCommand position = commands.request("balances", 1, Type.REPLAY, Map.of("position", "1/1"), "ops");
      await().atMost(WAIT).until(() -> java.util.Set.of(Status.DONE, Status.FAILED).contains(commands.find(position.id()).orElseThrow().status()));
      assertThat(commands.find(position.id()).orElseThrow().result()).contains("not from a global position");
    }
  }

  private static void publish(String topic, List<RecordedEvent> events) {
    Map<String, Object> config = kafka.producerConfig();
    config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, kafka.name("tx-" + UUID.randomUUID()));
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config)) {
      producer.initTransactions();
      producer.beginTransaction();
      for (RecordedEvent e : events) {
        producer.send(CairnRecords.toRecord(topic, e, "cairn://test"));
      }
      producer.commitTransaction();
    }
  }
}
