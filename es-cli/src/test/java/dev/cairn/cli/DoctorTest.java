package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.admin.testing.Accounts;
import dev.cairn.api.AppendRequest;
import dev.cairn.api.EventMetadata;
import dev.cairn.api.NewEvent;
import dev.cairn.api.SerializedEvent;
import dev.cairn.bus.kafka.KafkaRelay;
import dev.cairn.projections.FailurePolicy;
import dev.cairn.projections.Projection;
import dev.cairn.projections.ProjectionManager;
import dev.cairn.projections.StoreProjectionRunner;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.KafkaExtension;
import dev.cairn.testkit.PostgresExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code cairn doctor} against real stalls: each cause is made to happen for real, and the doctor
 * must name it and exit 1.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DoctorTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration WAIT = Duration.ofSeconds(60);

  JdbcEventStore store;
  Accounts accounts;

  @BeforeEach
  void freshStore() {
    store = Accounts.store(pg.dataSource(), "doc");
    accounts = new Accounts(store);
    accounts.append("acc-1", new Accounts.Opened("ann"), new Accounts.Deposited(5));
  }

  Cli.Result doctor(String... extra) {
    List<String> args = new ArrayList<>(List.of("doctor", "--jdbc-url", pg.jdbcUrl(), "--schema", store.schema(),
        "--fence-held-after", "1", "--stalled-after", "1"));
    args.addAll(List.of(extra));
    return Cli.run(args.toArray(String[]::new));
  }

  static JsonNode finding(Cli.Result r, String check) throws Exception {
    for (JsonNode f : JSON.readTree(r.out()).get("findings")) {
      if (f.get("check").asText().equals(check)) {
        return f;
      }
    }
    throw new AssertionError("no finding " + check + " in " + r);
  }

  @Test
  void healthyStore_exits0_andSkipsTheKafkaChecksWithoutBootstrapServers() {
    Cli.Result r = doctor();
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("OK       fence", "no open or prepared transaction holds the global-order fence",
        "SKIPPED  position-topic  needs Kafka: give --bootstrap-servers", "no problem found");
  }

  @Test
  void openAppender_holdingTheFence_isNamedWithItsPid_exit1() throws Exception {
    try (Handle appender = pg.jdbi().open()) {
      appender.setTransactionIsolationLevel(TransactionIsolationLevel.REPEATABLE_READ);
      appender.begin();
      store.append(appender, request("acc-held", 0));
      int pid = appender.createQuery("SELECT pg_backend_pid()").mapTo(Integer.class).one();
      accounts.append("acc-1", new Accounts.Deposited(7)); // committed, but behind the fence
      await().atMost(WAIT).until(() -> doctor().exitCode() == Cairn.PROBLEM);
      Cli.Result r = doctor();
      assertThat(r.out()).contains("PROBLEM  fence", "pid " + pid, "idle in transaction",
          "1 committed event(s) wait behind it", "SELECT pg_terminate_backend(" + pid + ")",
          "doctor found a problem (exit 1)");
      JsonNode json = finding(doctor("--json"), "fence");
      assertThat(json.get("severity").asText()).isEqualTo("PROBLEM");
      appender.rollback();
    }
    assertThat(doctor().exitCode()).isZero();
  }

  @Test
  void preparedAppender_holdingTheFence_isNamedWithItsGid_exit1() {
    String gid = "doctor-" + store.schema();
    try {
      try (Handle appender = pg.jdbi().open()) {
        appender.getConfig(org.jdbi.v3.core.Handles.class).setForceEndTransactions(false);
        appender.setTransactionIsolationLevel(TransactionIsolationLevel.REPEATABLE_READ);
        appender.begin();
        store.append(appender, request("acc-prepared", 0));
        appender.execute("PREPARE TRANSACTION '" + gid + "'");
      }
      await().atMost(WAIT).until(() -> doctor().exitCode() == Cairn.PROBLEM);
      Cli.Result r = doctor();
      assertThat(r.out()).contains("PROBLEM  fence", "a prepared transaction", gid, "ROLLBACK PREPARED");
    } finally {
      pg.jdbi().useHandle(h -> h.execute("ROLLBACK PREPARED '" + gid + "'"));
    }
  }

  @Test
  void parkedEvent_isNamedWithItsProjectionAndError_exit1() {
    accounts.append("acc-2", new Accounts.Opened("bob"), new Accounts.Deposited(Accounts.POISON));
    ProjectionManager manager = ProjectionManager.create(store, Accounts.SERIALIZER);
    manager.migrate();
    Projection balances = Accounts.balances(1, true);
    manager.install(balances);
    try (StoreProjectionRunner runner =
        manager.storeRunner(balances).failurePolicy(FailurePolicy.builder().maxAttempts(1).build()).build()) {
      runner.start();
      assertThat(runner.awaitCaughtUp(WAIT)).isTrue();
    }
    Cli.Result r = doctor();
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(Cairn.PROBLEM);
    assertThat(r.out()).contains("PROBLEM  parked", "projection balances v1: 1 event(s) parked",
        "poison deposit in acc-2", "cairn dead-letters list --projection balances");
  }

  @Test
  void storeRunnerThatStoppedCommitting_whileEventsWait_exit1() {
    ProjectionManager manager = ProjectionManager.create(store, Accounts.SERIALIZER);
    manager.migrate();
    Projection balances = Accounts.balances(1, false);
    manager.install(balances);
    try (StoreProjectionRunner runner = manager.storeRunner(balances).build()) {
      runner.start();
      assertThat(runner.awaitCaughtUp(WAIT)).isTrue();
    }
    assertThat(doctor().out()).contains("OK       store-runners", "balances v1: 0 event(s) behind");
    accounts.append("acc-1", new Accounts.Deposited(9));
    await().atMost(WAIT).until(() -> doctor().exitCode() == Cairn.PROBLEM);
    assertThat(doctor().out()).contains("PROBLEM  store-runners", "store-fed runner of balances v1 has not committed",
        "while 1 event(s) wait");
  }

  @Test
  void positionBeyondTheDatabase_transactionIdsWentBackwards_exit1() {
    store.migrate("classpath:dev/cairn/bus/kafka/migration", "cairn_relay_schema_history");
    // What a restore from an older backup leaves: a relay position the database never reached.
    store.jdbi().useHandle(h -> h.execute("INSERT INTO " + store.qualifiedTable("relay_positions")
        + " (transactional_id, tx_id, global_position) VALUES ('restored', 999999999, 1)"));
    Cli.Result r = doctor();
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(Cairn.PROBLEM);
    assertThat(r.out()).contains("PROBLEM  positions", "relay restored", "transaction ids went backwards");
  }

  @Test
  void relay_lockHolderIsNamed_andAStoppedRelayWithEventsWaiting_exit1() {
    String prefix = kafka.name("doc-relay.");
    Map<String, Object> settings = Map.of("bootstrap.servers", kafka.bootstrapServers());
    try (KafkaRelay relay = KafkaRelay.builder(store).kafkaSettings(settings).topicPrefix(prefix)
        .transactionalId(prefix + "relay").partitions(1).build().start()) {
      await().atMost(WAIT).until(() -> relay.status().position().equals(store.headPosition()));
      await().atMost(WAIT).until(() -> doctor("--topic-prefix", prefix).out().contains("relay-progress  relay "));
      Cli.Result r = doctor("--bootstrap-servers", kafka.bootstrapServers(), "--topic-prefix", prefix);
      assertThat(r.exitCode()).as(r.toString()).isZero();
      assertThat(r.out()).contains("OK       relay-lock      the relay lock is held by pid",
          "OK       position-topic  position topic " + prefix + "cairn-relay-positions is compacted",
          "OK       event-size      1 event topic(s) take records of");
    }
    accounts.append("acc-1", new Accounts.Deposited(11));
    Cli.Result r = doctor("--topic-prefix", prefix);
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(Cairn.PROBLEM);
    assertThat(r.out()).contains("PROBLEM  relay-lock", "no process holds the relay lock",
        "1 event(s) after");
  }

  @Test
  void positionTopicThatDeletes_andEventTopicTooSmall_areNamed_exit1() throws Exception {
    String prefix = kafka.name("doc-bad.");
    try (Admin admin = kafka.admin()) {
      admin.createTopics(List.of(
          new NewTopic(prefix + KafkaRelay.POSITION_TOPIC, 1, (short) 1).configs(Map.of("cleanup.policy", "delete")),
          new NewTopic(prefix + "account", 1, (short) 1).configs(Map.of("max.message.bytes", "100000"))))
          .all().get(30, TimeUnit.SECONDS);
    }
    Cli.Result r = doctor("--bootstrap-servers", kafka.bootstrapServers(), "--topic-prefix", prefix);
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(Cairn.PROBLEM);
    assertThat(r.out()).contains(
        "PROBLEM  position-topic  position topic " + prefix + "cairn-relay-positions has cleanup.policy=delete",
        "PROBLEM  event-size      topic " + prefix + "account has max.message.bytes=100000",
        "raise it to at least 1638400");
  }

  @Test
  void unreachableKafka_isReportedByTheKafkaChecks_notAHang() {
    Cli.Result r = doctor("--bootstrap-servers", "127.0.0.1:1");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(Cairn.PROBLEM);
    assertThat(r.out()).contains("PROBLEM  kafka", "cannot reach Kafka at 127.0.0.1:1");
  }

  private static AppendRequest request(String stream, long expected) {
    SerializedEvent s = Accounts.SERIALIZER.serialize(new Accounts.Opened("x"));
    return new AppendRequest(stream, "account", expected,
        List.of(new NewEvent(UUID.randomUUID(), s.eventType(), s.revision(), s.json(), EventMetadata.EMPTY)));
  }
}
