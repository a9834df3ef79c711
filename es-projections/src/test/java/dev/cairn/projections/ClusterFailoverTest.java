package dev.cairn.projections;

import static dev.cairn.projections.Bank.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.api.GlobalPosition;
import dev.cairn.api.RecordedEvent;
import dev.cairn.bus.kafka.CairnRecords;
import dev.cairn.bus.kafka.KafkaRelay;
import dev.cairn.bus.kafka.KafkaRelayBuilder;
import dev.cairn.bus.kafka.RelayHooks;
import dev.cairn.projections.Bank.Deposited;
import dev.cairn.projections.Bank.Ledger;
import dev.cairn.projections.Bank.Opened;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.KafkaCluster;
import dev.cairn.testkit.KafkaServer;
import dev.cairn.testkit.PostgresExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import java.util.stream.LongStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Users run clusters, not one node: three broker processes (replication 3, {@code
 * min.insync.replicas=2}) lose, one at a time and by SIGKILL, the leader of an event partition
 * while a relay transaction is open, the coordinator of the relay's transactions while one is open,
 * and that coordinator again just after a commit, with its markers still owed; the relay and a
 * Kafka-fed runner must lose and duplicate nothing.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ClusterFailoverTest {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterFailoverTest.class);
  private static final String TOPIC = "account";
  private static final String TX_ID = "cluster-relay";
  private static final int PARTITIONS = 4;
  private static final Duration WAIT = Duration.ofSeconds(60);

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();

  @TempDir Path dir;

  /**
   * A kill that the test arms and a relay hook carries out on the relay's thread, at a known
   * point of a Kafka transaction.
   */
  private static final class ArmedKill {
    private final String what;
    private final IntSupplier target;
    private final AtomicBoolean armed = new AtomicBoolean();
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile int node;

    ArmedKill(String what, IntSupplier target) {
      this.what = what;
      this.target = target;
    }

    void runIfArmed(KafkaCluster cluster, int batch) {
      if (armed.compareAndSet(true, false)) {
        node = target.getAsInt();
        LOG.info("batch {}: killing node {}, {}", batch, node, what);
        cluster.broker(node).kill();
        done.countDown();
      }
    }

    /** Arms the kill and waits until a hook has done it; returns the node killed. */
    int armAndAwait() throws InterruptedException {
      armed.set(true);
      assertThat(done.await(60, TimeUnit.SECONDS)).as("killed %s", what).isTrue();
      return node;
    }
  }

  @Test
  void leaderAndCoordinatorKilledWithTransactionsInFlight_relayAndKafkaRunnerLoseAndDuplicateNothing() throws Exception {
    long t0 = System.nanoTime();
    try (KafkaCluster cluster = KafkaServer.childCluster(dir.resolve("cluster"), 3)) {
      LOG.info("cluster up in {} ms", (System.nanoTime() - t0) / 1_000_000);
      JdbcEventStore store = Bank.store(pg.dataSource());
      ProjectionManager manager = Bank.manager(store);
      Projection balances = Bank.balances("balances", 1, false);
      manager.install(balances);

      // Sent, not committed: records in flight to the dead leader.
      ArmedKill leader =
          new ArmedKill("a leader of " + TOPIC + ", mid-transaction", () -> leaderOtherThanCoordinator(cluster));
      // Sent, not committed: the commit goes to a coordinator that is gone.
      ArmedKill coordinator =
          new ArmedKill("the coordinator of " + TX_ID + ", mid-transaction", () -> cluster.transactionCoordinatorOf(TX_ID));
      // Committed: the coordinator owes the commit markers when it dies (the window in which a
      // single node restarting loses them, see es-bus-kafka's BrokerRestartTest).
      ArmedKill coordinatorAfterCommit =
          new ArmedKill("the coordinator of " + TX_ID + ", just after a commit", () -> cluster.transactionCoordinatorOf(TX_ID));
      AtomicInteger batches = new AtomicInteger();
      Runnable afterSends =
          () -> {
            int batch = batches.incrementAndGet();
            leader.runIfArmed(cluster, batch);
            coordinator.runIfArmed(cluster, batch);
          };
      Runnable afterKafkaCommit = () -> coordinatorAfterCommit.runIfArmed(cluster, batches.get());

      SimpleMeterRegistry relayMeters = new SimpleMeterRegistry();
      KafkaRelayBuilder builder =
          KafkaRelay.builder(store)
              .kafkaSettings(
                  Map.of(
                      "bootstrap.servers", cluster.bootstrapServers(),
                      "max.block.ms", 10_000,
                      "request.timeout.ms", 3000,
                      "delivery.timeout.ms", 15_000,
                      "transaction.timeout.ms", 20_000,
                      "reconnect.backoff.max.ms", 500))
              .transactionalId(TX_ID)
              .partitions(PARTITIONS)
              .replicationFactor(3)
              .batchSize(50)
              .pollInterval(Duration.ofMillis(100))
              .maxBackoff(Duration.ofSeconds(1))
              .meterRegistry(relayMeters);
      RelayHooks.afterSends(builder, afterSends);
      RelayHooks.afterKafkaCommit(builder, afterKafkaCommit);
      try (KafkaRelay relay = builder.build().start();
          KafkaProjectionRunner runner =
              manager
                  .kafkaRunner(
                      balances,
                      Map.of(
                          ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
                          ConsumerConfig.GROUP_ID_CONFIG, "balances-cluster",
                          ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                          ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000,
                          ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500),
                      List.of(TOPIC))
                  .maxBatchRecords(50)
                  .build()) {
        runner.start();
        AtomicBoolean stop = new AtomicBoolean();
        List<CompletableFuture<Integer>> writers = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
          String prefix = "w" + w + "-acc-";
          writers.add(CompletableFuture.supplyAsync(() -> write(store, relay, prefix, stop)));
        }
        await("the relay's fifth batch").atMost(WAIT).until(() -> batches.get() >= 5);

        // Each kill leaves two nodes up (min.insync.replicas=2); a killed node is back in sync
        // before the next kill. The last one stays down to the end.
        for (ArmedKill kill : List.of(leader, coordinator, coordinatorAfterCommit)) {
          int node = kill.armAndAwait();
          long killedAt = System.nanoTime();
          awaitRelayPast(relay, store.headPosition(), "with node " + node + " down");
          LOG.info("relay past the head {} ms after killing {}", (System.nanoTime() - killedAt) / 1_000_000, kill.what);
          if (kill != coordinatorAfterCommit) {
            cluster.broker(node).restart();
            cluster.awaitAllInSync(WAIT);
          }
        }

        stop.set(true);
        int written = writers.stream().mapToInt(CompletableFuture::join).sum();
        LOG.info(
            "writers appended {} events; relay ran {} batches, counted {} errors",
            written, batches.get(), relayMeters.get("cairn.relay.errors").counter().count());
        awaitRelayPast(relay, store.headPosition(), "at the end");

        String view = manager.readModel(balances.spec()).view();
        await("the read model equals the fold of the store")
            .atMost(WAIT)
            .untilAsserted(() -> assertThat(Bank.read(store, view)).isEqualTo(Bank.fold(readAll(store, GlobalPosition.START))));
        assertThat(manager.deadLetters().count(balances.spec())).as("events parked").isZero();
      }
      assertExactlyOnceInOrder(readCommitted(cluster.bootstrapServers()), readAll(store, GlobalPosition.START));
      LOG.info("whole scenario took {} ms", (System.nanoTime() - t0) / 1_000_000);
    }
  }

  /** The leader of an event partition on a node that does not coordinate the relay's transactions. */
  private static int leaderOtherThanCoordinator(KafkaCluster cluster) {
    int coordinator = cluster.transactionCoordinatorOf(TX_ID);
    int leader = cluster.leaderOf(TOPIC, 0);
    for (int p = 0; p < PARTITIONS && leader == coordinator; p++) {
      leader = cluster.leaderOf(TOPIC, p);
    }
    return leader;
  }

  /**
   * Appends, until told to stop, a deposit to each of ten accounts per round; returns the count.
   * A round waits until the relay has published the round before the previous one, so writes go
   * on through every kill without piling up a backlog that only measures the relay's throughput.
   */
  private static int write(JdbcEventStore store, KafkaRelay relay, String prefix, AtomicBoolean stop) {
    Ledger ledger = new Ledger(store);
    int events = 0;
    GlobalPosition previous = GlobalPosition.START;
    GlobalPosition last = GlobalPosition.START;
    for (int round = 0; round < 2000 && !stop.get(); round++) {
      GlobalPosition published = previous;
      await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> stop.get() || relay.status().position().compareTo(published) >= 0);
      previous = last;
      for (int a = 0; a < 10; a++) {
        List<RecordedEvent> appended =
            round == 0
                ? ledger.append(prefix + a, new Opened("owner-" + a), new Deposited(round + 1))
                : ledger.append(prefix + a, new Deposited(round + 1));
        events += appended.size();
        last = appended.get(appended.size() - 1).position();
      }
    }
    return events;
  }

  private static void awaitRelayPast(KafkaRelay relay, GlobalPosition head, String when) {
    await("relay reaches " + head + " " + when)
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(50))
        .until(() -> relay.status().position().compareTo(head) >= 0);
  }

  /**
   * Reads every committed record of the event topic with a {@code read_committed} consumer, once
   * no transaction is open on it (last stable offsets equal to the high watermarks).
   */
  private static List<ConsumerRecord<String, byte[]>> readCommitted(String bootstrap) {
    Map<String, Object> config =
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
            ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> committed = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
        KafkaConsumer<String, byte[]> uncommitted =
            new KafkaConsumer<>(
                Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted"),
                new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          committed.partitionsFor(TOPIC, WAIT).stream().map(p -> new TopicPartition(TOPIC, p.partition())).toList();
      Map<TopicPartition, Long> written = uncommitted.endOffsets(partitions, WAIT);
      Map<TopicPartition, Long> end =
          await("no transaction open on " + partitions + " at " + written)
              .atMost(WAIT)
              .pollInterval(Duration.ofMillis(100))
              .pollInSameThread()
              .until(() -> committed.endOffsets(partitions, WAIT), written::equals);
      committed.assign(partitions);
      committed.seekToBeginning(partitions);
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (partitions.stream().anyMatch(tp -> committed.position(tp) < end.get(tp))) {
        assertThat(System.nanoTime()).as("reading %s to %s in time", TOPIC, end).isLessThan(deadline);
        committed.poll(Duration.ofMillis(200)).forEach(records::add);
      }
    }
    return records;
  }

  /** Every stored event exactly once, and per key versions 1..n in offset order. */
  private static void assertExactlyOnceInOrder(List<ConsumerRecord<String, byte[]>> records, List<RecordedEvent> stored) {
    List<String> published = records.stream().map(r -> header(r, CairnRecords.CE_ID)).sorted().toList();
    List<String> expected = stored.stream().map(e -> e.eventId().toString()).sorted().toList();
    assertThat(published).as("event ids published (a multiset)").isEqualTo(expected);
    Map<String, List<Long>> versionsByKey = new LinkedHashMap<>();
    for (ConsumerRecord<String, byte[]> r : records) {
      versionsByKey.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(Long.parseLong(header(r, CairnRecords.VERSION)));
    }
    versionsByKey.forEach(
        (key, versions) ->
            assertThat(versions)
                .as("versions of %s in offset order", key)
                .isEqualTo(LongStream.rangeClosed(1, versions.size()).boxed().toList()));
  }

  private static String header(ConsumerRecord<String, byte[]> r, String key) {
    return new String(r.headers().lastHeader(key).value(), StandardCharsets.UTF_8);
  }
}
