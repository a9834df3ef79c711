package dev.cairn.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.api.CommandResult;
import dev.cairn.store.jdbc.Accounts.Account;
import dev.cairn.store.jdbc.Accounts.AccountDecider;
import dev.cairn.store.jdbc.Accounts.Command;
import dev.cairn.store.jdbc.Accounts.Deposit;
import dev.cairn.store.jdbc.Accounts.Event;
import dev.cairn.store.jdbc.Accounts.Open;
import dev.cairn.testkit.PostgresExtension;
import io.micrometer.core.instrument.Counter;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** DESIGN rule 5: a snapshot that cannot be used is ignored, counted, and replaced. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class UnusableSnapshotTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  static JdbcEventStore store;

  @BeforeAll
  static void setUp() {
    store = StoreTestSupport.migratedStore(pg.dataSource());
  }

  static JdbcAggregateRepository<Command, Account, Event> uncached() {
    return store
        .repository("account", new AccountDecider())
        .serializer(Accounts.serializer())
        .cacheSize(0)
        .snapshots(Account.class, 1)
        .snapshotEvery(10)
        .build();
  }

  @Test
  void snapshotOfTheCurrentRevision_thatNoLongerReads_isIgnored_counted_andOverwrittenByTheNextOne() {
    try (JdbcAggregateRepository<Command, Account, Event> accounts = uncached()) {
      accounts.handle("us-1", new Open("ann"));
      for (int i = 0; i < 11; i++) {
        accounts.handle("us-1", new Deposit(1));
      }
      accounts.flushSnapshots();
      // The state record changed shape without a revision bump: same type, same revision, but
      // the stored JSON no longer reads (the strict mapper rejects the unknown property).
      plantSnapshot("us-1", 12, Account.class.getName(), 1, "{\"name\":\"ann\",\"balance\":11,\"events\":12}");
      double before = ignored("unreadable");

      CommandResult<Event> result = accounts.handle("us-1", new Deposit(5));

      assertThat(result.version()).isEqualTo(13);
      assertThat(ignored("unreadable") - before).isEqualTo(1.0);
      // Loading folded 12 events from scratch, so the policy took a snapshot at version 12 that
      // replaced the unreadable one; it reads again.
      accounts.flushSnapshots();
      assertThat(snapshotPayload("us-1")).contains("\"owner\": \"ann\"");
      assertThat(accounts.load("us-1").state()).isEqualTo(new Account("ann", 16, 13));
      assertThat(ignored("unreadable") - before).isEqualTo(1.0);
    }
  }

  @Test
  void unreadableSnapshot_atTheStreamsVersion_isReplacedBySnapshotOfTheSameVersion() {
    try (JdbcAggregateRepository<Command, Account, Event> accounts = uncached()) {
      accounts.handle("us-2", new Open("bob"));
      for (int i = 0; i < 11; i++) {
        accounts.handle("us-2", new Deposit(2));
      }
      accounts.flushSnapshots();
      plantSnapshot("us-2", 12, Account.class.getName(), 1, "[]");

      assertThat(accounts.load("us-2").state()).isEqualTo(new Account("bob", 22, 12));
      accounts.flushSnapshots();

      assertThat(snapshotPayload("us-2")).contains("\"owner\": \"bob\"");
    }
  }

  @Test
  void snapshotOfAnotherRevision_isIgnored_andCounted() {
    try (JdbcAggregateRepository<Command, Account, Event> accounts = uncached()) {
      accounts.handle("us-3", new Open("cy"));
      accounts.handle("us-3", new Deposit(3));
      plantSnapshot("us-3", 2, Account.class.getName(), 7, "{\"owner\":\"stale\",\"balance\":999,\"events\":2}");
      double before = ignored("other-revision");

      assertThat(accounts.load("us-3").state()).isEqualTo(new Account("cy", 3, 2));
      assertThat(ignored("other-revision") - before).isEqualTo(1.0);
    }
  }

  private static double ignored(String reason) {
    Counter counter =
        store.meterRegistry().find("cairn.snapshots.ignored").tag("stream_type", "account").tag("reason", reason).counter();
    return counter == null ? 0 : counter.count();
  }

  private static String snapshotPayload(String stream) {
    return pg.jdbi()
        .withHandle(
            h -> h.createQuery("SELECT payload::text FROM snapshots WHERE stream_id = :s").bind("s", stream).mapTo(String.class).one());
  }

  private static void plantSnapshot(String stream, long version, String type, int revision, String json) {
    pg.jdbi()
        .useHandle(
            h ->
                h.createUpdate(
                        "INSERT INTO snapshots (stream_id, version, state_type, state_revision, payload)"
                            + " VALUES (:s, :v, :t, :r, CAST(:p AS jsonb)) ON CONFLICT (stream_id) DO UPDATE"
                            + " SET version = EXCLUDED.version, state_type = EXCLUDED.state_type,"
                            + " state_revision = EXCLUDED.state_revision, payload = EXCLUDED.payload")
                    .bind("s", stream)
                    .bind("v", version)
                    .bind("t", type)
                    .bind("r", revision)
                    .bind("p", json)
                    .execute());
  }
}
