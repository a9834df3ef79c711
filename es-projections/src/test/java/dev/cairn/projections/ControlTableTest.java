package dev.cairn.projections;

import static dev.cairn.projections.Bank.assertFold;
import static dev.cairn.projections.Bank.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.api.GlobalPosition;
import dev.cairn.api.RecordedEvent;
import dev.cairn.projections.Bank.Deposited;
import dev.cairn.projections.Bank.Ledger;
import dev.cairn.projections.ProjectionCommand.Status;
import dev.cairn.projections.ProjectionCommand.Type;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.PostgresExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A running runner obeys each request written to the control table, as the CLI (another process)
 * or the admin API of any instance writes it: the test writes the rows through {@link
 * ProjectionCommands} only, never calling the runner.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ControlTableTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  static final Duration WAIT = Duration.ofSeconds(60);
  static final FailurePolicy FAST =
      FailurePolicy.builder().maxAttempts(2).backoff(Duration.ofMillis(1), Duration.ofMillis(5)).build();

  JdbcEventStore store;
  ProjectionManager manager;
  ProjectionCommands commands;
  Ledger ledger;

  @BeforeEach
  void setUp() {
    store = Bank.store(pg.dataSource());
    manager = Bank.manager(store);
    commands = ProjectionCommands.create(store);
    ledger = new Ledger(store);
    Bank.POISON_FIXED.set(false);
  }

  @AfterEach
  void fix() {
    Bank.POISON_FIXED.set(false);
  }

  private ProjectionCommand awaitDone(ProjectionCommand c) {
    await().atMost(WAIT).until(() -> java.util.Set.of(Status.DONE, Status.FAILED).contains(commands.find(c.id()).orElseThrow().status()));
    return commands.find(c.id()).orElseThrow();
  }

  @Test
  void pause_inTheTable_pausesTheRunningRunner_aRestartedRunnerStartsPaused_andResumeLetsItCatchUp() {
    Projection balances = Bank.balances("balances", 1, false);
    manager.install(balances);
    ledger.fill("a-", 3, 2);
    String view = manager.readModel(balances.spec()).view();
    StoreProjectionRunner first = manager.storeRunner(balances).build();
    first.start();
    assertThat(first.awaitCaughtUp(WAIT)).isTrue();

    ProjectionCommand pause = commands.request("balances", null, Type.PAUSE, Map.of(), "alice");
    assertThat(pause.status()).isEqualTo(Status.DONE);
    assertThat(pause.version()).isEqualTo(1);
    assertThat(commands.pause("balances", 1)).hasValueSatisfying(p -> assertThat(p.by()).isEqualTo("alice"));
    await().atMost(WAIT).until(() -> first.state() == RunnerState.PAUSED);
    List<RecordedEvent> before = readAll(store, GlobalPosition.START);
    ledger.fill("b-", 2, 1);
    assertFold(store, view, before);
    first.stop();

    // The pause is state: a runner started afterwards (a restarted instance) starts paused.
    try (StoreProjectionRunner second = manager.storeRunner(balances).build()) {
      second.start();
      await().atMost(WAIT).until(() -> second.state() == RunnerState.PAUSED);
      assertFold(store, view, before);
      // It reports about once a second, for processes that run no runner.
      await().atMost(WAIT).untilAsserted(() -> assertThat(commands.runners("balances"))
          .anySatisfy(r -> {
            assertThat(r.state()).isEqualTo("PAUSED");
            assertThat(r.instance()).isEqualTo(ControlWatch.instance());
          }));

      ProjectionCommand resume = commands.request("balances", 1, Type.RESUME, Map.of(), "bob");
      assertThat(resume.status()).isEqualTo(Status.DONE);
      await().atMost(WAIT).untilAsserted(() -> assertFold(store, view, readAll(store, GlobalPosition.START)));
      assertThat(second.state()).isEqualTo(RunnerState.RUNNING);
      assertThat(commands.list("balances", null, 10, 0))
          .extracting(ProjectionCommand::command, ProjectionCommand::requestedBy)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple(Type.RESUME, "bob"), org.assertj.core.groups.Tuple.tuple(Type.PAUSE, "alice"));
    }
    // A stopped runner's report is gone.
    assertThat(commands.runners("balances")).isEmpty();
  }

  @Test
  void replay_inTheTable_isExecutedByTheRunningRunner_fromTheBeginningOrAPosition_andRecordsWhoDidIt() {
    Projection balances = Bank.balances("balances", 1, false);
    manager.install(balances);
    ledger.fill("a-", 3, 3);
    String table = manager.readModel(balances.spec()).table();
    try (StoreProjectionRunner runner = manager.storeRunner(balances).build()) {
      runner.start();
      assertThat(runner.awaitCaughtUp(WAIT)).isTrue();
      // Damage the read model, so that only a replay can repair it.
      store.jdbi().useHandle(h -> h.execute("DELETE FROM " + table + " WHERE account = 'a-1'"));

      ProjectionCommand replay = commands.request("balances", null, Type.REPLAY, Map.of(), "carol");
      assertThat(replay.status()).isEqualTo(Status.PENDING);
      assertThat(replay.arguments()).containsEntry("from", "beginning");
      ProjectionCommand done = awaitDone(replay);
      assertThat(done.status()).as(done.result()).isEqualTo(Status.DONE);
      assertThat(done.result()).isEqualTo("replaying from the beginning");
      assertThat(done.executedBy()).contains(ControlWatch.instance());
      assertThat(done.executedAt()).isNotNull();
      await().atMost(WAIT).untilAsserted(() -> assertFold(store, table, readAll(store, GlobalPosition.START)));

      List<RecordedEvent> all = readAll(store, GlobalPosition.START);
      GlobalPosition after = all.get(5).position();
      ProjectionCommand fromPosition =
          awaitDone(commands.request("balances", 1, Type.REPLAY, Map.of("position", after.toString()), "carol"));
      assertThat(fromPosition.status()).isEqualTo(Status.DONE);
      await().atMost(WAIT).untilAsserted(() -> assertFold(store, table, all.subList(6, all.size())));

      // A store-fed runner has no Kafka offsets: the request fails, saying why.
      ProjectionCommand offsets =
          awaitDone(commands.request("balances", 1, Type.REPLAY, Map.of("offsets", Map.of("account-0", 3)), "carol"));
      assertThat(offsets.status()).isEqualTo(Status.FAILED);
      assertThat(offsets.result()).contains("not from Kafka offsets");
    }
  }

  @Test
  void retrySkipAndRetryAll_inTheTable_areExecutedByTheRunningRunner() {
    Projection broken = Bank.balances("balances", 1, true);
    manager.install(broken);
    ledger.append("bad-1", new Bank.Opened("x"), new Deposited(Bank.POISON), new Deposited(7));
    ledger.append("bad-2", new Bank.Opened("y"), new Deposited(Bank.POISON));
    ledger.append("bad-3", new Bank.Opened("z"), new Deposited(Bank.POISON));
    ledger.append("bad-4", new Bank.Opened("w"), new Deposited(Bank.POISON));
    String view = manager.readModel(broken.spec()).view();
    try (StoreProjectionRunner runner = manager.storeRunner(broken).failurePolicy(FAST).build()) {
      runner.start();
      assertThat(runner.awaitCaughtUp(WAIT)).isTrue();
      List<ParkedEvent> parked = manager.deadLetters().list(broken.spec());
      assertThat(parked).extracting(ParkedEvent::status).containsExactly("PARKED", "HELD", "PARKED", "PARKED", "PARKED");
      long bad1 = parked.get(0).id();
      long bad2 = parked.get(2).id();

      // Still broken: the retry fails, and the request says so.
      ProjectionCommand failed = awaitDone(commands.request("balances", null, Type.RETRY, Map.of("deadLetter", bad1), "dan"));
      assertThat(failed.status()).isEqualTo(Status.FAILED);
      assertThat(failed.result()).contains("failed again");

      ProjectionCommand skipped = awaitDone(commands.request("balances", null, Type.SKIP, Map.of("deadLetter", bad2), "dan"));
      assertThat(skipped.status()).as(skipped.result()).isEqualTo(Status.DONE);
      assertThat(skipped.result()).isEqualTo("skipped dead letter " + bad2);

      Bank.POISON_FIXED.set(true);
      ProjectionCommand retried = awaitDone(commands.request("balances", null, Type.RETRY, Map.of("deadLetter", bad1), "dan"));
      assertThat(retried.status()).as(retried.result()).isEqualTo(Status.DONE);
      assertThat(Bank.read(store, view)).containsEntry("bad-1", new Bank.Row(Bank.POISON + 7, 3));

      ProjectionCommand all = awaitDone(commands.request("balances", null, Type.RETRY_ALL, Map.of(), "dan"));
      assertThat(all.status()).as(all.result()).isEqualTo(Status.DONE);
      assertThat(all.result()).isEqualTo("retried 2: 2 applied, 0 failed again");
      assertThat(manager.deadLetters().count(broken.spec())).isZero();
      await().atMost(WAIT).untilAsserted(() -> assertThat(runner.status().parked()).isZero());
    }
  }

  @Test
  void badRequests_areRefused_namingTheArgumentAndTheRule_andNothingIsWritten() {
    Projection balances = Bank.balances("balances", 1, false);
    manager.install(balances);
    assertThatThrownBy(() -> commands.request("nope", null, Type.PAUSE, Map.of(), "eve"))
        .isInstanceOf(NoSuchElementException.class)
        .hasMessageContaining("nope");
    assertThatThrownBy(() -> commands.request("balances", 7, Type.PAUSE, Map.of(), "eve"))
        .isInstanceOf(NoSuchElementException.class)
        .hasMessageContaining("balances v7 is not installed");
    assertThatThrownBy(() -> commands.request("balances", null, Type.REPLAY, Map.of("from", "yesterday"), "eve"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("from must be \"beginning\" or an ISO-8601 instant");
    assertThatThrownBy(() -> commands.request("balances", null, Type.REPLAY, Map.of("from", "beginning", "position", "1/1"), "eve"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("one of from, position or offsets");
    assertThatThrownBy(() -> commands.request("balances", null, Type.REPLAY, Map.of("offsets", Map.of("order-0", -1)), "eve"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("offset of order-0 must be an integer >= 0");
    assertThatThrownBy(() -> commands.request("balances", 1, Type.REBUILD, Map.of(), "eve"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("needs a version above the active one, 1");
    assertThatThrownBy(() -> commands.request("balances", 2, Type.REBUILD, Map.of("switchWhenCaughtUp", "yes"), "eve"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("switchWhenCaughtUp must be true or false");
    assertThatThrownBy(() -> commands.request("balances", null, Type.SKIP, Map.of("deadLetter", 99), "eve"))
        .isInstanceOf(NoSuchElementException.class)
        .hasMessageContaining("no dead letter 99");
    assertThatThrownBy(() -> commands.request("balances", null, Type.PAUSE, Map.of("now", true), "eve"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown argument now");
    assertThat(commands.count(null, null)).isZero();
    assertThat(commands.pause("balances", 1)).isEmpty();
  }
}
