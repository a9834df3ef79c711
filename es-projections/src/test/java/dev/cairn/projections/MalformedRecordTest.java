package dev.cairn.projections;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.api.RecordedEvent;
import dev.cairn.bus.kafka.CairnRecords;
import dev.cairn.projections.Bank.Ledger;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.KafkaExtension;
import dev.cairn.testkit.PostgresExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Defect 11: a record not in Cairn's format is parked with its raw bytes, not skipped with a log line. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MalformedRecordTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();
  static final Duration WAIT = Duration.ofSeconds(60);
  static final AtomicInteger NAMES = new AtomicInteger();
  static final byte[] JUNK = "{\"not\": \"a cairn record\"}".getBytes(StandardCharsets.UTF_8);

  JdbcEventStore store;
  ProjectionManager manager;
  Ledger ledger;
  String topic;

  @BeforeEach
  void setUp() {
    store = Bank.store(pg.dataSource());
    manager = Bank.manager(store);
    ledger = new Ledger(store);
    topic = kafka.createTopic("malformed-" + NAMES.incrementAndGet(), 1);
  }

  /** Publishes records in one Kafka transaction, in order, to the topic's only partition. */
  void publish(List<ProducerRecord<String, byte[]>> records) {
    Map<String, Object> config = kafka.producerConfig();
    config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, kafka.name("tx-" + UUID.randomUUID()));
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config)) {
      producer.initTransactions();
      producer.beginTransaction();
      records.forEach(producer::send);
      producer.commitTransaction();
    }
  }

  List<ProducerRecord<String, byte[]>> records(List<RecordedEvent> events) {
    return events.stream().map(e -> CairnRecords.toRecord(topic, e, "cairn://test")).toList();
  }

  void awaitFold(Projection p, List<RecordedEvent> events) {
    String view = manager.readModel(p.spec()).view();
    await().atMost(WAIT).untilAsserted(() -> assertThat(Bank.read(store, view)).isEqualTo(Bank.fold(events)));
  }

  @Test
  void recordNotInCairnsFormat_isParkedWithItsRawBytes_thePartitionGoesOn_andRetryFailsAgainWhileSkipResolvesIt() {
    Projection balances = Bank.balances("balances", 1, false);
    manager.install(balances);
    List<RecordedEvent> before = ledger.fill("acc-", 2, 2);
    List<RecordedEvent> after = ledger.fill("acc-", 2, 2);
    ProducerRecord<String, byte[]> junk = new ProducerRecord<>(topic, 0, "some-key", JUNK);
    junk.headers().add("origin", "legacy-system".getBytes(StandardCharsets.UTF_8));
    junk.headers().add("empty", null);
    List<ProducerRecord<String, byte[]>> records = new ArrayList<>(records(before));
    records.add(junk);
    records.addAll(records(after));
    publish(records);

    Map<String, Object> config = kafka.consumerConfig("balances-" + topic);
    try (KafkaProjectionRunner runner = manager.kafkaRunner(balances, config, List.of(topic)).maxBatchRecords(4).build()) {
      runner.start();
      List<RecordedEvent> all = new ArrayList<>(before);
      all.addAll(after);
      // Nothing after the record is skipped.
      awaitFold(balances, all);

      List<ParkedEvent> parked = manager.deadLetters().list(balances.spec());
      assertThat(parked).hasSize(1);
      ParkedEvent p = parked.get(0);
      assertThat(p.status()).isEqualTo("PARKED");
      assertThat(p.event()).isNull();
      assertThat(p.topic()).isEqualTo(topic);
      assertThat(p.partition()).isZero();
      assertThat(p.offset()).isEqualTo(before.size());
      assertThat(p.error()).contains(CairnRecords.CE_ID);
      assertThat(p.attempts()).isEqualTo(1);
      assertThat(p.raw().key()).isEqualTo("some-key");
      assertThat(p.raw().value()).isEqualTo(JUNK);
      assertThat(p.raw().headers()).hasSize(2);
      assertThat(p.raw().headers().get(0).key()).isEqualTo("origin");
      assertThat(p.raw().headers().get(0).value()).isEqualTo("legacy-system".getBytes(StandardCharsets.UTF_8));
      assertThat(p.raw().headers().get(1).key()).isEqualTo("empty");
      assertThat(p.raw().headers().get(1).value()).isNull();
      await().atMost(WAIT).untilAsserted(() -> assertThat(runner.status().parked()).isEqualTo(1));

      // The partition did not stall: later records are applied.
      List<RecordedEvent> later = ledger.fill("acc-", 2, 1);
      publish(records(later));
      all.addAll(later);
      awaitFold(balances, all);

      // A retry reads the record again; it is still not Cairn's, so it stays parked, its attempt counted.
      assertThatThrownBy(() -> manager.deadLetters().retry(balances, p.id()))
          .isInstanceOf(ProjectionException.class)
          .hasMessageContaining("failed again");
      assertThat(manager.deadLetters().list(balances.spec()))
          .singleElement()
          .satisfies(again -> {
            assertThat(again.status()).isEqualTo("PARKED");
            assertThat(again.attempts()).isEqualTo(2);
          });

      manager.deadLetters().skip(balances, p.id());
      assertThat(manager.deadLetters().count(balances.spec())).isZero();
      Bank.assertFold(store, manager.readModel(balances.spec()).view(), all);
    }
  }

  @Test
  void recordWithACeTimeHeaderWithoutValue_isParked_andNothingAroundItIsSkipped() {
    Projection balances = Bank.balances("balances", 1, false);
    manager.install(balances);
    List<RecordedEvent> events = ledger.fill("acc-", 2, 2);
    // Kafka allows a header without a value. The runner reads the ce_time of the first record it
    // polls from a partition (its staleness) before it learns that the record is not Cairn's.
    ProducerRecord<String, byte[]> junk = new ProducerRecord<>(topic, 0, "some-key", JUNK);
    junk.headers().add(CairnRecords.CE_TIME, null);
    List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
    records.add(junk);
    records.addAll(records(events));
    publish(records);

    Map<String, Object> config = kafka.consumerConfig("balances-" + topic);
    try (KafkaProjectionRunner runner = manager.kafkaRunner(balances, config, List.of(topic)).build()) {
      runner.start();
      awaitFold(balances, events);

      assertThat(manager.deadLetters().list(balances.spec()))
          .singleElement()
          .satisfies(p -> {
            assertThat(p.offset()).isZero();
            assertThat(p.raw().value()).isEqualTo(JUNK);
          });
      assertThat(runner.status().state()).isEqualTo(RunnerState.RUNNING);
    }
  }
}
