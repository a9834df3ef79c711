package dev.cairn.projections;

import static dev.cairn.projections.Bank.assertFold;
import static dev.cairn.projections.Bank.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.api.GlobalPosition;
import dev.cairn.api.RecordedEvent;
import dev.cairn.projections.Bank.Deposited;
import dev.cairn.projections.Bank.Ledger;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.PostgresExtension;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RebuildTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  static final Duration WAIT = Duration.ofSeconds(60);

  JdbcEventStore store;
  ProjectionManager manager;
  Ledger ledger;

  @BeforeEach
  void setUp() {
    store = Bank.store(pg.dataSource());
    manager = Bank.manager(store);
    ledger = new Ledger(store);
  }

  /** v2 adds a column: the view's shape changes at the switch. */
  static Projection balancesV2() {
    return Projections.builder("balances", 2)
        .table(
            "CREATE TABLE {table} (account text PRIMARY KEY, balance bigint NOT NULL, events bigint NOT NULL,"
                + " last_amount bigint)")
        .on(Bank.Opened.class, (e, h, m) -> upsert(h, m, e.streamId(), 0))
        .on(Deposited.class, (e, h, m) -> upsert(h, m, e.streamId(), e.event().amount()))
        .on(Bank.Withdrawn.class, (e, h, m) -> upsert(h, m, e.streamId(), -e.event().amount()))
        .build();
  }

  private static void upsert(org.jdbi.v3.core.Handle h, ReadModel m, String account, long amount) {
    h.createUpdate(
            "INSERT INTO " + m.table() + " VALUES (:a, :amount, 1, :amount) ON CONFLICT (account) DO UPDATE"
                + " SET balance = " + m.table() + ".balance + :amount, events = " + m.table() + ".events + 1,"
                + " last_amount = :amount")
        .bind("a", account)
        .bind("amount", amount)
        .execute();
  }

  @Test
  void rebuildToV2_whileAppendsContinue_readerNeverSeesAnEmptyTable_andV2EqualsAFreshFoldAtTheSwitch()
      throws Exception {
    Projection v1 = Bank.balances("balances", 1, false);
    manager.install(v1);
    ledger.fill("acc-", 50, 20);
    String view = manager.readModel(v1.spec()).view();
    StoreProjectionRunner v1Runner = manager.storeRunner(v1).build();
    v1Runner.start();
    assertThat(v1Runner.awaitCaughtUp(WAIT)).isTrue();
    long initialRows = Bank.read(store, view).size();

    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong minRows = new AtomicLong(Long.MAX_VALUE);
    AtomicLong reads = new AtomicLong();
    Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
    CountDownLatch appended = new CountDownLatch(200);
    Thread appender =
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
    Thread reader =
        new Thread(
            () -> {
              while (running.get()) {
                try {
                  long n = store.jdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM " + view).mapTo(Long.class).one());
                  minRows.accumulateAndGet(n, Math::min);
                  reads.incrementAndGet();
                } catch (RuntimeException e) {
                  errors.add(e);
                }
              }
            });
    appender.start();
    reader.start();
    try {
      Rebuild rebuild = manager.rebuild(balancesV2());
      assertThat(manager.status(rebuild.spec())).hasValue("BUILDING");
      assertThat(appended.await(30, TimeUnit.SECONDS)).isTrue();
      assertThat(rebuild.awaitCaughtUp(WAIT)).isTrue();
      long readsBefore = reads.get();

      // Pause v2 so the comparison below sees it exactly as it was switched.
      rebuild.runner().pause();
      GlobalPosition at = rebuild.switchOver();
      List<RecordedEvent> upToSwitch =
          readAll(store, GlobalPosition.START).stream().filter(e -> !e.position().isAfter(at)).toList();
      assertFold(store, manager.readModel(rebuild.spec()).table(), upToSwitch);
      assertThat(manager.activeVersion("balances")).hasValue(2);
      assertThat(manager.status(v1.spec())).hasValue("RETIRED");
      rebuild.runner().resume();

      org.awaitility.Awaitility.await().atMost(WAIT).until(() -> reads.get() > readsBefore + 10);
      running.set(false);
      appender.join();
      reader.join();
      assertThat(rebuild.runner().awaitCaughtUp(WAIT)).isTrue();

      assertThat(errors).isEmpty();
      assertThat(minRows.get()).isGreaterThanOrEqualTo(initialRows);
      assertFold(store, view, readAll(store, GlobalPosition.START));
      assertThat(Bank.read(store, view)).hasSize(60);
      // The old version is fenced and its tables are gone.
      org.awaitility.Awaitility.await().atMost(WAIT).until(() -> v1Runner.state() == RunnerState.STOPPED);
      boolean dropped =
              store.jdbi()
                  .withHandle(
                      h ->
                          h.createQuery("SELECT to_regclass(:t) IS NULL")
                              .bind("t", manager.readModel(v1.spec()).table())
                              .mapTo(Boolean.class)
                              .one());
      assertThat(dropped).isTrue();
      rebuild.runner().stop();
    } finally {
      running.set(false);
      v1Runner.stop();
    }
  }

  @Test
  void rebuild_needsANewerVersion() {
    manager.install(Bank.balances("balances", 1, false));
    assertThatThrownBy(() -> manager.rebuild(Bank.balances("balances", 1, false)))
        .isInstanceOf(ProjectionException.class)
        .hasMessageContaining("above the active one, 1");
  }
}
