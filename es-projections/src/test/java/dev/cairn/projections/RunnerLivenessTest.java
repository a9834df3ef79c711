package dev.cairn.projections;

import static dev.cairn.projections.Bank.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.cairn.api.GlobalPosition;
import dev.cairn.api.Health;
import dev.cairn.api.RecordedEvent;
import dev.cairn.bus.kafka.CairnRecords;
import dev.cairn.projections.Bank.Ledger;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.KafkaExtension;
import dev.cairn.testkit.PostgresExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Runners that cannot make progress say so: in their status, their health and their metrics. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RunnerLivenessTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();
  static final Duration WAIT = Duration.ofSeconds(30);
  static final AtomicInteger NAMES = new AtomicInteger();

  HikariDataSource pool;
  JdbcEventStore store;
  ProjectionManager manager;
  Ledger ledger;
  String topic;
  String group;

  @BeforeEach
  void setUp() {
    // The runners' connections give up on a lock after half a second, as a database that is
    // down would fail them; the test's own connections (pg.jdbi()) wait as usual.
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(pg.jdbcUrl());
    config.setMaximumPoolSize(6);
    config.setConnectionInitSql("SET lock_timeout = '500ms'");
    pool = new HikariDataSource(config);
    store = Bank.store(pool);
    manager = Bank.manager(store);
    ledger = new Ledger(store);
    int n = NAMES.incrementAndGet();
    topic = kafka.createTopic("accounts-" + n, 4);
    group = "balances-" + n;
  }

  @AfterEach
  void tearDown() {
    pool.close();
  }

  void publish(List<RecordedEvent> events) {
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

  KafkaProjectionRunner.Builder runner(Projection p, Map<String, Object> extra) {
    Map<String, Object> config = kafka.consumerConfig(group);
    config.putAll(extra);
    return manager.kafkaRunner(p, config, List.of(topic)).maxBatchRecords(50);
  }

  void awaitFoldOfAll(Projection p, Duration within) {
    String view = manager.readModel(p.spec()).view();
    await()
        .atMost(within)
        .untilAsserted(
            () -> assertThat(Bank.read(store, view)).isEqualTo(Bank.fold(readAll(store, GlobalPosition.START))));
  }

  /**
   * Installs the projection, has instance {@code node-1} fold what was published and crash, and
   * publishes more: for the group, the crashed member still holds its partitions.
   *
   * @return the consumer settings for the runners, with a session timeout of a minute
   */
  Map<String, Object> crashedMemberHolding(Projection balances) {
    manager.install(balances);
    publish(ledger.fill("acc-", 12, 2));
    Map<String, Object> slow =
        Map.of(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 60_000, ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 60_000);
    KafkaProjectionRunner a = runner(balances, slow).instanceId("node-1").build();
    try {
      a.start();
      awaitFoldOfAll(balances, WAIT);
      // Gone without leaving the group: for the group, A still holds its partitions.
      a.crash();
    } finally {
      a.stop();
    }
    publish(ledger.fill("acc-", 12, 1));
    return slow;
  }

  static List<String> causes(ProjectionRunner runner) {
    return runner.health().causes().stream().map(Health.Cause::code).toList();
  }

  @Test
  void partitionsAssignedWhileTheClaimFails_areHeldBack_reportedUnclaimed_andClaimedLater_withNothingSkipped() {
    Projection balances = Bank.balances("balances", 1, false);
    manager.install(balances);
    publish(ledger.fill("acc-", 12, 3));
    try (Handle lock = pg.jdbi().open();
        KafkaProjectionRunner runner = runner(balances, Map.of()).build()) {
      // The claim inside the assignment callback fails: the offsets table is locked.
      lock.begin();
      lock.execute("LOCK TABLE " + manager.sql().offsets + " IN ACCESS EXCLUSIVE MODE");
      runner.start();

      await().atMost(WAIT).untilAsserted(() -> assertThat(runner.status().unclaimed()).hasSize(4));
      assertThat(runner.awaitCaughtUp(Duration.ofSeconds(2))).isFalse();
      ProjectionStatus status = runner.status();
      assertThat(status.health().status()).isEqualTo(Health.Status.DOWN);
      assertThat(status.health().causes())
          .anySatisfy(
              c -> {
                assertThat(c.code()).isEqualTo(RunnerLiveness.UNCLAIMED);
                assertThat(c.message()).contains(topic + "-0").contains("lock");
              });
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                assertThat(runner.status().lag().values().stream().mapToLong(Long::longValue).sum()).isPositive();
                assertThat(runner.status().staleness()).isNotEmpty();
              });

      lock.commit();
      awaitFoldOfAll(balances, WAIT);
      assertThat(runner.awaitCaughtUp(WAIT)).isTrue();
      publish(ledger.fill("acc-", 12, 1));
      awaitFoldOfAll(balances, WAIT);
      await().atMost(WAIT).untilAsserted(() -> assertThat(runner.health().status()).isEqualTo(Health.Status.UP));
      assertThat(runner.status().unclaimed()).isEmpty();
      assertThat(runner.applied()).isEqualTo(readAll(store, GlobalPosition.START).size());
    }
  }

  @Test
  void restartedInstanceAfterACrash_getsItsPartitionsBackLongBeforeTheSessionTimeout() {
    Projection balances = Bank.balances("balances", 1, false);
    Map<String, Object> slow = crashedMemberHolding(balances);
    long restart = System.nanoTime();
    try (KafkaProjectionRunner b = runner(balances, slow).instanceId("node-1").build()) {
      b.start();
      awaitFoldOfAll(balances, Duration.ofSeconds(15));
      assertThat(Duration.ofNanos(System.nanoTime() - restart)).isLessThan(Duration.ofSeconds(15));
      assertThat(b.status().waitingForPartitionsSince()).isNull();
      assertThat(b.instanceId()).isEqualTo("node-1");
    }
  }

  @Test
  void aMemberHoldingNoPartition_whileACrashedMemberStillHoldsThem_isDownWithTheCauseNamed_untilTheyMove() {
    Projection balances = Bank.balances("balances", 1, false);
    Map<String, Object> slow = crashedMemberHolding(balances);
    try (KafkaProjectionRunner c = runner(balances, slow).instanceId("node-2").build()) {
      c.start();
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                assertThat(c.status().waitingForPartitionsSince()).isNotNull();
                assertThat(causes(c)).contains(RunnerLiveness.NO_PARTITIONS);
                assertThat(c.health().status()).isEqualTo(Health.Status.DOWN);
              });
      assertThat(c.awaitCaughtUp(Duration.ofMillis(500))).isFalse();
      // The crashed instance comes back: the group moves on, and C is up again by itself.
      try (KafkaProjectionRunner b = runner(balances, slow).instanceId("node-1").build()) {
        b.start();
        awaitFoldOfAll(balances, Duration.ofSeconds(20));
        await().atMost(WAIT).untilAsserted(() -> assertThat(causes(c)).doesNotContain(RunnerLiveness.NO_PARTITIONS));
      }
    }
  }

  @Test
  void aBatchHeldOpen_makesThePartitionStale_degradesHealth_andTheGaugeShowsTheAge_untilItCommits() throws Exception {
    Projection balances = Bank.balances("balances", 1, false);
    manager.install(balances);
    CountDownLatch inBatch = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try (KafkaProjectionRunner runner = runner(balances, Map.of()).staleAfter(Duration.ofSeconds(1)).build()) {
      runner.beforeCommit(
          () -> {
            inBatch.countDown();
            try {
              release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
      runner.start();
      publish(ledger.append("acc-1", new Bank.Opened("x"), new Bank.Deposited(5)));
      assertThat(inBatch.await(30, TimeUnit.SECONDS)).isTrue();
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                assertThat(runner.health().status()).isEqualTo(Health.Status.DEGRADED);
                assertThat(causes(runner)).containsExactly(RunnerLiveness.STALE);
              });
      Map<String, Duration> staleness = runner.status().staleness();
      assertThat(staleness).hasSize(1);
      String partition = staleness.keySet().iterator().next();
      assertThat(partition).startsWith(topic + "-");
      assertThat(staleness.get(partition)).isGreaterThan(Duration.ofSeconds(1));
      assertThat(
              store.meterRegistry()
                  .get("cairn.projection.staleness.seconds")
                  .tag("projection", "balances")
                  .tag("partition", partition)
                  .gauge()
                  .value())
          .isGreaterThan(1.0);

      release.countDown();
      assertThat(runner.awaitCaughtUp(WAIT)).isTrue();
      await().atMost(WAIT).untilAsserted(() -> assertThat(runner.health().status()).isEqualTo(Health.Status.UP));
      assertThat(runner.status().staleness()).isEmpty();
    } finally {
      release.countDown();
    }
  }

  @Test
  void storeRunner_reportsRetriesAndParkedEvents_asDegraded_andAStopAsDown() {
    Projection broken = Bank.balances("broken", 1, true);
    manager.install(broken);
    Bank.POISON_FIXED.set(false);
    ledger.append("bad", new Bank.Opened("x"), new Bank.Deposited(Bank.POISON));
    ledger.fill("ok-", 3, 1);
    FailurePolicy slowRetries =
        FailurePolicy.builder().maxAttempts(3).backoff(Duration.ofMillis(300), Duration.ofMillis(300)).build();
    StoreProjectionRunner runner = manager.storeRunner(broken).failurePolicy(slowRetries).build();
    try {
      runner.start();
      await().atMost(WAIT).untilAsserted(() -> assertThat(causes(runner)).contains(RunnerLiveness.RETRYING));
      assertThat(runner.health().status()).isEqualTo(Health.Status.DEGRADED);
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                assertThat(causes(runner)).containsExactly(RunnerLiveness.PARKED);
                assertThat(runner.health().status()).isEqualTo(Health.Status.DEGRADED);
              });
      assertThat(runner.awaitCaughtUp(WAIT)).isTrue();
      assertThat(runner.status().staleness()).isEmpty();
      manager.deadLetters().skip(broken, manager.deadLetters().list(broken.spec()).get(0).id());
      await().atMost(WAIT).untilAsserted(() -> assertThat(runner.health().status()).isEqualTo(Health.Status.UP));
    } finally {
      runner.stop();
    }
    assertThat(runner.health().status()).isEqualTo(Health.Status.DOWN);
    assertThat(causes(runner)).contains(RunnerLiveness.STOPPED);
  }
}
