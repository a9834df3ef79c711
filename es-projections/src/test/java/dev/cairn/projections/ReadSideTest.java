package dev.cairn.projections;

import static dev.cairn.projections.Bank.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.api.EventSerializer;
import dev.cairn.api.GlobalPosition;
import dev.cairn.api.Health;
import dev.cairn.api.RecordedEvent;
import dev.cairn.bus.kafka.CairnRecords;
import dev.cairn.bus.kafka.KafkaRelay;
import dev.cairn.projections.Bank.Deposited;
import dev.cairn.projections.Bank.Ledger;
import dev.cairn.projections.Bank.Row;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.KafkaExtension;
import dev.cairn.testkit.PostgresDatabase;
import dev.cairn.testkit.PostgresExtension;
import dev.cairn.testkit.PostgresServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The read side on a PostgreSQL server of its own: the write side (store and relay) runs on one
 * server, the read side (a {@link ProjectionManager} built from a data source, Kafka-fed runners)
 * on another, and the two share nothing but Kafka.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ReadSideTest {

  @RegisterExtension static final PostgresExtension writeSide = new PostgresExtension();
  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();
  static final Duration WAIT = Duration.ofSeconds(60);
  static final AtomicInteger NAMES = new AtomicInteger();
  static final int PARTITIONS = 4;

  static PostgresServer readServer;
  static PostgresDatabase readDb;

  JdbcEventStore store;
  Ledger ledger;
  KafkaRelay relay;
  String topic;
  String group;
  String schema;
  SimpleMeterRegistry meters;
  ProjectionManager readSide;

  @BeforeAll
  static void startTheReadSidesServer() {
    readServer = PostgresServer.embedded(Map.of());
    readDb = readServer.createDatabase("ReadSideTest");
  }

  @AfterAll
  static void stopTheReadSidesServer() {
    if (readDb != null) {
      readDb.close();
    }
    if (readServer != null) {
      readServer.close();
    }
  }

  @BeforeEach
  void setUp() {
    int n = NAMES.incrementAndGet();
    store = Bank.store(writeSide.dataSource());
    ledger = new Ledger(store);
    String prefix = kafka.name("rs" + n + ".");
    topic = prefix + "account";
    group = "balances-" + n;
    relay =
        KafkaRelay.builder(store)
            .kafkaSettings(Map.of("bootstrap.servers", kafka.bootstrapServers()))
            .topicPrefix(prefix)
            .transactionalId(kafka.name("relay-" + n))
            .partitions(PARTITIONS)
            .batchSize(100)
            .meterRegistry(new SimpleMeterRegistry())
            .build()
            .start();
    schema = "reads" + n;
    meters = new SimpleMeterRegistry();
    readSide = readSideManager();
    readSide.migrate();
  }

  @AfterEach
  void tearDown() {
    if (relay != null) {
      relay.close();
    }
  }

  /** One read-side instance's manager: the read side's database and nothing of the write side. */
  ProjectionManager readSideManager() {
    return ProjectionManager.readSide(readDb.dataSource(), Bank.SERIALIZER).schema(schema).meterRegistry(meters).build();
  }

  KafkaProjectionRunner.Builder runner(ProjectionManager manager, Projection p, String instance, Map<String, Object> extra) {
    Map<String, Object> config = kafka.consumerConfig(group);
    config.putAll(extra);
    return manager.kafkaRunner(p, config, List.of(topic)).maxBatchRecords(50).instanceId(kafka.name(instance));
  }

  static Map<String, Row> read(String table) {
    return readJdbi()
        .withHandle(
            h ->
                h.createQuery("SELECT account, balance, events FROM " + table)
                    .reduceRows(
                        new TreeMap<String, Row>(),
                        (m, rv) -> {
                          m.put(rv.getColumn("account", String.class), new Row(rv.getColumn("balance", Long.class), rv.getColumn("events", Long.class)));
                          return m;
                        }));
  }

  static Jdbi readJdbi() {
    return readDb.jdbi();
  }

  /** Waits until a read-side table equals the fold of every event of the write side's store. */
  void awaitFoldOfTheStore(String table) {
    await()
        .atMost(WAIT)
        .untilAsserted(() -> assertThat(read(table)).isEqualTo(Bank.fold(readAll(store, GlobalPosition.START))));
  }

  @Test
  void readSideOnItsOwnServer_foldsWhatTheRelayPublished_withoutTheEventStore() {
    Projection balances = Bank.balances("balances", 1, false);
    assertThat(readSide.install(balances)).isTrue();
    ledger.fill("acc-", 20, 5);
    String view = readSide.readModel(balances.spec()).view();
    try (KafkaProjectionRunner runner = runner(readSide, balances, "a", Map.of()).build()) {
      runner.start();
      awaitFoldOfTheStore(view);
      ledger.fill("acc-", 25, 1);
      awaitFoldOfTheStore(view);

      // Offsets, lag, metrics and health, all in the read side's database and registry.
      assertThat(readSide.hasStore()).isFalse();
      assertThat(readSide.versions())
          .singleElement()
          .satisfies(v -> assertThat(v.offsets()).hasSize(PARTITIONS).allSatisfy((tp, next) -> assertThat(next).isPositive()));
      await().atMost(WAIT).untilAsserted(() -> assertThat(runner.status().lag().values()).hasSize(PARTITIONS).containsOnly(0L));
      assertThat(meters.get("cairn.projection.lag").gauges()).hasSize(PARTITIONS);
      await().atMost(WAIT).untilAsserted(() ->
          assertThat(meters.get("cairn.projection.events").counter().count()).isEqualTo(readAll(store, GlobalPosition.START).size()));
      assertThat(runner.health().status()).isEqualTo(Health.Status.UP);
      // The read side's database holds no event store.
      assertThat(absent(schema + ".events")).isTrue();

      // Replays from the beginning, from an instant and from offsets: the topics are the source.
      runner.replayFromBeginning();
      awaitFoldOfTheStore(view);
      runner.replayFrom(Instant.EPOCH);
      awaitFoldOfTheStore(view);
      Map<TopicPartition, Long> zero = new HashMap<>();
      for (int p = 0; p < PARTITIONS; p++) {
        zero.put(new TopicPartition(topic, p), 0L);
      }
      runner.replayFrom(zero);
      awaitFoldOfTheStore(view);
    }
  }

  @Test
  void runnerOfARetiredVersion_thatClaimsItsFirstPartitionAfterTheSwitch_claimsNothing_andStops() throws Exception {
    ledger.fill("acc-", 5, 2);
    Projection v1 = Bank.balances("balances", 1, false);
    readSide.install(v1);
    // v1's runner runs, but holds no partition yet: its topic does not exist. So the switch finds no
    // offset row of v1 to fence (as with a runner whose first assignment comes after the switch).
    String later = topic + "-later";
    Map<String, Object> config = kafka.consumerConfig(group);
    config.put("metadata.max.age.ms", 500);
    try (KafkaProjectionRunner old = readSide.kafkaRunner(v1, config, List.of(later)).instanceId(kafka.name("old")).build()) {
      old.start();
      KafkaRebuild rebuild =
          KafkaRebuild.start(readSide, RebuildTest.balancesV2(), kafka.consumerConfig(group + "-v2"), List.of(topic), b -> {});
      rebuild.switchOver(WAIT);
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
        admin.createTopics(List.of(new NewTopic(later, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
      }
      String claimed = "SELECT count(*) FROM " + schema + ".projection_offsets WHERE name = 'balances' AND version = 1";
      await().atMost(WAIT).until(
          () -> old.state() == RunnerState.STOPPED || readDb.jdbi().withHandle(h -> h.createQuery(claimed).mapTo(Long.class).one()) > 0);
      long rows = readDb.jdbi().withHandle(h -> h.createQuery(claimed).mapTo(Long.class).one());
      assertThat(rows).as("offset rows the retired version's runner claimed after the switch").isZero();
      assertThat(old.state()).isEqualTo(RunnerState.STOPPED);
      assertThat(readSide.activeVersion("balances")).hasValue(2);
      rebuild.runner().close();
    }
  }

  @Test
  void readmeReadSideSnippet_runs_andTheReadmeCopyMatches() throws Exception {
    Projection balances = Bank.balances("balances", 1, false);
    Projection balancesV2 = RebuildTest.balancesV2();
    DataSource readModelDataSource = readDb.dataSource();
    EventSerializer serializer = Bank.SERIALIZER;
    Map<String, Object> consumerConfig = kafka.consumerConfig(group);
    Map<String, Object> consumerConfigV2 = kafka.consumerConfig(group + "-v2");
    List<String> topics = List.of(topic);
    ledger.fill("acc-", 5, 2);

    // readme:readside:start
    ProjectionManager readSide = ProjectionManager.readSide(readModelDataSource, serializer)
        .schema("orders_read")  // the read side's own database; no event store in it
        .build();
    readSide.migrate();
    readSide.install(balances);
    KafkaProjectionRunner runner = readSide.kafkaRunner(balances, consumerConfig, topics).build();
    runner.start();

    KafkaRebuild rebuild = KafkaRebuild.start(readSide, balancesV2, consumerConfigV2, topics, b -> {});
    rebuild.switchOver(Duration.ofMinutes(30));  // built from offset 0; one transaction switches the view
    // readme:readside:end

    try (runner; KafkaProjectionRunner v2 = rebuild.runner()) {
      assertThat(readSide.activeVersion("balances")).hasValue(2);
      assertThat(v2.spec).isEqualTo(balancesV2.spec());
      ledger.fill("acc-", 6, 1);
      await()
          .atMost(WAIT)
          .untilAsserted(() -> assertThat(read("orders_read.balances")).isEqualTo(Bank.fold(readAll(store, GlobalPosition.START))));
      await().atMost(WAIT).until(() -> runner.state() == RunnerState.STOPPED);
    }
    assertThat(normalized(readmeSnippet("readside"))).isEqualTo(normalized(sourceSnippet("readside")));
  }

  private static String readmeSnippet(String name) throws IOException {
    String readme = Files.readString(root().resolve("README.md"));
    int marker = readme.indexOf("<!-- example: ReadSideTest " + name + " -->");
    assertThat(marker).as("README marker for " + name).isNotNegative();
    int start = readme.indexOf("```java\n", marker) + "```java\n".length();
    return readme.substring(start, readme.indexOf("```", start));
  }

  private static String sourceSnippet(String name) throws IOException {
    String source = Files.readString(root().resolve("es-projections/src/test/java/dev/cairn/projections/ReadSideTest.java"));
    String open = "// readme:" + name + ":start\n";
    int start = source.indexOf(open) + open.length();
    return source.substring(start, source.indexOf("    // readme:" + name + ":end"));
  }

  private static String normalized(String code) {
    return code.lines().map(String::strip).filter(l -> !l.isEmpty()).collect(Collectors.joining("\n"));
  }

  private static Path root() {
    Path dir = Path.of("").toAbsolutePath();
    return Files.exists(dir.resolve("README.md")) && Files.exists(dir.resolve("es-projections")) ? dir : dir.getParent();
  }

  @Test
  void kafkaRebuild_needsANewerVersion_andAnAbandonedOneLeavesTheServingVersionAlone() {
    Projection v1 = Bank.balances("balances", 1, false);
    readSide.install(v1);
    assertThatThrownBy(() -> KafkaRebuild.start(readSide, v1, kafka.consumerConfig(group), List.of(topic), b -> {}))
        .isInstanceOf(ProjectionException.class)
        .hasMessageContaining("above the active one, 1");
    KafkaRebuild rebuild =
        KafkaRebuild.start(readSide, RebuildTest.balancesV2(), kafka.consumerConfig(group + "-v2"), List.of(topic), b -> {});
    assertThat(readSide.status(rebuild.spec())).hasValue("BUILDING");
    rebuild.abandon();
    assertThat(rebuild.runner().state()).isEqualTo(RunnerState.STOPPED);
    assertThat(readSide.status(rebuild.spec())).isEmpty();
    assertThat(absent(readSide.readModel(rebuild.spec()).table())).isTrue();
    assertThat(readSide.activeVersion("balances")).hasValue(1);
  }

  @Test
  void readSide_refusesStoreOnlyOperations_namingWhy() {
    Projection balances = Bank.balances("balances", 1, false);
    readSide.install(balances);
    assertThatThrownBy(() -> readSide.storeRunner(balances))
        .isInstanceOf(ProjectionException.class)
        .hasMessageContaining("needs the event store")
        .hasMessageContaining("read side built from a DataSource")
        .hasMessageContaining("kafkaRunner()");
    assertThatThrownBy(() -> readSide.rebuild(Bank.balances("balances", 2, false)))
        .isInstanceOf(ProjectionException.class)
        .hasMessageContaining("store-fed rebuild of balances v2")
        .hasMessageContaining("KafkaRebuild");
    // Nothing was installed by the refused rebuild.
    assertThat(readSide.status(Bank.balances("balances", 2, false).spec())).isEmpty();
    assertThatThrownBy(() -> ProjectionManager.readSide(readDb.dataSource(), Bank.SERIALIZER).schema("Bad-Schema"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Bad-Schema");
    assertThatThrownBy(() -> ProjectionManager.readSide(readDb.dataSource(), Bank.SERIALIZER).schema("a").schema("b"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already set to a");
  }

  @Test
  void poisonEvent_onTheReadSide_isParked_andAppliedByARetryAfterTheFix() {
    Projection broken = Bank.balances("balances", 1, true);
    readSide.install(broken);
    Bank.POISON_FIXED.set(false);
    ledger.append("bad", new Bank.Opened("x"), new Deposited(Bank.POISON));
    ledger.fill("ok-", 4, 2);
    FailurePolicy fast = FailurePolicy.builder().backoff(Duration.ofMillis(1), Duration.ofMillis(2)).build();
    try (KafkaProjectionRunner runner = runner(readSide, broken, "a", Map.of()).failurePolicy(fast).build()) {
      runner.start();
      await().atMost(WAIT).until(() -> readSide.deadLetters().count(broken.spec()) == 1);
      ParkedEvent parked = readSide.deadLetters().list(broken.spec()).get(0);
      assertThat(parked.topic()).isEqualTo(topic);
      await().atMost(WAIT).untilAsserted(() -> assertThat(runner.health().status()).isEqualTo(Health.Status.DEGRADED));
      Bank.POISON_FIXED.set(true);
      readSide.deadLetters().retry(broken, parked.id());
      awaitFoldOfTheStore(readSide.readModel(broken.spec()).view());
    } finally {
      Bank.POISON_FIXED.set(false);
    }
  }

  @Test
  void twoReadSideInstances_shareThePartitions_oneKilledMidBatch_theOtherTakesOver_andAppliesEveryEventOnce()
      throws Exception {
    Projection balances = Bank.balances("balances", 1, false);
    readSide.install(balances);
    ProjectionManager instanceB = readSideManager();
    CountDownLatch inBatch = new CountDownLatch(1);
    CountDownLatch killed = new CountDownLatch(1);
    AtomicBoolean blockNextBatch = new AtomicBoolean();
    // A short session: a killed static member's partitions go to the other at its session timeout.
    Map<String, Object> shortSession = Map.of(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 6000);
    KafkaProjectionRunner a = runner(readSide, balances, "instance-a", shortSession).build();
    KafkaProjectionRunner b = runner(instanceB, balances, "instance-b", shortSession).build();
    // Inside A's batch, after it applied the events and before the commit, A is held until it is
    // killed: its transaction then dies with it, as with a process that vanished mid-batch.
    a.beforeCommit(
        () -> {
          if (blockNextBatch.compareAndSet(true, false)) {
            inBatch.countDown();
            try {
              killed.await(120, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("instance A was killed mid-batch");
          }
        });
    try {
      // The relay creates the topic with its first batch; consumers then find it at once.
      ledger.fill("acc-", 20, 3);
      await("the relay's topic").atMost(WAIT).until(() -> kafka.topics().contains(topic));
      a.start();
      b.start();
      await("both instances hold partitions")
          .atMost(WAIT)
          .until(() -> owners(balances).size() == 2);
      // A may have applied the first events alone before B joined; these land on both.
      ledger.fill("acc-", 20, 1);
      awaitFoldOfTheStore(readSide.readModel(balances.spec()).view());
      await().atMost(WAIT).untilAsserted(() -> {
        assertThat(a.applied()).isPositive();
        assertThat(b.applied()).isPositive();
      });

      blockNextBatch.set(true);
      // Every account gets events, so A's partitions get some and A enters a batch.
      ledger.fill("acc-", 20, 2);
      assertThat(inBatch.await(60, TimeUnit.SECONDS)).isTrue();
      long aAppliedAtKill = a.applied();
      CompletableFuture<Void> kill = CompletableFuture.runAsync(a::crash);
      killed.countDown();
      kill.get(60, TimeUnit.SECONDS);
      assertThat(a.state()).isEqualTo(RunnerState.STOPPED);

      // B takes A's partitions (after A's session ran out) and folds everything, once.
      await("B holds every partition").atMost(WAIT).until(() -> owners(balances).equals(List.of(b.owner)));
      ledger.fill("acc-", 22, 1);
      awaitFoldOfTheStore(readSide.readModel(balances.spec()).view());
      assertThat(a.applied()).isEqualTo(aAppliedAtKill);
      long total = readAll(store, GlobalPosition.START).size();
      // Counted after each commit: A's killed batch is not among them, and nothing counts twice.
      await().atMost(WAIT).untilAsserted(() -> assertThat(a.applied() + b.applied()).isEqualTo(total));
    } finally {
      killed.countDown();
      a.stop();
      b.stop();
    }
  }

  /** Tells whether a table is missing from the read side's database. */
  private static boolean absent(String table) {
    return readJdbi().withHandle(h -> h.createQuery("SELECT to_regclass(:t) IS NULL").bind("t", table).mapTo(Boolean.class).one());
  }

  /** The distinct owners of the version's partition rows. */
  private List<String> owners(Projection p) {
    return readJdbi()
        .withHandle(
            h ->
                h.createQuery("SELECT DISTINCT owner FROM " + readSide.sql().offsets + " WHERE name = :n AND version = :v ORDER BY owner")
                    .bind("n", p.spec().name())
                    .bind("v", p.spec().version())
                    .mapTo(String.class)
                    .list());
  }

  @Test
  void rebuildOnTheReadSide_whileTheWriteSideAppends_readersSeeNoErrorNorFewerRows_andV2EqualsTheFoldAtTheSwitch()
      throws Exception {
    Projection v1 = Bank.balances("balances", 1, false);
    readSide.install(v1);
    ledger.fill("acc-", 50, 10);
    String view = readSide.readModel(v1.spec()).view();
    KafkaProjectionRunner v1Runner = runner(readSide, v1, "v1", Map.of()).build();
    AtomicBoolean running = new AtomicBoolean(true);
    Thread appender = null;
    Thread reader = null;
    try {
      v1Runner.start();
      awaitFoldOfTheStore(view);
      long initialRows = read(view).size();

      AtomicLong minRows = new AtomicLong(Long.MAX_VALUE);
      AtomicLong reads = new AtomicLong();
      Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
      CountDownLatch appended = new CountDownLatch(200);
      appender =
          new Thread(
              () -> {
                for (int i = 0; running.get(); i++) {
                  try {
                    ledger.append("acc-" + (i % 60), i % 60 >= 50 && i < 60 ? new Bank.Opened("late") : new Deposited(i));
                    appended.countDown();
                  } catch (RuntimeException e) {
                    errors.add(e);
                    return;
                  }
                }
              });
      reader =
          new Thread(
              () -> {
                while (running.get()) {
                  try {
                    long n = readJdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM " + view).mapTo(Long.class).one());
                    minRows.accumulateAndGet(n, Math::min);
                    reads.incrementAndGet();
                  } catch (RuntimeException e) {
                    errors.add(e);
                  }
                }
              });
      appender.start();
      reader.start();

      Map<String, Object> v2Config = kafka.consumerConfig(group + "-v2");
      KafkaRebuild rebuild = KafkaRebuild.start(readSide, RebuildTest.balancesV2(), v2Config, List.of(topic), b -> b.maxBatchRecords(100));
      assertThat(readSide.status(rebuild.spec())).hasValue("BUILDING");
      assertThat(appended.await(60, TimeUnit.SECONDS)).isTrue();
      assertThat(rebuild.awaitCaughtUp(WAIT)).isTrue();
      long readsBefore = reads.get();

      // Paused, v2 stays as it was switched: it must equal the fold of the records before the
      // offsets the switch reports.
      rebuild.runner().pause();
      Map<TopicPartition, Long> at = rebuild.switchOver();
      assertThat(at).hasSize(PARTITIONS);
      assertThat(read(readSide.readModel(rebuild.spec()).table())).isEqualTo(Bank.fold(recordsBefore(at)));
      assertThat(readSide.activeVersion("balances")).hasValue(2);
      assertThat(readSide.status(v1.spec())).hasValue("RETIRED");
      rebuild.runner().resume();

      await().atMost(WAIT).until(() -> reads.get() > readsBefore + 10);
      running.set(false);
      appender.join();
      reader.join();

      assertThat(errors).isEmpty();
      assertThat(minRows.get()).isGreaterThanOrEqualTo(initialRows);
      awaitFoldOfTheStore(view);
      assertThat(read(view)).hasSize(60);
      // The old version's runner is fenced and its tables are gone.
      await().atMost(WAIT).until(() -> v1Runner.state() == RunnerState.STOPPED);
      assertThat(absent(readSide.readModel(v1.spec()).table())).isTrue();
      rebuild.runner().stop();
    } finally {
      running.set(false);
      if (appender != null) {
        appender.join();
      }
      if (reader != null) {
        reader.join();
      }
      v1Runner.stop();
    }
  }

  /** Reads the topic's committed records before the given offsets, as events. */
  private List<RecordedEvent> recordsBefore(Map<TopicPartition, Long> offsets) {
    Map<String, Object> config = kafka.consumerConfig("check-" + NAMES.incrementAndGet());
    List<RecordedEvent> events = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config)) {
      consumer.assign(offsets.keySet());
      consumer.seekToBeginning(offsets.keySet());
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (offsets.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
        assertThat(System.nanoTime()).as("reading the topic up to %s", offsets).isLessThan(deadline);
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.offset() < offsets.get(new TopicPartition(r.topic(), r.partition()))) {
            events.add(CairnRecords.toRecordedEvent(r));
          }
        }
      }
    }
    return events;
  }
}
