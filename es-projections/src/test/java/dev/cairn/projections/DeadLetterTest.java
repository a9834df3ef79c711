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
import dev.cairn.projections.Bank.Row;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.PostgresExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DeadLetterTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  static final Duration WAIT = Duration.ofSeconds(30);
  static final FailurePolicy FAST =
      FailurePolicy.builder().maxAttempts(3).backoff(Duration.ofMillis(1), Duration.ofMillis(5)).build();

  JdbcEventStore store;
  ProjectionManager manager;
  Ledger ledger;

  @BeforeEach
  void setUp() {
    store = Bank.store(pg.dataSource());
    manager = Bank.manager(store);
    ledger = new Ledger(store);
    Bank.POISON_FIXED.set(false);
  }

  @AfterEach
  void fix() {
    Bank.POISON_FIXED.set(false);
  }

  @Test
  void retries_waitOutsideTheTransaction_soWhatCameBeforeIsCommitted_andTheGlobalOrderMovesOn() {
    Projection broken = Bank.balances("balances", 1, true);
    manager.install(broken);
    ledger.fill("ok-", 2, 1);
    ledger.append("bad", new Bank.Opened("x"), new Deposited(Bank.POISON));
    List<RecordedEvent> before = readAll(store, GlobalPosition.START).subList(0, 5);
    FailurePolicy patient =
        FailurePolicy.builder().maxAttempts(1_000_000).backoff(Duration.ofMillis(200), Duration.ofMillis(200)).build();
    String view = manager.readModel(broken.spec()).view();
    try (StoreProjectionRunner runner = manager.storeRunner(broken).failurePolicy(patient).build()) {
      runner.start();
      // While the poison is retried, the events before it in its batch are committed...
      await().atMost(WAIT).untilAsserted(() -> assertThat(Bank.read(store, view)).isEqualTo(Bank.fold(before)));
      assertThat(runner.status().positions()).containsEntry("global", before.get(4).position().toString());
      // ...and no transaction of the runner's stays open through the backoff, so an append made
      // now passes the global order's fence (a retry inside the batch's transaction would hold it).
      List<RecordedEvent> later = ledger.append("ok-0", new Deposited(3));
      await().atMost(WAIT).until(() -> store.headPosition().equals(later.get(0).position()));
      assertThat(manager.deadLetters().count(broken.spec())).isZero();

      Bank.POISON_FIXED.set(true);
      await().atMost(WAIT).untilAsserted(() -> assertFold(store, view, readAll(store, GlobalPosition.START)));
      assertThat(manager.deadLetters().count(broken.spec())).isZero();
    }
  }

  @Test
  void poisonEvent_isParked_othersProceed_itsStreamWaits_andRetryAfterTheFixReleasesTheRest() {
    Projection broken = Bank.balances("balances", 1, true);
    manager.install(broken);
    ledger.fill("ok-", 3, 2);
    ledger.append("bad", new Bank.Opened("x"), new Deposited(5));
    List<RecordedEvent> poison = ledger.append("bad", new Deposited(Bank.POISON));
    ledger.append("bad", new Deposited(7), new Deposited(8));
    ledger.fill("ok-", 3, 2);
    try (StoreProjectionRunner runner = manager.storeRunner(broken).batchSize(7).failurePolicy(FAST).build()) {
      runner.start();
      assertThat(runner.awaitCaughtUp(WAIT)).isTrue();

      String view = manager.readModel(broken.spec()).view();
      Map<String, Row> rows = Bank.read(store, view);
      // Other streams are complete; "bad" stopped before the poison, the rest waits behind it.
      List<RecordedEvent> expected = new ArrayList<>();
      for (RecordedEvent e : readAll(store, GlobalPosition.START)) {
        if (!e.streamId().equals("bad") || e.version() < poison.get(0).version()) {
          expected.add(e);
        }
      }
      assertThat(rows).isEqualTo(Bank.fold(expected));
      List<ParkedEvent> parked = manager.deadLetters().list(broken.spec());
      assertThat(parked).extracting(ParkedEvent::status).containsExactly("PARKED", "HELD", "HELD");
      ParkedEvent first = parked.get(0);
      assertThat(first.event().eventId()).isEqualTo(poison.get(0).eventId());
      assertThat(first.attempts()).isEqualTo(3);
      assertThat(first.error()).contains("poison deposit in bad");
      assertThat(first.stack()).contains("IllegalStateException");
      assertThat(first.topic()).isNull();
      assertThat(runner.status().parked()).isEqualTo(3);

      // Later events of "bad" keep waiting behind it.
      ledger.append("bad", new Deposited(9));
      assertThat(runner.awaitCaughtUp(WAIT)).isTrue();
      assertThat(manager.deadLetters().count(broken.spec())).isEqualTo(4);

      // Still broken: the retry fails, is recorded, and changes nothing.
      assertThatThrownBy(() -> manager.deadLetters().retry(broken, first.id()))
          .isInstanceOf(ProjectionException.class)
          .hasMessageContaining("failed again");
      assertThat(manager.deadLetters().list(broken.spec()).get(0).attempts()).isEqualTo(4);

      Bank.POISON_FIXED.set(true);
      manager.deadLetters().retry(broken, first.id());
      assertThat(manager.deadLetters().count(broken.spec())).isZero();
      ledger.append("bad", new Deposited(10));
      assertThat(runner.awaitCaughtUp(WAIT)).isTrue();
      assertFold(store, view, readAll(store, GlobalPosition.START));
      assertThat(runner.status().parked()).isZero();
    }
  }

  @Test
  void skip_dropsTheParkedEvent_andAppliesThoseHeldBehindIt() {
    Projection broken = Bank.balances("balances", 1, true);
    manager.install(broken);
    ledger.append("bad", new Bank.Opened("x"));
    List<RecordedEvent> poison = ledger.append("bad", new Deposited(Bank.POISON));
    ledger.append("bad", new Deposited(7));
    try (StoreProjectionRunner runner = manager.storeRunner(broken).failurePolicy(FAST).build()) {
      runner.start();
      assertThat(runner.awaitCaughtUp(WAIT)).isTrue();
      long id = manager.deadLetters().list(broken.spec()).get(0).id();
      manager.deadLetters().skip(broken, id);
      List<RecordedEvent> expected = new ArrayList<>(readAll(store, GlobalPosition.START));
      expected.removeIf(e -> e.eventId().equals(poison.get(0).eventId()));
      assertFold(store, manager.readModel(broken.spec()).view(), expected);
      assertThatThrownBy(() -> manager.deadLetters().skip(broken, id))
          .isInstanceOf(ProjectionException.class)
          .hasMessageContaining("no parked event " + id);
    }
  }

  @Test
  void continuePolicy_letsLaterEventsOfTheStreamGoOn() {
    Projection broken = Bank.balances("balances", 1, true);
    manager.install(broken);
    ledger.append("bad", new Bank.Opened("x"), new Deposited(Bank.POISON), new Deposited(7));
    FailurePolicy goOn =
        FailurePolicy.builder().maxAttempts(2).backoff(Duration.ZERO, Duration.ZERO).streamWaitsBehindParked(false).build();
    try (StoreProjectionRunner runner = manager.storeRunner(broken).failurePolicy(goOn).build()) {
      runner.start();
      assertThat(runner.awaitCaughtUp(WAIT)).isTrue();
      assertThat(Bank.read(store, manager.readModel(broken.spec()).view())).containsEntry("bad", new Row(7, 2));
      assertThat(manager.deadLetters().list(broken.spec())).extracting(ParkedEvent::status).containsExactly("PARKED");
    }
  }

  @Test
  void failVerdict_stopsTheRunner_withTheCheckpointBeforeTheBatch() {
    Projection broken = Bank.balances("balances", 1, true);
    manager.install(broken);
    ledger.append("bad", new Bank.Opened("x"), new Deposited(Bank.POISON));
    FailurePolicy fail = FailurePolicy.builder().errorHandler((e, error, attempts) -> ErrorVerdict.FAIL).build();
    StoreProjectionRunner runner = manager.storeRunner(broken).failurePolicy(fail).build();
    runner.start();
    await().atMost(WAIT).until(() -> runner.state() == RunnerState.FAILED);
    assertThat(runner.status().lastError()).contains("poison deposit in bad");
    assertThat(Bank.read(store, manager.readModel(broken.spec()).view())).isEmpty();
  }
}
