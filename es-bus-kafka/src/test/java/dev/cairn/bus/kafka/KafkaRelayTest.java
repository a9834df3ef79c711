package dev.cairn.bus.kafka;

import static dev.cairn.bus.kafka.RelayTestSupport.appendRounds;
import static dev.cairn.bus.kafka.RelayTestSupport.assertExactlyOnceInOrder;
import static dev.cairn.bus.kafka.RelayTestSupport.migratedStore;
import static dev.cairn.bus.kafka.RelayTestSupport.readAll;
import static dev.cairn.bus.kafka.RelayTestSupport.readTopics;
import static dev.cairn.bus.kafka.RelayTestSupport.readTopicsPastOpenTransaction;
import static dev.cairn.bus.kafka.RelayTestSupport.relayBuilder;
import static dev.cairn.bus.kafka.RelayTestSupport.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.api.RecordedEvent;
import dev.cairn.bus.kafka.RelayStatus.State;
import dev.cairn.bus.kafka.RelayTestSupport.SimulatedCrash;
import dev.cairn.bus.kafka.internal.AdvisoryLock;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.KafkaExtension;
import dev.cairn.testkit.PostgresExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class KafkaRelayTest {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaRelayTest.class);

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();

  private KafkaRelayBuilder relay(JdbcEventStore store, String prefix, String transactionalId) {
    return relayBuilder(store, kafka.bootstrapServers(), prefix)
        .kafkaSettings(Map.of("linger.ms", 5))
        .transactionalId(transactionalId)
        .partitions(8)
        .pollInterval(Duration.ofMillis(200))
        .maxBackoff(Duration.ofSeconds(1));
  }

  /**
   * Waits until the relay has published the store's head. The head is read again on each poll:
   * a transaction open elsewhere (the relay's own monitoring write) can hold the global order's
   * fence back for a moment, and a relay that publishes whole batches can step past a stale head.
   */
  static void awaitCaughtUp(KafkaRelay relay, JdbcEventStore store) {
    await("relay reaches the store's head")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> relay.status().position().equals(store.headPosition()));
  }

  @Test
  void relay_with4ConcurrentWritersOn1000Streams_publishesEachEventOnceInOrderPerKey() throws Exception {
    JdbcEventStore store = migratedStore(pg.dataSource(), "order_test");
    String prefix = kafka.name("order.");
    int writers = 4;
    int streams = 1000;
    int rounds = 4;
    long start = System.nanoTime();
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (KafkaRelay relay =
        relay(store, prefix, kafka.name("order-relay")).batchSize(200).meterRegistry(meters).build().start()) {
      ExecutorService pool = Executors.newFixedThreadPool(writers);
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
          int writer = w;
          done.add(
              pool.submit(
                  () -> {
                    // Each writer owns every 4th stream; streams get 1 or 2 events per append.
                    long[] versions = new long[streams];
                    for (int r = 0; r < rounds; r++) {
                      for (int s = writer; s < streams; s += writers) {
                        int count = 1 + (s + r) % 2;
                        store.append(request("acc-" + s, versions[s], count));
                        versions[s] += count;
                      }
                    }
                    return null;
                  }));
        }
        for (Future<?> f : done) {
          f.get(60, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      awaitCaughtUp(relay, store);
      assertThat(relay.status().state()).isEqualTo(State.ACTIVE);
      // The error is cleared just after the batch that reached the head.
      await().atMost(Duration.ofSeconds(30)).until(() -> relay.status().lastError() == null);
      assertRelayMetrics(meters, relay, readAll(store));
    }
    List<RecordedEvent> stored = readAll(store);
    double seconds = (System.nanoTime() - start) / 1e9;
    LOG.info("appended and relayed {} events of {} streams in {} s", stored.size(), streams, String.format("%.2f", seconds));
    assertThat(stored).hasSize(streams * rounds * 3 / 2);

    List<ConsumerRecord<String, byte[]>> records = readTopics(kafka.bootstrapServers(), List.of(prefix + "account"));
    assertExactlyOnceInOrder(records, stored);
    assertThat(records.stream().map(ConsumerRecord::partition).distinct()).hasSize(8);
    String monitored =
        store.jdbi().withHandle(h ->
            h.createQuery("SELECT tx_id || '/' || global_position FROM order_test.relay_positions WHERE transactional_id = :id")
                .bind("id", kafka.name("order-relay")).mapTo(String.class).one());
    assertThat(monitored)
        .as("monitoring copy of the position")
        .isEqualTo(stored.get(stored.size() - 1).position().toString());
  }

  /** The metrics of a relay that has published every stored event. */
  private static void assertRelayMetrics(SimpleMeterRegistry meters, KafkaRelay relay, List<RecordedEvent> stored) {
    long transactions = meters.get("cairn.relay.transaction").timer().count();
    assertThat(transactions).isPositive();
    assertThat(meters.get("cairn.relay.events.published").counter().count()).isEqualTo(stored.size());
    assertThat(meters.get("cairn.relay.batch.size").summary().count()).isEqualTo(transactions);
    assertThat(meters.get("cairn.relay.batch.size").summary().totalAmount()).isEqualTo(stored.size());
    assertThat(meters.get("cairn.relay.position").gauge().value())
        .isEqualTo(stored.get(stored.size() - 1).position().position());
    assertThat(meters.get("cairn.relay.events.behind").gauge().value()).isZero();
    // Each batch is timed from its first event's append, once when read and once when committed.
    var read = meters.get("cairn.relay.read.delay").timer();
    var published = meters.get("cairn.relay.publish.delay").timer();
    assertThat(read.count()).isEqualTo(transactions);
    assertThat(published.count()).isEqualTo(transactions);
    assertThat(published.totalTime(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(read.totalTime(TimeUnit.MILLISECONDS));
    assertThat(relay.status().position()).isEqualTo(stored.get(stored.size() - 1).position());
  }

  @Test
  void relay_crashedAfterKafkaCommit_resumesWithoutLossOrDuplicate() {
    JdbcEventStore store = migratedStore(pg.dataSource(), "crash_commit");
    String prefix = kafka.name("crash-commit.");
    String id = kafka.name("crash-commit-relay");
    appendRounds(store, "c-", 50, 6);
    AtomicInteger commits = new AtomicInteger();
    KafkaRelay crashing =
        relay(store, prefix, id)
            .batchSize(40)
            .afterKafkaCommit(
                () -> {
                  if (commits.incrementAndGet() == 2) {
                    throw new SimulatedCrash("crash after the second Kafka commit");
                  }
                })
            .build()
            .start();
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> crashing.status().state() == State.STOPPED);
      assertThat(crashing.status().lastError()).contains("crash after the second Kafka commit");
      assertThat(crashing.status().position()).as("the crashed batch never reached memory")
          .isEqualTo(readAll(store).get(39).position());

      try (KafkaRelay successor = relay(store, prefix, id).batchSize(40).build().start()) {
        awaitCaughtUp(successor, store);
      }
    } finally {
      crashing.close();
    }
    assertExactlyOnceInOrder(readTopics(kafka.bootstrapServers(), List.of(prefix + "account")), readAll(store));
  }

  @Test
  void relay_crashedMidTransaction_showsNothingOfItAndResumesExactlyOnce() {
    JdbcEventStore store = migratedStore(pg.dataSource(), "crash_mid");
    String prefix = kafka.name("crash-mid.");
    String id = kafka.name("crash-mid-relay");
    appendRounds(store, "m-", 50, 6);
    AtomicInteger batches = new AtomicInteger();
    KafkaRelay crashing =
        relay(store, prefix, id)
            .batchSize(40)
            .afterSends(
                () -> {
                  if (batches.incrementAndGet() == 2) {
                    throw new SimulatedCrash("crash after sending the second batch, before its commit");
                  }
                })
            .build()
            .start();
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> crashing.status().state() == State.STOPPED);
      List<RecordedEvent> stored = readAll(store);
      // The crashed relay's transaction stays open (nothing aborted it): read_committed shows the
      // first batch only, once that batch's commit markers have landed.
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertExactlyOnceInOrder(
                      readTopicsPastOpenTransaction(kafka.bootstrapServers(), List.of(prefix + "account")),
                      stored.subList(0, 40)));

      try (KafkaRelay successor = relay(store, prefix, id).batchSize(40).build().start()) {
        awaitCaughtUp(successor, store);
      }
    } finally {
      crashing.close();
    }
    assertExactlyOnceInOrder(readTopics(kafka.bootstrapServers(), List.of(prefix + "account")), readAll(store));
  }

  @Test
  void zombieRelay_pausedMidBatch_isFencedAfterAnotherTookOver_andNothingIsDuplicated() throws Exception {
    JdbcEventStore store = migratedStore(pg.dataSource(), "zombie");
    String prefix = kafka.name("zombie.");
    String id = kafka.name("zombie-relay");
    appendRounds(store, "z-", 20, 5);
    CountDownLatch paused = new CountDownLatch(1);
    CountDownLatch resume = new CountDownLatch(1);
    AtomicInteger batches = new AtomicInteger();
    KafkaRelay zombie =
        relay(store, prefix, id)
            .batchSize(30)
            .afterSends(
                () -> {
                  if (batches.incrementAndGet() == 2) {
                    paused.countDown();
                    try {
                      resume.await();
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  }
                })
            .build()
            .start();
    KafkaRelay successor = relay(store, prefix, id).batchSize(30).build();
    try {
      assertThat(paused.await(30, TimeUnit.SECONDS)).isTrue();
      successor.start();
      await().atMost(Duration.ofSeconds(30)).until(() -> successor.status().state() == State.STANDBY);
      assertThat(successor.status().state()).as("the zombie still holds the lock").isEqualTo(State.STANDBY);

      // The zombie's database session dies (as on a network partition); its Kafka producer lives on.
      long key = AdvisoryLock.keyFor(store.qualifiedTable("events"));
      int terminated =
          store.jdbi().withHandle(h ->
              h.createQuery(
                      "SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory'"
                          + " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                          + " AND classid::bigint = :hi AND objid::bigint = :lo AND granted")
                  .bind("hi", key >>> 32)
                  .bind("lo", key & 0xffffffffL)
                  .mapTo(Integer.class)
                  .one());
      assertThat(terminated).isEqualTo(1);

      await().atMost(Duration.ofSeconds(30)).until(() -> successor.status().state() == State.ACTIVE);
      awaitCaughtUp(successor, store);

      resume.countDown();
      await().atMost(Duration.ofSeconds(30)).until(() -> zombie.status().state() == State.STANDBY);
      assertThat(zombie.status().lastError()).contains("fenced");
      assertThat(successor.status().state()).isEqualTo(State.ACTIVE);
    } finally {
      resume.countDown();
      zombie.close();
      successor.close();
    }
    assertExactlyOnceInOrder(readTopics(kafka.bootstrapServers(), List.of(prefix + "account")), readAll(store));
  }
}
