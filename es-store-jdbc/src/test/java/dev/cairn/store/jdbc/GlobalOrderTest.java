package dev.cairn.store.jdbc;

import static dev.cairn.store.jdbc.StoreTestSupport.readAll;
import static dev.cairn.store.jdbc.StoreTestSupport.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.api.AppendResult;
import dev.cairn.api.ConcurrencyConflictException;
import dev.cairn.api.GlobalPosition;
import dev.cairn.api.RecordedEvent;
import dev.cairn.testkit.PostgresExtension;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 180, unit = TimeUnit.SECONDS)
class GlobalOrderTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  JdbcEventStore store;
  GlobalPosition head;

  @BeforeEach
  void migrate() {
    store = StoreTestSupport.migratedStore(pg.dataSource());
    head = store.headPosition();
  }

  @Test
  void commitInversion_readerWaitsForTheEarlierTransaction_thenDeliversBothOnce() {
    try (Handle t1 = pg.jdbi().open()) {
      t1.begin();
      t1.setTransactionIsolationLevel(TransactionIsolationLevel.REPEATABLE_READ);
      // Force T1 to take its transaction id before T2 exists.
      AppendResult first = store.append(t1, request("inv-1", 0, 1));

      AppendResult second = store.append(request("inv-2", 0, 1)); // T2 commits first
      assertThat(second.events().get(0).position()).isGreaterThan(first.events().get(0).position());

      // T1 is open: a reader must not pass it, so it must not return T2's event either.
      assertThat(store.readGlobal(head, 100)).isEmpty();
      t1.commit();
    }

    List<RecordedEvent> all = readAll(store, head, 100);
    assertThat(all).extracting(RecordedEvent::streamId).containsExactly("inv-1", "inv-2");
  }

  @Test
  void rolledBackTransaction_isNeverDelivered_andDoesNotBlockReaders() {
    try (Handle t = pg.jdbi().open()) {
      t.begin();
      t.setTransactionIsolationLevel(TransactionIsolationLevel.REPEATABLE_READ);
      store.append(t, request("rb-1", 0, 1));
      store.append(request("rb-2", 0, 1));
      t.rollback();
    }
    assertThat(readAll(store, head, 100)).extracting(RecordedEvent::streamId).containsExactly("rb-2");
  }

  @Test
  void multiStreamReorder_olderTransactionCannotWriteANewerVersion() {
    store.append(request("x", 0, 1));
    try (Handle b = pg.jdbi().open()) {
      b.setTransactionIsolationLevel(TransactionIsolationLevel.REPEATABLE_READ);
      b.begin();
      store.append(b, request("y", 0, 1)); // B takes its transaction id and snapshot first

      store.append(request("x", 1, 1)); // A writes X v2 and commits

      // B now tries X v3: under REPEATABLE READ it cannot see v2, so its compare-and-set fails.
      assertThatThrownBy(() -> store.append(b, request("x", 2, 1))).isInstanceOf(RuntimeException.class);
      b.rollback();
    }
    AppendResult v3 = store.append(request("x", 2, 1));
    List<RecordedEvent> xs =
        readAll(store, head, 100).stream().filter(e -> e.streamId().equals("x")).toList();
    assertThat(xs).extracting(RecordedEvent::version).containsExactly(1L, 2L, 3L);
    assertThat(xs.get(2).eventId()).isEqualTo(v3.events().get(0).eventId());
  }

  @Test
  void batchesThatCutThroughOneTransaction_deliverEveryEventExactlyOnce() {
    store.append(request("cut-1", 0, 10));
    store.append(request("cut-2", 0, 7));
    store.append(request("cut-1", 10, 5));

    for (int batch : new int[] {1, 3, 4, 100}) {
      List<RecordedEvent> all = readAll(store, head, batch);
      assertThat(all).hasSize(22);
      assertThat(new HashSet<>(all.stream().map(RecordedEvent::eventId).toList())).hasSize(22);
      assertThat(all).isSortedAccordingTo((a, b) -> a.position().compareTo(b.position()));
    }
    List<RecordedEvent> all = readAll(store, head, 100);
    RecordedEvent checkpoint = all.get(4);
    List<RecordedEvent> rest = readAll(store, checkpoint.position(), 3);
    assertThat(rest).hasSize(17).doesNotContain(checkpoint);
    assertThat(rest.get(0)).isEqualTo(all.get(5));
  }

  @Test
  void conflictsAndRollbacksInterleavedWithGoodWrites_readerReachesEveryCommittedEvent() throws Exception {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    int streams = 4;
    int writers = 8;
    int attemptsPerWriter = 400; // 3200 attempts by 8 writers on 4 streams: most of them conflict
    Set<UUID> committed = ConcurrentHashMap.newKeySet();
    Set<UUID> delivered = ConcurrentHashMap.newKeySet();
    List<String> duplicates = new ArrayList<>();
    AtomicBoolean done = new AtomicBoolean();
    int[] conflicts = new int[1];
    int[] rolledBack = new int[1];

    ExecutorService pool = Executors.newFixedThreadPool(writers + 1);
    Future<?> reader =
        pool.submit(
            () -> {
              GlobalPosition at = head;
              while (true) {
                boolean finished = done.get(); // read before the batch: one more full pass after
                List<RecordedEvent> page = store.readGlobal(at, 50);
                for (RecordedEvent e : page) {
                  if (!delivered.add(e.eventId())) {
                    synchronized (duplicates) {
                      duplicates.add(e.eventId().toString());
                    }
                  }
                  at = e.position();
                }
                if (page.isEmpty() && finished) {
                  return null;
                }
              }
            });
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> tasks = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      long writerSeed = random.nextLong();
      tasks.add(
          pool.submit(
              () -> {
                Random r = new Random(writerSeed);
                start.await();
                for (int i = 0; i < attemptsPerWriter; i++) {
                  String stream = "s-" + r.nextInt(streams);
                  long version = store.streamVersion(stream);
                  if (i % 25 == 0) { // 16 per writer: 128 rolled-back transactions
                    try (Handle h = pg.jdbi().open()) {
                      h.setTransactionIsolationLevel(TransactionIsolationLevel.REPEATABLE_READ);
                      h.begin();
                      try {
                        store.append(h, request(stream, version, 2));
                      } catch (RuntimeException conflict) {
                        // the rollback below is what this case is about
                      }
                      h.rollback();
                      synchronized (rolledBack) {
                        rolledBack[0]++;
                      }
                    }
                    continue;
                  }
                  try {
                    AppendResult result = store.append(request(stream, version, 1 + r.nextInt(3)));
                    result.events().forEach(e -> committed.add(e.eventId()));
                  } catch (ConcurrencyConflictException e) {
                    synchronized (conflicts) {
                      conflicts[0]++;
                    }
                  }
                }
                return null;
              }));
    }
    start.countDown();
    for (Future<?> t : tasks) {
      t.get(120, TimeUnit.SECONDS);
    }
    done.set(true);
    reader.get(60, TimeUnit.SECONDS);
    pool.shutdownNow();

    assertThat(duplicates).as("seed %d", seed).isEmpty();
    assertThat(delivered).as("seed %d", seed).isEqualTo(committed);
    assertThat(rolledBack[0]).as("rolled back transactions").isGreaterThanOrEqualTo(100);
    assertThat(conflicts[0]).as("conflicting appends (how many depends on the scheduler)").isGreaterThanOrEqualTo(100);
  }
}
