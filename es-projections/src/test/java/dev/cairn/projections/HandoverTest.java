package dev.cairn.projections;

import static dev.cairn.projections.Bank.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.api.GlobalPosition;
import dev.cairn.api.RecordedEvent;
import dev.cairn.bus.kafka.CairnRecords;
import dev.cairn.projections.Bank.Deposited;
import dev.cairn.projections.Bank.Ledger;
import dev.cairn.projections.Bank.Row;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.KafkaExtension;
import dev.cairn.testkit.PostgresExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Defect 2: a Kafka-fed runner takes over from a running store-fed runner of the same version. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class HandoverTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();
  static final Duration WAIT = Duration.ofSeconds(60);
  static final AtomicInteger NAMES = new AtomicInteger();
  static final int ACCOUNTS = 10;

  JdbcEventStore store;
  ProjectionManager manager;
  Ledger ledger;
  String topic;

  @BeforeEach
  void setUp() {
    store = Bank.store(pg.dataSource());
    manager = Bank.manager(store);
    ledger = new Ledger(store);
    topic = kafka.createTopic("handover-" + NAMES.incrementAndGet(), 4);
  }

  KafkaProducer<String, byte[]> producer() {
    Map<String, Object> config = kafka.producerConfig();
    config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, kafka.name("tx-" + UUID.randomUUID()));
    KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config);
    producer.initTransactions();
    return producer;
  }

  /**
   * Publishes records in one Kafka transaction, as the relay does, stamped at a time (or now if
   * negative), with further records of its own.
   */
  static void publish(
      KafkaProducer<String, byte[]> producer, String topic, List<RecordedEvent> events, long timestamp,
      List<ProducerRecord<String, byte[]>> more) {
    producer.beginTransaction();
    more.forEach(producer::send);
    for (RecordedEvent e : events) {
      ProducerRecord<String, byte[]> r = CairnRecords.toRecord(topic, e, "cairn://test");
      if (timestamp >= 0) {
        r = new ProducerRecord<>(r.topic(), null, timestamp, r.key(), r.value(), r.headers());
      }
      producer.send(r);
    }
    producer.commitTransaction();
  }

  @Test
  void kafkaRunnerTakesOverFromARunningStoreRunner_fencesIt_startsNearTheCheckpoint_andAppliesEveryEventOnce()
      throws Exception {
    Projection balances = Bank.balances("balances", 1, false);
    manager.install(balances);
    long anHourAgo = System.currentTimeMillis() - 3_600_000;
    try (KafkaProducer<String, byte[]> producer = producer()) {
      // History, an hour old: the store-fed runner applies it. A record in it that is not in
      // Cairn's format would be parked by a Kafka runner that read the history from offset 0.
      // (In the same Kafka transaction: a transaction's marker is stamped with its commit time.)
      ProducerRecord<String, byte[]> junk = new ProducerRecord<>(topic, 0, anHourAgo, "junk", "x".getBytes(StandardCharsets.UTF_8));
      publish(producer, topic, ledger.fill("acc-", ACCOUNTS, 10), anHourAgo, List.of(junk));
    }

    StoreProjectionRunner storeRunner = manager.storeRunner(balances).batchSize(5).build();
    AtomicBoolean appending = new AtomicBoolean(true);
    Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
    CountDownLatch before = new CountDownLatch(30);
    AtomicInteger appended = new AtomicInteger();
    // Appends go on throughout, each published after it is stored (one thread: in global order).
    Thread appender =
        new Thread(
            () -> {
              try (KafkaProducer<String, byte[]> producer = producer()) {
                for (int i = 0; appending.get(); i++) {
                  publish(producer, topic, ledger.append("acc-" + (i % ACCOUNTS), new Deposited(i)), -1, List.of());
                  appended.incrementAndGet();
                  before.countDown();
                }
              } catch (RuntimeException e) {
                errors.add(e);
              }
            });
    KafkaProjectionRunner kafkaRunner =
        manager.kafkaRunner(balances, kafka.consumerConfig("balances-" + topic), List.of(topic))
            .maxBatchRecords(20)
            .handoverMargin(Duration.ofMinutes(1))
            .build();
    try {
      storeRunner.start();
      assertThat(storeRunner.awaitCaughtUp(WAIT)).isTrue();
      appender.start();
      assertThat(before.await(60, TimeUnit.SECONDS)).isTrue();

      // Both run on the same version while events keep coming.
      kafkaRunner.start();
      await().atMost(WAIT).until(() -> storeRunner.state() == RunnerState.HANDED_OVER);
      assertThat(storeRunner.status().lastError()).contains("taken over by a Kafka-fed runner");
      int atHandover = appended.get();
      await().atMost(WAIT).until(() -> appended.get() > atHandover + 30);
      appending.set(false);
      appender.join();
      assertThat(errors).isEmpty();

      // Every event applied exactly once: each account's row counts as many events as its version.
      String view = manager.readModel(balances.spec()).view();
      await()
          .atMost(WAIT)
          .untilAsserted(() -> assertThat(Bank.read(store, view)).isEqualTo(Bank.fold(readAll(store, GlobalPosition.START))));
      Map<String, Long> versions = new TreeMap<>();
      readAll(store, GlobalPosition.START).forEach(e -> versions.merge(e.streamId(), e.version(), Math::max));
      Map<String, Long> counted = new TreeMap<>();
      Bank.read(store, view).forEach((account, row) -> counted.put(account, row.events()));
      assertThat(counted).isEqualTo(versions);
      // The Kafka runner started near the checkpoint: it never read the hour-old history.
      assertThat(manager.deadLetters().count(balances.spec())).isZero();
      assertThat(kafkaRunner.state()).isEqualTo(RunnerState.RUNNING);

      // A store-fed runner of the version does not take the checkpoint back.
      StoreProjectionRunner again = manager.storeRunner(balances).build();
      again.start();
      await().atMost(WAIT).until(() -> again.state() == RunnerState.HANDED_OVER);
      Map<String, Row> rows = Bank.read(store, view);
      assertThat(rows).isEqualTo(Bank.fold(readAll(store, GlobalPosition.START)));
    } finally {
      appending.set(false);
      appender.join();
      storeRunner.stop();
      kafkaRunner.stop();
    }
  }
}
