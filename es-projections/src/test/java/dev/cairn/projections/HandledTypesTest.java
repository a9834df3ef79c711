package dev.cairn.projections;

import static dev.cairn.projections.Bank.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.api.AppendRequest;
import dev.cairn.api.EventMetadata;
import dev.cairn.api.GlobalPosition;
import dev.cairn.api.NewEvent;
import dev.cairn.api.RecordedEvent;
import dev.cairn.projections.Bank.Deposited;
import dev.cairn.projections.Bank.Ledger;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.PostgresExtension;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A projection written with {@code on(...)} only handles the types its handlers' classes are
 * registered under: in a store that also holds another aggregate's events (which this serializer
 * cannot even read), those are passed over without being deserialized, and nothing is parked.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HandledTypesTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  static final Duration WAIT = Duration.ofSeconds(30);
  static final FailurePolicy FAST =
      FailurePolicy.builder().maxAttempts(2).backoff(Duration.ofMillis(1), Duration.ofMillis(2)).build();

  JdbcEventStore store;
  ProjectionManager manager;
  Ledger ledger;

  @BeforeEach
  void setUp() {
    store = Bank.store(pg.dataSource());
    manager = Bank.manager(store);
    ledger = new Ledger(store);
  }

  /** Appends an event of another aggregate, of a type the bank's serializer does not know. */
  void stock(String shelf, long version, int quantity) {
    store.append(
        new AppendRequest(
            shelf,
            "shelf",
            version,
            List.of(
                new NewEvent(
                    UUID.randomUUID(), "ItemStocked", 1, "{\"quantity\":" + quantity + "}", EventMetadata.EMPTY))));
  }

  List<RecordedEvent> accountEvents() {
    return readAll(store, GlobalPosition.START).stream().filter(e -> e.streamType().equals("account")).toList();
  }

  @Test
  void storeRunner_ofAProjectionWithHandlersOnly_passesOverAnotherAggregatesEvents_andParksNothing() {
    Projection balances = Bank.balances("balances", 1, false);
    assertThat(balances.spec().eventTypes()).isEmpty();
    manager.install(balances);
    for (int i = 0; i < 5; i++) {
      ledger.fill("acc-", 3, 1);
      stock("shelf-" + i, 0, i + 1);
    }
    try (StoreProjectionRunner runner = manager.storeRunner(balances).batchSize(4).failurePolicy(FAST).build()) {
      runner.start();
      assertThat(runner.awaitCaughtUp(WAIT)).isTrue();
      assertThat(manager.deadLetters().list(balances.spec())).isEmpty();
      Bank.assertFold(store, manager.readModel(balances.spec()).view(), accountEvents());
      // The checkpoint moved past the other aggregate's last event.
      List<RecordedEvent> all = readAll(store, GlobalPosition.START);
      assertThat(runner.status().positions()).containsEntry("global", all.get(all.size() - 1).position().toString());
      assertThat(runner.status().eventsApplied()).isEqualTo(accountEvents().size());
    }
  }

  @Test
  void handlerOfTheSealedSupertype_coversEveryRegisteredSubtype_andNothingElse() {
    Projection counts =
        Projections.builder("counts", 1)
            .table("CREATE TABLE {table} (account text PRIMARY KEY, events bigint NOT NULL)")
            .on(
                Bank.Event.class,
                (e, h, m) ->
                    h.createUpdate(
                            "INSERT INTO " + m.table() + " VALUES (:a, 1) ON CONFLICT (account) DO UPDATE"
                                + " SET events = " + m.table() + ".events + 1")
                        .bind("a", e.streamId())
                        .execute())
            .build();
    manager.install(counts);
    ledger.append("acc-1", new Bank.Opened("x"), new Deposited(5), new Bank.Withdrawn(2));
    stock("shelf-1", 0, 3);
    try (StoreProjectionRunner runner = manager.storeRunner(counts).failurePolicy(FAST).build()) {
      runner.start();
      assertThat(runner.awaitCaughtUp(WAIT)).isTrue();
      assertThat(manager.deadLetters().count(counts.spec())).isZero();
      long events =
          store.jdbi()
              .withHandle(
                  h -> h.createQuery("SELECT events FROM " + manager.readModel(counts.spec()).view()).mapTo(Long.class).one());
      assertThat(events).isEqualTo(3);
    }
  }
}
