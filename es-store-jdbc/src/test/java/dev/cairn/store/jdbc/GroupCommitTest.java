package dev.cairn.store.jdbc;

import static dev.cairn.store.jdbc.StoreTestSupport.event;
import static dev.cairn.store.jdbc.StoreTestSupport.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.api.AppendRequest;
import dev.cairn.api.AppendResult;
import dev.cairn.api.CommandOptions;
import dev.cairn.api.CommandResult;
import dev.cairn.api.ConcurrencyConflictException;
import dev.cairn.api.EventStoreException;
import dev.cairn.api.EventTooLargeException;
import dev.cairn.api.IdempotencyKeyReusedException;
import dev.cairn.api.NewEvent;
import dev.cairn.api.RecordedEvent;
import dev.cairn.testkit.PostgresExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Group commit: concurrent appends to different streams committed as one transaction, each member
 * with its own outcome. Groups are formed deterministically: one append to a "gate" stream is held
 * by a row lock while it is the only group in flight (one slot), the members queue behind it, and
 * releasing the lock lets them go as one group.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GroupCommitTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  private static final AtomicInteger SCHEMAS = new AtomicInteger();

  private JdbcEventStore store;
  private SimpleMeterRegistry meters;
  private String schema;
  private final ExecutorService pool = Executors.newCachedThreadPool();

  @BeforeEach
  void setUp() {
    schema = "group_" + SCHEMAS.incrementAndGet();
    meters = new SimpleMeterRegistry();
    store =
        JdbcEventStore.builder(pg.dataSource())
            .schema(schema)
            .meterRegistry(meters)
            .maxEventBytes(10_000)
            .groupCommit(64, 1, Duration.ZERO)
            .build();
    store.migrate();
    store.append(request("gate", 0, 1));
  }

  @AfterEach
  void tearDown() {
    pool.shutdownNow();
  }

  @Test
  void winnersAndLosers_inOneGroup_eachGetTheirOwnOutcome_andTheWinnersShareOneTransaction() throws Exception {
    store.append(request("ahead", 0, 3));
    store.append(new AppendRequest("typed", "invoice", 0, List.of(event("Issued", "{}"))));
    double before = conflicts();

    Map<String, Future<AppendResult>> members = new LinkedHashMap<>();
    try (Gate gate = new Gate()) {
      // One at a time, so that they queue in this order (the global order below depends on it).
      members.put("new-1", submit(request("new-1", 0, 2)));
      gate.awaitQueued(1);
      members.put("stale", submit(request("ahead", 1, 1)));
      gate.awaitQueued(2);
      members.put("new-2", submit(request("new-2", 0, 1)));
      gate.awaitQueued(3);
      members.put("exists", submit(request("ahead", 0, 1)));
      gate.awaitQueued(4);
      members.put("typed", submit(request("typed", 1, 1)));
      gate.awaitQueued(5);
      members.put("next", submit(request("gate", 2, 1)));
      gate.awaitQueued(6);
    }

    AppendResult first = members.get("new-1").get(30, TimeUnit.SECONDS);
    AppendResult second = members.get("new-2").get(30, TimeUnit.SECONDS);
    AppendResult next = members.get("next").get(30, TimeUnit.SECONDS);
    assertThat(first.version()).isEqualTo(2);
    assertThat(second.version()).isEqualTo(1);
    assertThat(next.version()).isEqualTo(3);
    assertThat(failure(members.get("stale")))
        .isInstanceOf(ConcurrencyConflictException.class)
        .hasMessageContaining("stream ahead: expected version 1 but was 3");
    assertThat(failure(members.get("exists")))
        .isInstanceOf(ConcurrencyConflictException.class)
        .hasMessageContaining("expected version 0 but was 3");
    assertThat(failure(members.get("typed")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("stream typed is of type invoice, not account");
    assertThat(conflicts() - before).isEqualTo(3.0);

    // One transaction for the winners, and the losers drew no sequence values in it.
    List<RecordedEvent> written = new ArrayList<>();
    written.addAll(first.events());
    written.addAll(second.events());
    written.addAll(next.events());
    assertThat(written).extracting(e -> e.position().txId()).containsOnly(first.events().get(0).position().txId());
    List<Long> positions = written.stream().map(e -> e.position().position()).sorted().toList();
    assertThat(positions.get(positions.size() - 1) - positions.get(0)).isEqualTo(written.size() - 1);
    assertThat(store.readStream("ahead", 0, 10)).hasSize(3);
    assertThat(store.readStream("typed", 0, 10)).hasSize(1);
    // The global order holds them in the order of the requests, each stream's events in version order.
    assertThat(StoreTestSupport.readAll(store, dev.cairn.api.GlobalPosition.START, 100))
        .extracting(e -> e.streamId() + "@" + e.version())
        .containsSubsequence("new-1@1", "new-1@2", "new-2@1", "gate@3");
    // Six queued, five in the group: "exists" targets the same stream as "stale", so it waited for
    // the next group (a stream is never twice in one group) and went alone.
    assertThat(meters.find("cairn.store.append.group.size").summary().count()).isEqualTo(1);
    assertThat(meters.find("cairn.store.append.group.size").summary().max()).isEqualTo(5.0);
  }

  @Test
  void aMemberTooLarge_isRefusedBeforeItJoins_andTheOthersCommitAsAGroup() throws Exception {
    NewEvent big = event("Deposited", "{\"note\":\"" + "x".repeat(20_000) + "\"}");
    List<Future<AppendResult>> good = new ArrayList<>();
    Future<AppendResult> tooLarge;
    try (Gate gate = new Gate()) {
      good.add(submit(request("t-1", 0, 1)));
      tooLarge = submit(new AppendRequest("t-big", "account", 0, List.of(big)));
      good.add(submit(request("t-2", 0, 1)));
      assertThat(failure(tooLarge)).isInstanceOf(EventTooLargeException.class);
      gate.awaitQueued(2);
    }
    long tx = good.get(0).get(30, TimeUnit.SECONDS).events().get(0).position().txId();
    assertThat(good.get(1).get(30, TimeUnit.SECONDS).events().get(0).position().txId()).isEqualTo(tx);
    assertThat(store.readStream("t-big", 0, 10)).isEmpty();
  }

  @Test
  void aMemberWithAUniqueViolation_rollsTheGroupBack_theOthersCommitAlone_andItFailsAlone() throws Exception {
    AppendResult taken = store.append(request("taken", 0, 1));
    UUID usedId = taken.events().get(0).eventId();
    NewEvent reused = new NewEvent(usedId, "Deposited", 1, "{}", dev.cairn.api.EventMetadata.EMPTY);

    List<Future<AppendResult>> good = new ArrayList<>();
    Future<AppendResult> bad;
    try (Gate gate = new Gate()) {
      good.add(submit(request("u-1", 0, 1)));
      bad = submit(new AppendRequest("u-2", "account", 0, List.of(reused)));
      good.add(submit(request("u-3", 0, 2)));
      gate.awaitQueued(3);
    }

    List<Long> txIds = new ArrayList<>();
    for (Future<AppendResult> f : good) {
      AppendResult r = f.get(30, TimeUnit.SECONDS);
      txIds.add(r.events().get(0).position().txId());
    }
    assertThat(txIds).as("each committed alone after the group rolled back").doesNotHaveDuplicates();
    assertThat(failure(bad)).isInstanceOf(EventStoreException.class);
    assertThat(store.readStream("u-2", 0, 10)).isEmpty();
    assertThat(store.readStream("u-3", 0, 10)).hasSize(2);
    assertThat(meters.find("cairn.store.append.group.fallbacks").counter().count()).isEqualTo(1.0);
  }

  @Test
  void aConcurrentUpdateOfOneMembersStream_failsTheGroupStatement_andEveryMemberStillCommitsOnce() throws Exception {
    store.append(request("hot", 0, 1));
    Jdbi jdbi = Jdbi.create(pg.dataSource());
    List<Future<AppendResult>> members = new ArrayList<>();
    try (Handle other = jdbi.open()) {
      try (Gate gate = new Gate()) {
        members.add(submit(request("c-1", 0, 1)));
        members.add(submit(request("hot", 1, 1)));
        members.add(submit(request("c-2", 0, 1)));
        gate.awaitQueued(3);
        // Another transaction touches the hot stream's row and holds it past the group's snapshot.
        other.begin();
        other.execute("UPDATE " + schema + ".streams SET updated_at = now() WHERE stream_id = 'hot'");
      }
      awaitBlockedOnALock(jdbi);
      other.commit();
    }
    List<Long> txIds = new ArrayList<>();
    for (Future<AppendResult> f : members) {
      txIds.add(f.get(30, TimeUnit.SECONDS).events().get(0).position().txId());
    }
    // REPEATABLE READ refused the group's update of a row changed after its snapshot (DESIGN rule
    // 1): the group rolled back and each member appended alone.
    assertThat(txIds).doesNotHaveDuplicates();
    assertThat(store.readStream("hot", 0, 10)).extracting(RecordedEvent::version).containsExactly(1L, 2L);
    assertThat(meters.find("cairn.store.append.group.fallbacks").counter().count()).isEqualTo(1.0);
  }

  @Test
  void theGroupsSessionKilledMidGroup_leavesNothingOfTheGroup_andItsMembersFailWithoutARetry() throws Exception {
    store.append(request("held", 0, 1));
    Jdbi jdbi = Jdbi.create(pg.dataSource());
    List<Future<AppendResult>> members = new ArrayList<>();
    try (Handle other = jdbi.open()) {
      try (Gate gate = new Gate()) {
        members.add(submit(request("k-1", 0, 1)));
        members.add(submit(request("k-2", 0, 3)));
        members.add(submit(request("held", 1, 2)));
        gate.awaitQueued(3);
        other.begin();
        other.execute("SELECT 1 FROM " + schema + ".streams WHERE stream_id = 'held' FOR UPDATE");
      }
      awaitBlockedOnALock(jdbi);
      // The group has written k-1 and k-2's rows and waits for held's: kill its session. The
      // connection breaks inside the round trip that also carries the commit, so the store cannot
      // know whether it committed: every member fails, none is appended again behind its back.
      int killed =
          jdbi.withHandle(
              h ->
                  h.createQuery(
                          "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                              + " WHERE wait_event_type = 'Lock' AND query LIKE '%unnest%') t")
                      .mapTo(Integer.class)
                      .one());
      assertThat(killed).isEqualTo(1);
      other.rollback();
    }
    for (Future<AppendResult> f : members) {
      assertThat(failure(f)).isInstanceOf(EventStoreException.class).hasMessageContaining("unknown");
    }
    // Nothing of the group was written; the same appends go through afterwards.
    assertThat(store.readStream("k-1", 0, 10)).isEmpty();
    assertThat(store.readStream("k-2", 0, 10)).isEmpty();
    assertThat(store.readStream("held", 0, 10)).extracting(RecordedEvent::version).containsExactly(1L);
    store.append(request("k-2", 0, 3));
    store.append(request("held", 1, 2));
    assertThat(store.readStream("held", 0, 10)).extracting(RecordedEvent::version).containsExactly(1L, 2L, 3L);
    assertThat(meters.find("cairn.store.append.group.fallbacks").counter().count()).isZero();
  }

  @Test
  void idempotencyKeys_insideAGroup_areRecordedWithTheirMembers_andAKeyReusedOnAnotherStreamIsRefused() throws Exception {
    JdbcAggregateRepository<Accounts.Command, Accounts.Account, Accounts.Event> accounts =
        store.repository("account", new Accounts.AccountDecider()).serializer(Accounts.serializer()).build();
    List<Future<CommandResult<Accounts.Event>>> keyed = new ArrayList<>();
    Future<CommandResult<Accounts.Event>> reused;
    try (Gate gate = new Gate()) {
      keyed.add(submit(() -> accounts.handle("i-1", new Accounts.Open("ann"), CommandOptions.idempotencyKey("open-1"))));
      keyed.add(submit(() -> accounts.handle("i-2", new Accounts.Open("bob"), CommandOptions.idempotencyKey("open-2"))));
      gate.awaitQueued(2);
    }
    for (Future<CommandResult<Accounts.Event>> f : keyed) {
      assertThat(f.get(30, TimeUnit.SECONDS).duplicate()).isFalse();
    }
    assertThat(meters.find("cairn.store.append.group.size").summary().max()).isEqualTo(2.0);

    try (Gate gate = new Gate()) {
      // Sent again with their keys: answered as the first time, nothing appended.
      keyed.set(0, submit(() -> accounts.handle("i-1", new Accounts.Open("ann"), CommandOptions.idempotencyKey("open-1"))));
      // A new command on i-3 and one that reuses i-3's key on i-4, in the same group.
      keyed.set(1, submit(() -> accounts.handle("i-3", new Accounts.Open("cy"), CommandOptions.idempotencyKey("open-3"))));
      gate.awaitQueued(1);
      reused = submit(() -> accounts.handle("i-4", new Accounts.Open("cy"), CommandOptions.idempotencyKey("open-3")));
      gate.awaitQueued(2);
    }
    assertThat(keyed.get(0).get(30, TimeUnit.SECONDS).duplicate()).isTrue();
    assertThat(keyed.get(1).get(30, TimeUnit.SECONDS).version()).isEqualTo(1);
    assertThat(failure(reused))
        .isInstanceOf(IdempotencyKeyReusedException.class)
        .hasMessageContaining("open-3");
    assertThat(store.readStream("i-1", 0, 10)).hasSize(1);
    assertThat(store.readStream("i-4", 0, 10)).isEmpty();
    assertThat(meters.find("cairn.store.append.group.fallbacks").counter().count()).isEqualTo(1.0);
  }

  /** Holds the only group slot with an append blocked on the gate stream's row lock. */
  private final class Gate implements AutoCloseable {
    private final Handle holder;
    private final Future<AppendResult> held;

    Gate() {
      holder = Jdbi.create(pg.dataSource()).open();
      holder.begin();
      holder.execute("SELECT 1 FROM " + schema + ".streams WHERE stream_id = 'gate' FOR UPDATE");
      long version = store.readStream("gate", 0, 1000).size();
      held = submit(request("gate", version, 1));
      await().atMost(Duration.ofSeconds(30)).until(() -> store.appender().groupsInFlight() == 1);
    }

    void awaitQueued(int members) {
      await().atMost(Duration.ofSeconds(30)).until(() -> store.appender().queuedAppends() == members);
    }

    @Override
    public void close() {
      holder.rollback();
      holder.close();
      try {
        held.get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new AssertionError("the gate's append did not complete", e);
      }
    }
  }

  private void awaitBlockedOnALock(Jdbi jdbi) {
    StoreTestSupport.awaitOneWaitingOnALock(jdbi, "%unnest%");
  }

  private double conflicts() {
    return meters.find("cairn.store.conflicts").counter().count();
  }

  private <T> Future<T> submit(Callable<T> work) {
    return pool.submit(work);
  }

  private Future<AppendResult> submit(AppendRequest request) {
    return submit(() -> store.append(request));
  }

  private static Throwable failure(Future<?> f) throws Exception {
    try {
      f.get(30, TimeUnit.SECONDS);
      throw new AssertionError("expected a failure");
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }

  @Test
  void settingsOutsideTheirBounds_areRejected_namingTheValue() {
    assertThatThrownBy(() -> JdbcEventStore.builder(pg.dataSource()).groupCommit(0, 1, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("group commit max size must be >= 1 but was 0");
    assertThatThrownBy(() -> JdbcEventStore.builder(pg.dataSource()).groupCommit(8, 0, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("group commit max in flight must be >= 1 but was 0");
    assertThatThrownBy(() -> JdbcEventStore.builder(pg.dataSource()).groupCommit(8, 1, Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("group commit max wait must be between 0 and 1 s but was PT-0.001S");
    assertThatThrownBy(() -> JdbcEventStore.builder(pg.dataSource()).groupCommit(8, 1, Duration.ofSeconds(2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("group commit max wait must be between 0 and 1 s but was PT2S");
  }
}
