package dev.cairn.store.jdbc;

import static dev.cairn.store.jdbc.StoreTestSupport.readAll;
import static dev.cairn.store.jdbc.StoreTestSupport.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.api.AppendResult;
import dev.cairn.api.GlobalPosition;
import dev.cairn.api.RecordedEvent;
import dev.cairn.testkit.PostgresExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The global-order fence waits only for transactions that can still append events (DESIGN rule
 * 2): every append path declares itself before its first write, so a transaction that holds a
 * transaction id without having declared itself can never add events behind a reader.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FenceTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension static final PostgresExtension otherDatabase = new PostgresExtension();

  SimpleMeterRegistry meters;
  JdbcEventStore store;
  GlobalPosition head;

  @BeforeEach
  void migrate() {
    meters = new SimpleMeterRegistry();
    store = JdbcEventStore.builder(pg.dataSource()).meterRegistry(meters).build();
    store.migrate();
    pg.jdbi().useHandle(h -> h.execute("CREATE TABLE IF NOT EXISTS read_model (id text PRIMARY KEY)"));
    otherDatabase.jdbi().useHandle(h -> h.execute("CREATE TABLE IF NOT EXISTS unrelated (id text PRIMARY KEY)"));
    head = store.headPosition();
  }

  @Test
  void readModelTransactionHoldingATransactionId_doesNotHoldReadersBack() {
    try (Handle readModel = pg.jdbi().open()) {
      readModel.begin();
      readModel.execute("INSERT INTO read_model VALUES ('rm-' || pg_backend_pid() || '-' || clock_timestamp())");
      assertThat(readModel.createQuery("SELECT pg_current_xact_id_if_assigned() IS NOT NULL").mapTo(Boolean.class).one())
          .isTrue();

      AppendResult appended = store.append(request("fence-rm", 0, 2));

      // The old fence (pg_snapshot_xmin) stayed below the open read-model transaction.
      assertThat(readAll(store, head, 100)).extracting(RecordedEvent::eventId)
          .containsExactlyElementsOf(appended.events().stream().map(RecordedEvent::eventId).toList());
      assertThat(store.headPosition()).isEqualTo(appended.events().get(1).position());
      assertThat(store.countAfter(head)).isEqualTo(2);
      assertThat(store.oldestOpenTransaction()).isEmpty();
      readModel.rollback();
    }
  }

  @Test
  void transactionInAnotherDatabase_doesNotHoldReadersBack() {
    try (Handle unrelated = otherDatabase.jdbi().open()) {
      unrelated.begin();
      unrelated.execute("INSERT INTO unrelated VALUES ('u-' || clock_timestamp())");
      // Even one that declared itself to a store of the same schema in its own database.
      JdbcEventStore otherStore = JdbcEventStore.builder(otherDatabase.dataSource()).build();
      otherStore.migrate();
      try (Handle otherAppender = otherDatabase.jdbi().open()) {
        otherAppender.setTransactionIsolationLevel(TransactionIsolationLevel.REPEATABLE_READ);
        otherAppender.begin();
        otherStore.append(otherAppender, request("elsewhere", 0, 1));

        AppendResult appended = store.append(request("fence-db", 0, 1));

        assertThat(readAll(store, head, 100)).extracting(RecordedEvent::eventId)
            .containsExactly(appended.events().get(0).eventId());
        otherAppender.rollback();
      }
      unrelated.rollback();
    }
  }

  @Test
  void openAppender_holdsReadersBack_isNamedAsTheFenceHolder_andThenDeliveredInOrder() {
    try (Handle appender = pg.jdbi().open()) {
      appender.setTransactionIsolationLevel(TransactionIsolationLevel.REPEATABLE_READ);
      appender.begin();
      int pid = appender.createQuery("SELECT pg_backend_pid()").mapTo(Integer.class).one();
      AppendResult first = store.append(appender, request("fence-open-1", 0, 1));
      AppendResult second = store.append(request("fence-open-2", 0, 1));

      assertThat(store.readGlobal(head, 100)).isEmpty();
      assertThat(store.oldestOpenTransaction())
          .hasValueSatisfying(t -> {
            assertThat(t.pid()).isEqualTo(pid);
            assertThat(t.database()).isEqualTo(pg.database().name());
          });
      assertThat(store.fenceDelay().eventsWaiting()).isEqualTo(1);
      assertThat(store.fenceDelay().oldestWaiting()).isNotNull();
      assertThat(meters.get("cairn.store.fence.events.waiting").gauge().value()).isEqualTo(1.0);
      appender.commit();

      assertThat(readAll(store, head, 100)).extracting(RecordedEvent::eventId)
          .containsExactly(first.events().get(0).eventId(), second.events().get(0).eventId());
      assertThat(store.fenceDelay().eventsWaiting()).isZero();
    }
  }

  @Test
  void callerTransactionThatWroteElsewhereFirst_isRefused_andNothingIsAppended() {
    try (Handle caller = pg.jdbi().open()) {
      caller.setTransactionIsolationLevel(TransactionIsolationLevel.REPEATABLE_READ);
      caller.begin();
      caller.execute("INSERT INTO read_model VALUES ('before-append')");

      assertThatThrownBy(() -> store.append(caller, request("fence-late", 0, 1)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("already holds transaction id")
          .hasMessageContaining("declareAppender");
      caller.rollback();
    }
    assertThat(store.streamVersion("fence-late")).isZero();
    assertThat(readAll(store, head, 100)).isEmpty();
  }

  @Test
  void callerTransactionThatDeclaredFirst_thenWroteElsewhere_isWaitedFor_andNeverSkipped() {
    try (Handle caller = pg.jdbi().open()) {
      caller.setTransactionIsolationLevel(TransactionIsolationLevel.REPEATABLE_READ);
      caller.begin();
      store.declareAppender(caller);
      caller.execute("INSERT INTO read_model VALUES ('declared-then-wrote')");

      AppendResult other = store.append(request("fence-other", 0, 1));
      assertThat(store.readGlobal(head, 100)).isEmpty(); // the caller may still append below it

      AppendResult mine = store.append(caller, request("fence-mine", 0, 1));
      store.declareAppender(caller); // declaring again is harmless
      caller.commit();

      assertThat(readAll(store, head, 100)).extracting(RecordedEvent::eventId)
          .containsExactly(mine.events().get(0).eventId(), other.events().get(0).eventId());
    }
  }

  @Test
  void preparedAppender_holdsReadersBack_andIsNamed_whilePreparedNonAppenderDoesNot() {
    try {
      try (Handle prepared = preparingHandle()) {
        prepared.begin();
        prepared.execute("INSERT INTO read_model VALUES ('prepared-read-model')");
        prepared.execute("PREPARE TRANSACTION 'fence-read-model'");
      }
      AppendResult visible = store.append(request("fence-prep-0", 0, 1));
      assertThat(readAll(store, head, 100)).extracting(RecordedEvent::eventId)
          .containsExactly(visible.events().get(0).eventId());
      GlobalPosition after = visible.events().get(0).position();

      AppendResult first;
      try (Handle appender = preparingHandle()) {
        appender.begin();
        first = store.append(appender, request("fence-prep-1", 0, 1));
        appender.execute("PREPARE TRANSACTION 'fence-appender'");
      }
      AppendResult second = store.append(request("fence-prep-2", 0, 1));
      assertThat(store.readGlobal(after, 100)).isEmpty();
      assertThat(store.oldestOpenTransaction())
          .hasValueSatisfying(t -> assertThat(t.state()).contains("prepared").contains("fence-appender"));

      pg.jdbi().useHandle(h -> h.execute("COMMIT PREPARED 'fence-appender'"));
      List<RecordedEvent> rest = readAll(store, after, 100);
      assertThat(rest).extracting(RecordedEvent::eventId)
          .containsExactly(first.events().get(0).eventId(), second.events().get(0).eventId());
    } finally {
      pg.jdbi().useHandle(h -> {
        for (String gid : h.createQuery("SELECT gid FROM pg_prepared_xacts WHERE gid LIKE 'fence-%'").mapTo(String.class).list()) {
          h.execute("ROLLBACK PREPARED '" + gid + "'");
        }
      });
    }
  }

  /** A handle whose transaction may end in PREPARE TRANSACTION, which Jdbi does not know. */
  private static Handle preparingHandle() {
    Handle h = pg.jdbi().open();
    h.getConfig(org.jdbi.v3.core.Handles.class).setForceEndTransactions(false);
    h.setTransactionIsolationLevel(TransactionIsolationLevel.REPEATABLE_READ);
    return h;
  }

  @org.junit.jupiter.api.RepeatedTest(4)
  void appendersMixedWithReadModelWriters_readerGetsEveryCommittedEventOnce_inStreamOrder() throws Exception {
    long seed = System.nanoTime();
    java.util.Random random = new java.util.Random(seed);
    java.util.Set<java.util.UUID> committed = java.util.concurrent.ConcurrentHashMap.newKeySet();
    java.util.Map<java.util.UUID, RecordedEvent> delivered = new java.util.concurrent.ConcurrentHashMap<>();
    java.util.List<String> problems = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
    java.util.concurrent.Future<?> reader =
        pool.submit(() -> {
          GlobalPosition at = head;
          java.util.Map<String, Long> versions = new java.util.HashMap<>();
          while (true) {
            boolean finished = done.get();
            List<RecordedEvent> page = store.readGlobal(at, 37);
            for (RecordedEvent e : page) {
              if (delivered.put(e.eventId(), e) != null) {
                problems.add("duplicate " + e.eventId());
              }
              long previous = versions.getOrDefault(e.streamId(), 0L);
              if (e.version() != previous + 1) {
                problems.add(e.streamId() + ": version " + e.version() + " after " + previous);
              }
              versions.put(e.streamId(), e.version());
              at = e.position();
            }
            if (page.isEmpty() && finished) {
              return null;
            }
          }
        });
    java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
    List<java.util.concurrent.Future<?>> writers = new java.util.ArrayList<>();
    for (int w = 0; w < 6; w++) {
      long writerSeed = random.nextLong();
      int writer = w;
      writers.add(pool.submit(() -> {
        java.util.Random r = new java.util.Random(writerSeed);
        start.await();
        for (int i = 0; i < 150; i++) {
          String stream = "mix-" + seed + "-" + writer + "-" + r.nextInt(5);
          try (Handle h = pg.jdbi().open()) {
            h.setTransactionIsolationLevel(TransactionIsolationLevel.REPEATABLE_READ);
            h.begin();
            int kind = r.nextInt(4);
            if (kind == 0) { // a read-model writer: never appends, holds its transaction id a while
              h.execute("INSERT INTO read_model VALUES ('mix-" + seed + "-" + writer + "-" + i + "')");
              h.createQuery("SELECT count(*) FROM read_model").mapTo(Long.class).one();
              h.commit();
              continue;
            }
            if (kind == 1) { // declares first, writes elsewhere, then appends
              store.declareAppender(h);
              h.execute("INSERT INTO read_model VALUES ('mixd-" + seed + "-" + writer + "-" + i + "')");
            }
            long version = store.streamVersion(stream);
            AppendResult result = store.append(h, request(stream, version, 1 + r.nextInt(3)));
            if (r.nextInt(8) == 0) {
              h.rollback();
            } else {
              h.commit();
              result.events().forEach(e -> committed.add(e.eventId()));
            }
          }
        }
        return null;
      }));
    }
    start.countDown();
    for (java.util.concurrent.Future<?> f : writers) {
      f.get(100, TimeUnit.SECONDS);
    }
    done.set(true);
    reader.get(60, TimeUnit.SECONDS);
    pool.shutdownNow();

    assertThat(problems).as("seed %d", seed).isEmpty();
    assertThat(delivered.keySet()).as("seed %d", seed).isEqualTo(committed);
  }
  @Test
  void positionAhead_namesAPositionBeyondTheDatabase_asAfterARestoreFromBackup() {
    AppendResult appended = store.append(request("fence-ahead", 0, 1));
    GlobalPosition real = appended.events().get(0).position();
    assertThat(store.positionAhead(real)).isEmpty();
    assertThat(store.positionAhead(GlobalPosition.START)).isEmpty();

    // What a relay's position looks like after the database was restored to an earlier point:
    // transaction ids and positions it has not assigned yet.
    GlobalPosition fromTheFuture = new GlobalPosition(real.txId() + 1_000_000, real.position() + 500);
    assertThat(store.positionAhead(fromTheFuture))
        .hasValueSatisfying(m -> assertThat(m)
            .contains("transaction ids went backwards")
            .contains(String.valueOf(real.txId() + 1_000_000))
            .contains("last event is " + real.position()));
    GlobalPosition pastTheLastEvent = new GlobalPosition(real.txId(), real.position() + 1);
    assertThat(store.positionAhead(pastTheLastEvent)).isPresent();
  }
}
