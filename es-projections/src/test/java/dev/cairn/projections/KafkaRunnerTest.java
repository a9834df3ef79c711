package dev.cairn.projections;

import static dev.cairn.projections.Bank.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.api.GlobalPosition;
import dev.cairn.api.RecordedEvent;
import dev.cairn.bus.kafka.CairnRecords;
import dev.cairn.projections.Bank.Ledger;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.KafkaExtension;
import dev.cairn.testkit.PostgresExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 180, unit = TimeUnit.SECONDS)
class KafkaRunnerTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();
  static final Duration WAIT = Duration.ofSeconds(60);
  static final AtomicInteger NAMES = new AtomicInteger();

  JdbcEventStore store;
  ProjectionManager manager;
  Ledger ledger;
  String topic;
  String group;

  @BeforeEach
  void setUp() {
    store = Bank.store(pg.dataSource());
    manager = Bank.manager(store);
    ledger = new Ledger(store);
    int n = NAMES.incrementAndGet();
    topic = kafka.createTopic("accounts-" + n, 4);
    group = "balances-" + n;
  }

  /** Publishes stored events as the relay would: one Kafka transaction, keyed by stream. */
  void publish(List<RecordedEvent> events, long timestamp) {
    Map<String, Object> config = kafka.producerConfig();
    config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, kafka.name("tx-" + UUID.randomUUID()));
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config)) {
      producer.initTransactions();
      producer.beginTransaction();
      for (RecordedEvent e : events) {
        ProducerRecord<String, byte[]> r = CairnRecords.toRecord(topic, e, "cairn://test");
        if (timestamp >= 0) {
          r = new ProducerRecord<>(r.topic(), null, timestamp, r.key(), r.value(), r.headers());
        }
        producer.send(r);
      }
      producer.commitTransaction();
    }
  }

  KafkaProjectionRunner.Builder runner(Projection p, Map<String, Object> extra) {
    Map<String, Object> config = kafka.consumerConfig(group);
    config.putAll(extra);
    return manager.kafkaRunner(p, config, List.of(topic)).maxBatchRecords(50);
  }

  void awaitFold(Projection p, List<RecordedEvent> events) {
    String view = manager.readModel(p.spec()).view();
    await().atMost(WAIT).untilAsserted(() -> assertThat(Bank.read(store, view)).isEqualTo(Bank.fold(events)));
  }

  /**
   * Waits until the read model equals the fold of every stored event. The store is read again on
   * each attempt: a runner's open batch holds back the global order's fence for a moment, so one
   * read could miss the newest events.
   */
  void awaitFoldOfAll(Projection p) {
    String view = manager.readModel(p.spec()).view();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> assertThat(Bank.read(store, view)).isEqualTo(Bank.fold(readAll(store, GlobalPosition.START))));
  }

  @Test
  void kafkaRunner_appliesEveryEventOnce_andStoresItsOffsetsWithTheReadModel() {
    Projection balances = Bank.balances("balances", 1, false);
    manager.install(balances);
    publish(ledger.fill("acc-", 20, 5), -1);
    try (KafkaProjectionRunner runner = runner(balances, Map.of()).build()) {
      runner.start();
      awaitFoldOfAll(balances);
      publish(ledger.fill("acc-", 20, 1), -1);
      awaitFoldOfAll(balances);
      long partitions =
          store.jdbi()
              .withHandle(
                  h ->
                      h.createQuery("SELECT count(*) FROM " + manager.sql().offsets + " WHERE next_offset > 0 AND owner = :o")
                          .bind("o", runner.owner)
                          .mapTo(Long.class)
                          .one());
      assertThat(partitions).isEqualTo(4);
      await().atMost(WAIT).untilAsserted(() -> assertThat(runner.status().lag().values()).containsOnly(0L).hasSize(4));
      assertThat(runner.status().source()).isEqualTo("kafka:" + topic);
      var meters = store.meterRegistry();
      assertThat(meters.get("cairn.projection.lag").tag("partition", topic + "-0").gauge().value()).isZero();
      assertThat(meters.get("cairn.projection.lag").gauges()).hasSize(4);
      await().atMost(WAIT).untilAsserted(() -> {
        assertThat(meters.get("cairn.projection.batch").timer().count()).isPositive();
        assertThat(meters.get("cairn.projection.events").counter().count())
            .isEqualTo(readAll(store, GlobalPosition.START).size());
      });
      assertThat(meters.get("cairn.projection.parked").gauge().value()).isZero();

      // Kafka's copy of the offsets, for lag tools, catches up once the runner runs out of records.
      Map<TopicPartition, Long> applied = storedOffsets(balances);
      assertThat(applied).hasSize(4);
      await().atMost(WAIT).untilAsserted(() -> assertThat(groupOffsets()).isEqualTo(applied));
    }
  }

  /** The next offset of each partition, as the database holds it with the read model. */
  private Map<TopicPartition, Long> storedOffsets(Projection p) {
    Map<TopicPartition, Long> result = new HashMap<>();
    store.jdbi().useHandle(h -> h.createQuery(
            "SELECT topic, partition, next_offset FROM " + manager.sql().offsets + " WHERE name = :name")
        .bind("name", p.spec().name())
        .map((rs, ctx) -> Map.entry(new TopicPartition(rs.getString(1), rs.getInt(2)), rs.getLong(3)))
        .forEach(e -> result.put(e.getKey(), e.getValue())));
    return result;
  }

  /** How many partitions' rows a runner holds. */
  private long held(KafkaProjectionRunner runner) {
    return store.jdbi()
        .withHandle(
            h -> h.createQuery("SELECT count(*) FROM " + manager.sql().offsets + " WHERE owner = :o")
                .bind("o", runner.owner)
                .mapTo(Long.class)
                .one());
  }

  @Test
  void aPartitionHandedOver_takesKafkasCopyOfItsOffsetWithIt() throws Exception {
    Projection balances = Bank.balances("balances", 1, false);
    manager.install(balances);
    publish(ledger.fill("acc-", 20, 1), -1);
    // A applies every event, and, its Kafka commits held back (not when busy for an hour, not when
    // idle), still owes Kafka those offsets when B joins. B gets half the partitions with nothing
    // left to apply, so nothing to commit to Kafka either: only A's hand-over can.
    KafkaProjectionRunner a = runner(balances, Map.of()).build();
    a.kafkaCommitInterval = Duration.ofHours(1);
    a.kafkaCommitWhenIdle = false;
    KafkaProjectionRunner b = runner(balances, Map.of()).build();
    try {
      a.start();
      awaitFoldOfAll(balances);
      assertThat(groupOffsets()).as("nothing committed to Kafka yet").isEmpty();
      b.start();
      await().atMost(WAIT).until(() -> held(a) == 2 && held(b) == 2);
      assertThat(b.applied()).as("B had nothing to apply").isZero();

      Map<TopicPartition, Long> applied = storedOffsets(balances);
      assertThat(applied).hasSize(4);
      await().atMost(WAIT).untilAsserted(() -> assertThat(groupOffsets()).isEqualTo(applied));
    } finally {
      a.stop();
      b.stop();
    }
  }

  private Map<TopicPartition, Long> groupOffsets() throws Exception {
    try (Admin admin = kafka.admin()) {
      Map<TopicPartition, Long> result = new HashMap<>();
      admin.listConsumerGroupOffsets(kafka.name(group)).partitionsToOffsetAndMetadata().get()
          .forEach((tp, o) -> result.put(tp, o.offset()));
      return result;
    }
  }

  @Test
  void crashMidBatch_afterApplyBeforeCommit_leavesReadModelEqualToFreshFold() {
    Projection balances = Bank.balances("balances", 1, false);
    manager.install(balances);
    publish(ledger.fill("acc-", 10, 10), -1);
    AtomicInteger batches = new AtomicInteger();
    try (KafkaProjectionRunner runner = runner(balances, Map.of()).build()) {
      runner.beforeCommit(
          () -> {
            if (batches.incrementAndGet() % 2 == 0) {
              throw new IllegalStateException("crash after apply, before commit");
            }
          });
      runner.start();
      awaitFoldOfAll(balances);
      assertThat(batches.get()).isGreaterThan(2);
    }
  }

  @Test
  void failedCommit_whileTheDatabaseIsDown_readsTheBatchAgain_andSkipsNothing() {
    Projection balances = Bank.balances("balances", 1, false);
    manager.install(balances);
    publish(ledger.fill("acc-", 10, 10), -1);
    AtomicInteger batches = new AtomicInteger();
    AtomicInteger resyncs = new AtomicInteger();
    try (KafkaProjectionRunner runner = runner(balances, Map.of()).build()) {
      // The second batch fails to commit, and re-reading the offsets after it fails too, as they
      // would with the database gone: the runner must still read that batch again, not the next.
      runner.beforeCommit(
          () -> {
            if (batches.incrementAndGet() == 2) {
              throw new IllegalStateException("database connection lost at commit");
            }
          });
      runner.beforeResync(
          () -> {
            if (batches.get() == 2 && resyncs.incrementAndGet() == 1) {
              throw new IllegalStateException("database still unreachable");
            }
          });
      runner.start();
      awaitFoldOfAll(balances);
      assertThat(resyncs.get()).isPositive();
      assertThat(batches.get()).isGreaterThan(2);
    }
  }

  @Test
  void rebalanceMidBatch_revokedRunnersCommitIsRejected_andTwoInstancesApplyEveryEventOnce() throws Exception {
    Projection balances = Bank.balances("balances", 1, false);
    manager.install(balances);
    publish(ledger.fill("acc-", 20, 5), -1);
    CountDownLatch inBatch = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger calls = new AtomicInteger();
    // A stops polling mid-batch for longer than its rebalance timeout: the group hands its
    // partitions to B, which takes their rows while A still holds its applied batch. A static
    // member that stops polling is dropped at its session timeout, not its poll interval.
    KafkaProjectionRunner a =
        runner(
                balances,
                Map.of(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 10_000, ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000))
            .build();
    a.beforeCommit(
        () -> {
          if (calls.incrementAndGet() == 1) {
            inBatch.countDown();
            try {
              release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        });
    KafkaProjectionRunner b = runner(balances, Map.of()).build();
    try {
      a.start();
      assertThat(inBatch.await(60, TimeUnit.SECONDS)).isTrue();
      b.start();
      await().atMost(WAIT).until(() -> held(b) == 4);
      double rejectedBefore = rejected();
      release.countDown();
      await().atMost(WAIT).until(() -> rejected() > rejectedBefore);

      publish(ledger.fill("acc-", 20, 2), -1);
      awaitFoldOfAll(balances);
      assertThat(a.state()).isEqualTo(RunnerState.RUNNING);
      assertThat(b.state()).isEqualTo(RunnerState.RUNNING);
      // The counters move just after the commit that made the rows visible.
      await().atMost(WAIT).untilAsserted(() ->
          assertThat(a.applied() + b.applied()).isGreaterThanOrEqualTo(readAll(store, GlobalPosition.START).size()));
    } finally {
      release.countDown();
      a.stop();
      b.stop();
    }
  }

  @Test
  void rebuildFromTheStore_fencesTheKafkaFedV1_andAKafkaFedV2SkipsWhatTheRebuildApplied() {
    Projection v1 = Bank.balances("balances", 1, false);
    manager.install(v1);
    publish(ledger.fill("acc-", 10, 4), -1);
    KafkaProjectionRunner v1Runner = runner(v1, Map.of()).build();
    try {
      v1Runner.start();
      awaitFoldOfAll(v1);

      Projection v2 = Bank.balances("balances", 2, false);
      Rebuild rebuild = manager.rebuild(v2);
      GlobalPosition at = rebuild.switchOver(WAIT);
      await().atMost(WAIT).untilAsserted(() ->
          assertThat(at).isEqualTo(readAll(store, GlobalPosition.START).get(49).position()));
      await().atMost(WAIT).until(() -> v1Runner.state() == RunnerState.STOPPED);
      rebuild.runner().stop();

      group = group + "-v2";
      try (KafkaProjectionRunner v2Runner = runner(v2, Map.of()).build()) {
        v2Runner.start();
        publish(ledger.fill("acc-", 12, 1), -1);
        awaitFoldOfAll(v2);
        await().atMost(WAIT).untilAsserted(() -> assertThat(v2Runner.applied()).isEqualTo(12 + 2));
      }
    } finally {
      v1Runner.stop();
    }
  }

  @Test
  void poisonRecord_isParkedWithItsKafkaCoordinates_andPauseHoldsTheRunner() {
    Projection broken = Bank.balances("balances", 1, true);
    manager.install(broken);
    Bank.POISON_FIXED.set(false);
    List<RecordedEvent> events = new ArrayList<>(ledger.append("bad", new Bank.Opened("x"), new Bank.Deposited(Bank.POISON)));
    events.addAll(ledger.fill("ok-", 4, 2));
    publish(events, -1);
    FailurePolicy fast = FailurePolicy.builder().backoff(Duration.ofMillis(1), Duration.ofMillis(2)).build();
    try (KafkaProjectionRunner runner = runner(broken, Map.of()).failurePolicy(fast).build()) {
      runner.start();
      List<RecordedEvent> expected = new ArrayList<>(events);
      expected.removeIf(e -> e.eventId().equals(events.get(1).eventId()));
      awaitFold(broken, expected);
      List<ParkedEvent> parked = manager.deadLetters().list(broken.spec());
      assertThat(parked).hasSize(1);
      assertThat(parked.get(0).topic()).isEqualTo(topic);
      assertThat(parked.get(0).partition()).isBetween(0, 3);
      assertThat(parked.get(0).offset()).isEqualTo(1);
      assertThat(manager.versions())
          .singleElement()
          .satisfies(
              v -> {
                assertThat(v.status()).isEqualTo("ACTIVE");
                assertThat(v.parked()).isEqualTo(1);
                assertThat(v.offsets()).hasSize(4);
              });

      runner.pause();
      assertThat(runner.status().state()).isEqualTo(RunnerState.PAUSED);
      List<RecordedEvent> more = ledger.fill("ok-", 4, 1);
      publish(more, -1);
      runner.resume();
      expected.addAll(more);
      awaitFold(broken, expected);
    } finally {
      Bank.POISON_FIXED.set(false);
    }
  }

  /**
   * A batch that finds a dead letter open holds the later events of its stream, even when the
   * poison was parked by an earlier batch: each batch's first statement, which takes the version's
   * lock, also tells whether any dead letter is open. The whole-batch attempt that met the poison
   * rolled back before the batch was applied event by event, so no deposit counts twice.
   */
  @Test
  void laterEventsOfAParkedStream_areHeldInLaterBatches_andReleasedByTheRetry() {
    Projection broken = Bank.balances("balances", 1, true);
    manager.install(broken);
    Bank.POISON_FIXED.set(false);
    List<RecordedEvent> first = new ArrayList<>(ledger.fill("ok-", 4, 2));
    first.addAll(ledger.append("bad", new Bank.Opened("x"), new Bank.Deposited(5)));
    RecordedEvent poison = ledger.append("bad", new Bank.Deposited(Bank.POISON)).get(0);
    first.add(poison);
    first.addAll(ledger.fill("ok-", 4, 1));
    publish(first, -1);
    FailurePolicy fast = FailurePolicy.builder().backoff(Duration.ofMillis(1), Duration.ofMillis(2)).build();
    try (KafkaProjectionRunner runner = runner(broken, Map.of()).failurePolicy(fast).build()) {
      runner.start();
      List<RecordedEvent> expected = new ArrayList<>(first);
      expected.remove(poison);
      awaitFold(broken, expected);
      assertThat(manager.deadLetters().list(broken.spec())).extracting(ParkedEvent::status).containsExactly("PARKED");

      // Published after the poison was parked, so read by later polls.
      List<RecordedEvent> second = new ArrayList<>(ledger.append("bad", new Bank.Deposited(7)));
      second.addAll(ledger.fill("ok-", 4, 1));
      publish(second, -1);
      expected.addAll(second.subList(1, second.size()));
      awaitFold(broken, expected);
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> assertThat(manager.deadLetters().list(broken.spec()))
                  .extracting(ParkedEvent::status)
                  .containsExactly("PARKED", "HELD"));
      assertThat(Bank.read(store, manager.readModel(broken.spec()).view())).isEqualTo(Bank.fold(expected));

      Bank.POISON_FIXED.set(true);
      manager.deadLetters().retry(broken, manager.deadLetters().list(broken.spec()).get(0).id());
      assertThat(manager.deadLetters().count(broken.spec())).isZero();
      awaitFold(broken, readAll(store, GlobalPosition.START));
    } finally {
      Bank.POISON_FIXED.set(false);
    }
  }

  private double rejected() {
    return store.meterRegistry().get("cairn.projection.commits.rejected").counter().count();
  }

  @Test
  void replayFromOffsets_andFromATimestamp_giveTheFoldOfTheEventsFromThere() throws Exception {
    Projection balances = Bank.balances("balances", 1, false);
    manager.install(balances);
    List<RecordedEvent> first = ledger.fill("acc-", 10, 2);
    publish(first, -1);
    Map<TopicPartition, Long> afterFirst = endOffsets();
    List<RecordedEvent> second = ledger.fill("acc-", 10, 2);
    publish(second, -1);
    // Transaction markers carry the time of their commit, so the third batch's records are stamped
    // ahead of every marker: the first offset at or after "from" is then the third batch's first.
    long later = System.currentTimeMillis() + 30_000;
    List<RecordedEvent> third = ledger.fill("acc-", 12, 1);
    publish(third, later);
    try (KafkaProjectionRunner runner = runner(balances, Map.of()).build()) {
      runner.start();
      awaitFoldOfAll(balances);

      runner.replayFrom(afterFirst);
      List<RecordedEvent> fromSecond = new ArrayList<>(second);
      fromSecond.addAll(third);
      awaitFold(balances, fromSecond);

      runner.replayFrom(Instant.ofEpochMilli(later - 15_000));
      awaitFold(balances, third);

      runner.replayFromBeginning();
      awaitFoldOfAll(balances);
    }
  }

  private Map<TopicPartition, Long> endOffsets() throws Exception {
    try (Admin admin = kafka.admin()) {
      Map<TopicPartition, OffsetSpec> request = new HashMap<>();
      for (int p = 0; p < 4; p++) {
        request.put(new TopicPartition(topic, p), OffsetSpec.latest());
      }
      Map<TopicPartition, Long> result = new HashMap<>();
      admin.listOffsets(request).all().get().forEach((tp, info) -> result.put(tp, info.offset()));
      return result;
    }
  }
}
