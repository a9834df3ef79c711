package dev.cairn.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.api.AppendRequest;
import dev.cairn.api.CommandOptions;
import dev.cairn.api.CommandRejectedException;
import dev.cairn.api.CommandResult;
import dev.cairn.api.EventEnvelope;
import dev.cairn.api.EventMetadata;
import dev.cairn.api.IdempotencyKeyReusedException;
import dev.cairn.api.Loaded;
import dev.cairn.api.NewEvent;
import dev.cairn.api.UnknownEventTypeException;
import dev.cairn.store.jdbc.Accounts.Account;
import dev.cairn.store.jdbc.Accounts.AccountDecider;
import dev.cairn.store.jdbc.Accounts.Command;
import dev.cairn.store.jdbc.Accounts.Deposit;
import dev.cairn.store.jdbc.Accounts.Deposited;
import dev.cairn.store.jdbc.Accounts.Event;
import dev.cairn.store.jdbc.Accounts.Open;
import dev.cairn.store.jdbc.Accounts.Opened;
import dev.cairn.store.jdbc.Accounts.Touch;
import dev.cairn.store.jdbc.Accounts.Withdraw;
import dev.cairn.testkit.PostgresExtension;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RepositoryTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  static JdbcEventStore store;
  static JdbcAggregateRepository<Command, Account, Event> accounts;

  @BeforeAll
  static void setUp() {
    store = StoreTestSupport.migratedStore(pg.dataSource());
    accounts = repository(true);
  }

  static JdbcAggregateRepository<Command, Account, Event> repository(boolean cache) {
    return store
        .repository("account", new AccountDecider())
        .serializer(Accounts.serializer())
        .cacheSize(cache ? 100 : 0)
        .snapshots(Account.class, 1)
        .snapshotEvery(10)
        .build();
  }

  @Test
  void handle_appendsDecidedEvents_andLoadReturnsTheFold() {
    CommandResult<Event> opened = accounts.handle("acc-1", new Open("ann"));
    CommandResult<Event> deposited = accounts.handle("acc-1", new Deposit(50));

    assertThat(opened.version()).isEqualTo(1);
    assertThat(deposited.version()).isEqualTo(2);
    assertThat(deposited.events()).extracting(EventEnvelope::event).containsExactly(new Deposited(50));
    assertThat(accounts.load("acc-1")).isEqualTo(new Loaded<>("acc-1", 2, new Account("ann", 50, 2)));
    assertThat(repository(false).load("acc-1").state()).isEqualTo(new Account("ann", 50, 2));
  }

  @Test
  void rejectedCommand_writesNothing() {
    accounts.handle("acc-2", new Open("bob"));

    assertThatThrownBy(() -> accounts.handle("acc-2", new Withdraw(10)))
        .isInstanceOf(CommandRejectedException.class)
        .hasMessage("balance 0 is below 10");
    assertThat(store.streamVersion("acc-2")).isEqualTo(1);
  }

  @Test
  void metadata_flowsFromCommandToEvents() {
    UUID commandId = UUID.randomUUID();
    CommandOptions options =
        CommandOptions.defaults()
            .withCommandId(commandId)
            .withMetadata(EventMetadata.EMPTY.withCorrelationId("req-7").withUser("ann").withTraceparent("00-t-s-01"));

    accounts.handle("acc-3", new Open("ann"), options);

    EventMetadata stored = accounts.history("acc-3").get(0).metadata();
    assertThat(stored.correlationId()).isEqualTo("req-7");
    assertThat(stored.causationId()).isEqualTo(commandId.toString());
    assertThat(stored.user()).isEqualTo("ann");
    assertThat(stored.traceparent()).isEqualTo("00-t-s-01");
  }

  @Test
  void staleCache_isRefreshedWithNewerEvents_whenAnotherInstanceWrote() {
    JdbcAggregateRepository<Command, Account, Event> other = repository(true);
    accounts.handle("acc-4", new Open("cy"));
    assertThat(other.load("acc-4").version()).isEqualTo(1); // other caches version 1

    accounts.handle("acc-4", new Deposit(5));
    accounts.handle("acc-4", new Deposit(7));

    assertThat(other.load("acc-4").state()).isEqualTo(new Account("cy", 12, 3));
    // and a command through the other instance decides on the fresh state
    other.handle("acc-4", new Withdraw(12));
    assertThat(accounts.load("acc-4").state().balance()).isZero();
  }

  @Test
  void concurrentCommands_onOneStream_allSucceedThroughRetries() throws Exception {
    accounts.handle("acc-5", new Open("dee"));
    JdbcAggregateRepository<Command, Account, Event> retrying =
        store.repository("account", new AccountDecider()).serializer(Accounts.serializer()).maxRetries(50).build();
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> futures = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      futures.add(
          pool.submit(
              () -> {
                start.await();
                for (int j = 0; j < 5; j++) {
                  retrying.handle("acc-5", new Deposit(1));
                }
                return null;
              }));
    }
    start.countDown();
    for (Future<?> f : futures) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertThat(accounts.load("acc-5").state()).isEqualTo(new Account("dee", 40, 41));
  }

  @Test
  void idempotentCommand_resent100TimesConcurrently_appendsOnce() throws Exception {
    accounts.handle("acc-6", new Open("eve"));
    int senders = 100;
    ExecutorService pool = Executors.newFixedThreadPool(16);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<CommandResult<Event>>> futures = new ArrayList<>();
    for (int i = 0; i < senders; i++) {
      futures.add(
          pool.submit(
              () -> {
                start.await();
                return accounts.handle("acc-6", new Deposit(25), CommandOptions.idempotencyKey("pay-6"));
              }));
    }
    start.countDown();
    List<CommandResult<Event>> results = new ArrayList<>();
    for (Future<CommandResult<Event>> f : futures) {
      results.add(f.get(60, TimeUnit.SECONDS));
    }
    pool.shutdown();

    assertThat(store.streamVersion("acc-6")).isEqualTo(2);
    assertThat(results).allSatisfy(r -> assertThat(r.version()).isEqualTo(2));
    assertThat(results).filteredOn(r -> !r.duplicate()).hasSize(1);
    UUID eventId = results.get(0).events().get(0).eventId();
    assertThat(results).allSatisfy(r -> assertThat(r.events().get(0).eventId()).isEqualTo(eventId));
  }

  @Test
  void idempotencyKey_reusedForAnotherStreamOrCommand_isRejected() {
    accounts.handle("acc-7", new Open("fay"), CommandOptions.idempotencyKey("k-7"));

    assertThatThrownBy(() -> accounts.handle("acc-8", new Open("fay"), CommandOptions.idempotencyKey("k-7")))
        .isInstanceOf(IdempotencyKeyReusedException.class)
        .hasMessage("idempotency key k-7 was used for stream acc-7 and cannot be reused for stream acc-8");
    assertThatThrownBy(() -> accounts.handle("acc-7", new Open("gus"), CommandOptions.idempotencyKey("k-7")))
        .isInstanceOf(IdempotencyKeyReusedException.class)
        .hasMessageContaining("for a different command");
    assertThat(store.streamVersion("acc-8")).isZero();
  }

  @Test
  void idempotentCommand_thatDecidedNothing_isRecordedToo() {
    accounts.handle("acc-9", new Open("hal"));
    CommandResult<Event> first = accounts.handle("acc-9", new Touch(), CommandOptions.idempotencyKey("touch-9"));
    CommandResult<Event> again = accounts.handle("acc-9", new Touch(), CommandOptions.idempotencyKey("touch-9"));

    assertThat(first.events()).isEmpty();
    assertThat(again.duplicate()).isTrue();
    assertThat(again.version()).isEqualTo(1);
  }

  @Test
  void temporalReads_returnTheStateAsOfAVersionOrAnInstant() {
    accounts.handle("acc-10", new Open("ida"));
    accounts.handle("acc-10", new Deposit(10));
    Instant between = accounts.history("acc-10").get(1).recordedAt();
    accounts.handle("acc-10", new Deposit(20));

    assertThat(accounts.loadAt("acc-10", 2).state()).isEqualTo(new Account("ida", 10, 2));
    assertThat(accounts.loadAt("acc-10", 99).version()).isEqualTo(3);
    assertThat(accounts.loadAsOf("acc-10", between).state()).isEqualTo(new Account("ida", 10, 2));
    assertThat(accounts.loadAsOf("acc-10", Instant.EPOCH).exists()).isFalse();
    assertThat(accounts.load("never-written")).isEqualTo(new Loaded<>("never-written", 0, Account.NONE));
  }

  @Test
  void snapshot_isTakenEveryNEvents_andUsedOnLoad() {
    accounts.handle("acc-11", new Open("jo"));
    for (int i = 0; i < 11; i++) {
      accounts.handle("acc-11", new Deposit(1));
    }
    accounts.flushSnapshots();
    assertThat(snapshotVersion("acc-11")).isEqualTo(10);

    // Plant a snapshot whose state differs from the fold: if load uses it, it shows.
    plantSnapshot("acc-11", 12, Account.class.getName(), 1, "{\"owner\":\"planted\",\"balance\":1000,\"events\":12}");
    assertThat(repository(false).load("acc-11").state().owner()).isEqualTo("planted");
  }

  @Test
  void snapshotOfAnotherRevision_isIgnored_andStateEqualsAFreshFold() {
    accounts.handle("acc-12", new Open("kim"));
    accounts.handle("acc-12", new Deposit(3));
    plantSnapshot("acc-12", 2, Account.class.getName(), 0, "{\"owner\":\"stale\",\"balance\":999,\"events\":2}");

    Loaded<Account> loaded = repository(false).load("acc-12");
    assertThat(loaded.state()).isEqualTo(new Account("kim", 3, 2));
  }

  @Test
  void unknownStoredType_isAnErrorNamingTypeStreamAndPosition() {
    store.append(
        new AppendRequest(
            "acc-13",
            "account",
            0,
            List.of(new NewEvent(UUID.randomUUID(), "Closed", 1, "{}", EventMetadata.EMPTY))));

    assertThatThrownBy(() -> repository(false).load("acc-13"))
        .isInstanceOf(UnknownEventTypeException.class)
        .hasMessageContaining("unknown event type Closed")
        .hasMessageContaining("in stream acc-13 at ");
  }

  @Test
  void upcastedOldRevision_isFoldedAsTheCurrentShape() {
    store.append(
        new AppendRequest(
            "acc-14",
            "account",
            0,
            List.of(new NewEvent(UUID.randomUUID(), "Opened", 1, "{\"name\":\"old\"}", EventMetadata.EMPTY))));
    var registry =
        dev.cairn.api.EventTypeRegistry.builder()
            .registerSealed(Event.class)
            .revision("Opened", 2)
            .upcaster("Opened", 1, json -> json.put("owner", json.remove("name").asText()))
            .build();
    JdbcAggregateRepository<Command, Account, Event> upcasting =
        store.repository("account", new AccountDecider())
            .serializer(dev.cairn.api.JacksonEventSerializer.create(registry))
            .build();

    assertThat(upcasting.history("acc-14").get(0).event()).isEqualTo(new Opened("old"));
  }

  private static long snapshotVersion(String stream) {
    return pg.jdbi()
        .withHandle(h -> h.createQuery("SELECT version FROM snapshots WHERE stream_id = :s").bind("s", stream).mapTo(Long.class).one());
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
