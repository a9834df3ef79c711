package dev.cairn.projections;

import static dev.cairn.projections.Bank.assertFold;
import static dev.cairn.projections.Bank.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.api.GlobalPosition;
import dev.cairn.api.RecordedEvent;
import dev.cairn.projections.Bank.Ledger;
import dev.cairn.projections.Bank.Withdrawn;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.PostgresExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StoreRunnerTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  static final Duration WAIT = Duration.ofSeconds(30);

  JdbcEventStore store;
  ProjectionManager manager;
  Ledger ledger;

  @BeforeEach
  void setUp() {
    store = Bank.store(pg.dataSource());
    manager = Bank.manager(store);
    ledger = new Ledger(store);
  }

  @Test
  void storeRunner_appliesEveryEventOnce_andReportsItsStatus() {
    Projection balances = Bank.balances("balances", 1, false);
    assertThat(manager.install(balances)).isTrue();
    ledger.fill("acc-", 20, 5);
    try (StoreProjectionRunner runner = manager.storeRunner(balances).batchSize(17).build()) {
      runner.start();
      assertThat(runner.awaitCaughtUp(WAIT)).isTrue();
      ledger.append("acc-3", new Withdrawn(7));
      assertThat(runner.awaitCaughtUp(WAIT)).isTrue();

      List<RecordedEvent> all = readAll(store, GlobalPosition.START);
      assertFold(store, manager.readModel(balances.spec()).view(), all);
      ProjectionStatus status = runner.status();
      assertThat(status.state()).isEqualTo(RunnerState.RUNNING);
      assertThat(status.eventsApplied()).isEqualTo(all.size());
      assertThat(status.positions()).containsEntry("global", all.get(all.size() - 1).position().toString());
      assertThat(status.lag()).containsEntry("global", 0L);
      assertThat(store.meterRegistry().get("cairn.projection.events").tag("projection", "balances").counter().count())
          .isEqualTo(all.size());
    }
  }

  @Test
  void listeningRunner_isWokenByAppendsOfAnotherProcess() {
    Projection balances = Bank.balances("balances", 1, false);
    manager.install(balances);
    ledger.fill("acc-", 3, 1);
    // Another process: its own store object on the same schema, which announces its appends.
    JdbcEventStore elsewhere =
        JdbcEventStore.builder(pg.dataSource())
            .schema(store.schema())
            .notifyOnAppend(true)
            .meterRegistry(new SimpleMeterRegistry())
            .build();
    String view = manager.readModel(balances.spec()).view();
    try (StoreProjectionRunner runner =
        manager.storeRunner(balances).pollInterval(Duration.ofHours(1)).listenForNotifications(true).build()) {
      runner.start();
      assertThat(runner.awaitCaughtUp(WAIT)).isTrue();

      new Ledger(elsewhere).fill("far-", 4, 2);

      // The next poll is an hour away and no append went through this process's store object:
      // only the notification can wake the runner.
      await().atMost(WAIT).untilAsserted(() -> assertFold(store, view, readAll(store, GlobalPosition.START)));
      assertThat(readAll(store, GlobalPosition.START)).hasSize(3 * 2 + 4 * 3);
    }
  }

  @Test
  void crashMidBatch_afterApplyBeforeCommit_leavesReadModelEqualToFreshFold() {
    Projection balances = Bank.balances("balances", 1, false);
    manager.install(balances);
    ledger.fill("acc-", 10, 9);
    AtomicInteger batches = new AtomicInteger();
    StoreProjectionRunner crashing = manager.storeRunner(balances).batchSize(10).build();
    crashing.beforeCommit(
        () -> {
          if (batches.incrementAndGet() == 3) {
            throw new IllegalStateException("crash after apply, before commit");
          }
        });
    crashing.start();
    assertThat(crashing.awaitCaughtUp(WAIT)).isTrue();
    crashing.stop();
    assertThat(batches.get()).isGreaterThan(3);
    assertFold(store, manager.readModel(balances.spec()).view(), readAll(store, GlobalPosition.START));

    // A process that dies for good after apply: a new runner takes over and the fold still holds.
    ledger.fill("acc-", 10, 3);
    StoreProjectionRunner dying = manager.storeRunner(balances).batchSize(10).build();
    dying.beforeCommit(
        () -> {
          throw new Error("process killed before commit");
        });
    dying.start();
    await().atMost(WAIT).until(() -> dying.state() == RunnerState.FAILED);
    try (StoreProjectionRunner next = manager.storeRunner(balances).batchSize(10).build()) {
      next.start();
      assertThat(next.awaitCaughtUp(WAIT)).isTrue();
    }
    assertFold(store, manager.readModel(balances.spec()).view(), readAll(store, GlobalPosition.START));
  }

  @Test
  void zombieRunner_ofTheSameVersion_cannotCommit_andStops() {
    Projection balances = Bank.balances("balances", 1, false);
    manager.install(balances);
    ledger.fill("acc-", 5, 5);
    StoreProjectionRunner zombie = manager.storeRunner(balances).build();
    zombie.start();
    assertThat(zombie.awaitCaughtUp(WAIT)).isTrue();
    try (StoreProjectionRunner next = manager.storeRunner(balances).build()) {
      next.start();
      assertThat(next.awaitCaughtUp(WAIT)).isTrue();
      ledger.fill("acc-", 5, 2);
      assertThat(next.awaitCaughtUp(WAIT)).isTrue();
      await().atMost(WAIT).until(() -> zombie.state() == RunnerState.STOPPED);
      assertThat(store.meterRegistry().get("cairn.projection.commits.rejected").counter().count()).isPositive();
      assertFold(store, manager.readModel(balances.spec()).view(), readAll(store, GlobalPosition.START));
    }
  }

  @Test
  void projectionSpec_rejectsNamesThatAreNotIdentifiers_andVersionsBelowOne() {
    assertThatThrownBy(() -> ProjectionSpec.of("Balances; DROP TABLE x", 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Balances; DROP TABLE x");
    assertThatThrownBy(() -> ProjectionSpec.of("balances", 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("was 0");
    assertThatThrownBy(() -> Projections.builder("balances", 1).build())
        .isInstanceOf(IllegalStateException.class);
    assertThat(ProjectionSpec.of("balances", 1, "Deposited").handles("Opened")).isFalse();
    assertThat(ProjectionSpec.of("balances", 1).handles("Opened")).isTrue();
  }

  @Test
  void install_isIdempotent_andAnOlderVersionIsRefused() {
    assertThat(manager.install(Bank.balances("balances", 2, false))).isTrue();
    assertThat(manager.install(Bank.balances("balances", 2, false))).isTrue();
    assertThat(manager.activeVersion("balances")).hasValue(2);
    assertThatThrownBy(() -> manager.install(Bank.balances("balances", 1, false)))
        .isInstanceOf(ProjectionException.class)
        .hasMessageContaining("older than the active version 2");
  }

  @Test
  void install_refusesANameTakenByATable_andAbandonDropsABuildingVersion() {
    assertThatThrownBy(() -> manager.install(Bank.balances("events", 1, false)))
        .isInstanceOf(ProjectionException.class)
        .hasMessageContaining("projection name events is taken");
    manager.install(Bank.balances("balances", 1, false));
    manager.install(Bank.balances("balances", 2, false));
    assertThat(manager.status(ProjectionSpec.of("balances", 2))).hasValue("BUILDING");
    manager.abandon(ProjectionSpec.of("balances", 2));
    assertThat(manager.status(ProjectionSpec.of("balances", 2))).isEmpty();
    assertThat(manager.versions()).extracting(ProjectionVersion::version).containsExactly(1);
    assertThatThrownBy(() -> manager.abandon(ProjectionSpec.of("balances", 1)))
        .isInstanceOf(ProjectionException.class)
        .hasMessageContaining("is active");
  }

  @Test
  void pause_holdsBatches_untilResume() {
    Projection balances = Bank.balances("balances", 1, false);
    manager.install(balances);
    try (StoreProjectionRunner runner = manager.storeRunner(balances).build()) {
      runner.start();
      assertThat(runner.awaitCaughtUp(WAIT)).isTrue();
      runner.pause();
      assertThat(runner.status().state()).isEqualTo(RunnerState.PAUSED);
      ledger.fill("acc-", 3, 1);
      assertThat(Bank.read(store, manager.readModel(balances.spec()).view())).isEmpty();
      runner.resume();
      assertThat(runner.awaitCaughtUp(WAIT)).isTrue();
      assertFold(store, manager.readModel(balances.spec()).view(), readAll(store, GlobalPosition.START));
    }
  }

  @Test
  void replayFromGlobalPosition_givesTheFoldOfTheLaterEvents_andLeavesOtherProjectionsAlone() {
    Projection balances = Bank.balances("balances", 1, false);
    Projection other = Bank.balances("other", 1, false);
    manager.install(balances);
    manager.install(other);
    List<RecordedEvent> first = ledger.fill("acc-", 5, 3);
    List<RecordedEvent> second = ledger.fill("acc-", 5, 2);
    try (StoreProjectionRunner runner = manager.storeRunner(balances).build();
        StoreProjectionRunner otherRunner = manager.storeRunner(other).build()) {
      runner.start();
      otherRunner.start();
      assertThat(runner.awaitCaughtUp(WAIT)).isTrue();
      assertThat(otherRunner.awaitCaughtUp(WAIT)).isTrue();

      runner.replayFrom(first.get(first.size() - 1).position());
      assertThat(runner.awaitCaughtUp(WAIT)).isTrue();
      assertFold(store, manager.readModel(balances.spec()).view(), second);
      assertFold(store, manager.readModel(other.spec()).view(), readAll(store, GlobalPosition.START));

      runner.replayFromBeginning();
      assertThat(runner.awaitCaughtUp(WAIT)).isTrue();
      assertFold(store, manager.readModel(balances.spec()).view(), readAll(store, GlobalPosition.START));
    }
  }
  @Test
  void checkpointBeyondARestoredStore_runnerIsDownNamingIt_insteadOfStallingSilently() {
    Projection balances = Bank.balances("balances", 1, false);
    manager.install(balances);
    ledger.fill("old-", 3, 2);
    long restorePoint = store.headPosition().position();
    ledger.fill("new-", 3, 2);
    try (StoreProjectionRunner runner = manager.storeRunner(balances).build()) {
      runner.start();
      assertThat(runner.awaitCaughtUp(WAIT)).isTrue();
    }
    // The restore from an older backup: the newest events are gone, the identity goes back.
    String events = store.qualifiedTable("events");
    pg.jdbi().useHandle(h -> {
      h.execute("DELETE FROM " + events + " WHERE global_position > " + restorePoint);
      h.execute("SELECT setval(pg_get_serial_sequence('" + events + "', 'global_position'), " + restorePoint + ")");
    });
    try (StoreProjectionRunner runner = manager.storeRunner(balances).build()) {
      runner.start();
      org.awaitility.Awaitility.await("DOWN naming the backwards transaction ids")
          .atMost(WAIT)
          .untilAsserted(() -> assertThat(runner.health().causes())
              .anySatisfy(c -> assertThat(c.message()).contains("transaction ids went backwards")));
      assertThat(runner.health().status()).isEqualTo(dev.cairn.api.Health.Status.DOWN);
      assertThat(runner.awaitCaughtUp(Duration.ofMillis(200))).isFalse();
    }
  }
}
