package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.admin.CairnAdmin;
import dev.cairn.admin.testing.Accounts;
import dev.cairn.projections.FailurePolicy;
import dev.cairn.projections.Projection;
import dev.cairn.projections.ProjectionManager;
import dev.cairn.projections.RunnerState;
import dev.cairn.projections.StoreProjectionRunner;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.PostgresExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A running service (a runner and an admin with the projection's code, in this JVM) obeys every
 * mutating command given by the CLI, which reaches it only through the database: pause, resume,
 * replay, retry, skip, rebuild and switch; each is in the audit log.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CliControlTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration WAIT = Duration.ofSeconds(60);

  JdbcEventStore store;
  Accounts accounts;
  ProjectionManager manager;
  StoreProjectionRunner runner;
  CairnAdmin service;
  Projection v1 = Accounts.balances(1, true);
  Projection v2 = Accounts.balances(2, false);

  @BeforeEach
  void runningService() {
    Accounts.POISON_FIXED.set(false);
    store = Accounts.store(pg.dataSource(), "ctl");
    accounts = new Accounts(store);
    manager = ProjectionManager.create(store, Accounts.SERIALIZER);
    manager.migrate();
    manager.install(v1);
    accounts.append("acc-1", new Accounts.Opened("ann"), new Accounts.Deposited(5));
    runner = manager.storeRunner(v1)
        .failurePolicy(FailurePolicy.builder().maxAttempts(1).build())
        .pollInterval(Duration.ofMillis(100))
        .build();
    runner.start();
    service = CairnAdmin.builder(store).projections(manager).catalog(v1, v2).build();
    service.migrate();
    service.start();
    assertThat(runner.awaitCaughtUp(WAIT)).isTrue();
  }

  @AfterEach
  void stop() {
    service.close();
    runner.close();
    Accounts.POISON_FIXED.set(false);
  }

  /** A mutating command, as alice, waiting up to a minute for the service. */
  Cli.Result cli(String... command) {
    return read(concat(command, "--actor", "alice", "--wait", "60"));
  }

  Cli.Result read(String... command) {
    return Cli.run(concat(command, "--jdbc-url", pg.jdbcUrl(), "--schema", store.schema()));
  }

  static String[] concat(String[] head, String... tail) {
    List<String> args = new ArrayList<>(List.of(head));
    args.addAll(List.of(tail));
    return args.toArray(String[]::new);
  }

  long balance(String view, String account) {
    return store.jdbi().withHandle(h -> h.createQuery("SELECT coalesce(sum(balance), -1) FROM "
        + store.qualifiedTable(view) + " WHERE account = :a").bind("a", account).mapTo(Long.class).one());
  }

  @Test
  void pauseAndResume_fromTheCli_stopAndRestartTheRunningRunner() {
    Cli.Result pause = cli("projections", "pause", "balances");
    assertThat(pause.exitCode()).as(pause.toString()).isZero();
    assertThat(pause.out()).contains("command:", "PAUSE", "status:", "DONE", "requestedBy:", "alice");
    await().atMost(WAIT).until(() -> runner.state() == RunnerState.PAUSED);

    accounts.append("acc-1", new Accounts.Deposited(10));
    assertThat(balance("balances_v1", "acc-1")).isEqualTo(5);

    Cli.Result resume = cli("projections", "resume", "balances");
    assertThat(resume.exitCode()).as(resume.toString()).isZero();
    await().atMost(WAIT).until(() -> balance("balances_v1", "acc-1") == 15);

    Cli.Result audit = read("audit", "--json");
    assertThat(audit.exitCode()).as(audit.toString()).isZero();
    assertThat(audit.out()).contains("\"action\" : \"projection.resume\"", "\"action\" : \"projection.pause\"",
        "\"actor\" : \"alice\"");
  }

  @Test
  void replay_fromTheCli_isExecutedByTheRunningRunner_andTheReadModelIsRebuiltFromTheBeginning() {
    // Corrupt the read model behind the runner's back; a replay from the beginning must repair it.
    store.jdbi().useHandle(h -> h.execute("UPDATE " + store.qualifiedTable("balances_v1") + " SET balance = 999"));
    Cli.Result r = cli("projections", "replay", "balances", "--from", "beginning");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("REPLAY", "DONE");
    await().atMost(WAIT).until(() -> balance("balances_v1", "acc-1") == 5);
  }

  @Test
  void retryAndSkip_fromTheCli_areExecutedByTheRunningRunner() throws Exception {
    accounts.append("acc-2", new Accounts.Opened("bob"), new Accounts.Deposited(Accounts.POISON));
    accounts.append("acc-3", new Accounts.Opened("cy"), new Accounts.Deposited(Accounts.POISON));
    await().atMost(WAIT).until(() -> JSON.readTree(read("dead-letters", "list", "--json").out()).size() == 2);
    JsonNode letters = JSON.readTree(read("dead-letters", "list", "--json").out());
    long newest = letters.get(0).get("id").asLong();
    long oldest = letters.get(1).get("id").asLong();

    Accounts.POISON_FIXED.set(true);
    Cli.Result retry = cli("dead-letters", "retry", Long.toString(oldest));
    assertThat(retry.exitCode()).as(retry.toString()).isZero();
    assertThat(retry.out()).contains("RETRY", "DONE");
    assertThat(balance("balances_v1", "acc-2")).isEqualTo(Accounts.POISON);

    Cli.Result skip = cli("dead-letters", "skip", Long.toString(newest));
    assertThat(skip.exitCode()).as(skip.toString()).isZero();
    assertThat(balance("balances_v1", "acc-3")).isZero();
    assertThat(read("dead-letters", "list").out()).contains("no open dead letters");

    Cli.Result again = cli("dead-letters", "skip", Long.toString(newest));
    assertThat(again.exitCode()).as(again.toString()).isEqualTo(Cairn.FAILED);
    assertThat(again.err()).contains("is SKIPPED, not PARKED");
    Cli.Result unknown = cli("dead-letters", "retry", "424242");
    assertThat(unknown.exitCode()).isEqualTo(Cairn.NOT_FOUND);
  }

  @Test
  void rebuildAndSwitch_fromTheCli_areExecutedByTheServiceThatHasTheCode() {
    Cli.Result rebuild = cli("projections", "rebuild", "balances", "--version", "2");
    assertThat(rebuild.exitCode()).as(rebuild.toString()).isZero();
    assertThat(rebuild.out()).contains("REBUILD", "DONE");
    await().atMost(WAIT).until(() -> balance("balances_v2", "acc-1") == 5);

    Cli.Result noVersion = cli("projections", "switch", "balances");
    assertThat(noVersion.exitCode()).isEqualTo(Cairn.USAGE);
    assertThat(noVersion.err()).contains("switch needs --version");

    Cli.Result sw = cli("projections", "switch", "balances", "--version", "2");
    assertThat(sw.exitCode()).as(sw.toString()).isZero();
    assertThat(manager.activeVersion("balances")).hasValue(2);
    assertThat(read("projections", "list").out()).containsPattern("balances\\s+2\\s+ACTIVE");
  }

  @Test
  void unknownProjection_exits3_andTheRefusalIsAudited() {
    Cli.Result r = cli("projections", "pause", "nope");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(Cairn.NOT_FOUND);
    assertThat(r.err()).contains("no projection named nope is installed");
    assertThat(read("audit").out()).contains("projection.pause", "nope", "404");
  }
}
