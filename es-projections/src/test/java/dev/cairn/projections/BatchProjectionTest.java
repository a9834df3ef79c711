package dev.cairn.projections;

import static dev.cairn.projections.Bank.assertFold;
import static dev.cairn.projections.Bank.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.api.EventEnvelope;
import dev.cairn.api.GlobalPosition;
import dev.cairn.api.RecordedEvent;
import dev.cairn.bus.kafka.CairnRecords;
import dev.cairn.projections.Bank.Deposited;
import dev.cairn.projections.Bank.Ledger;
import dev.cairn.projections.Bank.Opened;
import dev.cairn.projections.Bank.Withdrawn;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.KafkaExtension;
import dev.cairn.testkit.PostgresExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A {@link BatchProjection} gets whole batches, folds them per key and writes them with one
 * multi-row upsert; its read model must be the per-event fold, exactly once, from either runner,
 * through a poison event inside a batch, a replay and a rebuild.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BatchProjectionTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();
  static final Duration WAIT = Duration.ofSeconds(60);
  static final AtomicInteger NAMES = new AtomicInteger();
  static final FailurePolicy FAST =
      FailurePolicy.builder().maxAttempts(3).backoff(Duration.ofMillis(1), Duration.ofMillis(5)).build();

  JdbcEventStore store;
  ProjectionManager manager;
  Ledger ledger;
  /** The batches the batched projection was called with, as lists of stream ids. */
  final List<List<String>> calls = new CopyOnWriteArrayList<>();

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

  /**
   * The balances read model of {@link Bank#balances}, written a batch at a time: folded per account
   * in Java (a multi-row upsert may not touch one row twice), then one upsert of all accounts.
   * With {@code poisoned}, a batch holding a deposit of {@link Bank#POISON} fails until fixed.
   */
  Projection batched(String name, int version, boolean poisoned) {
    return Projections.builder(name, version)
        .table("CREATE TABLE {table} (account text PRIMARY KEY, balance bigint NOT NULL, events bigint NOT NULL)")
        .onBatch(
            (List<EventEnvelope<Bank.Event>> events, Handle h, ReadModel m) -> {
              calls.add(events.stream().map(EventEnvelope::streamId).toList());
              Map<String, long[]> rows = new LinkedHashMap<>();
              for (EventEnvelope<Bank.Event> e : events) {
                long amount = 0;
                if (e.event() instanceof Deposited d) {
                  if (poisoned && d.amount() == Bank.POISON && !Bank.POISON_FIXED.get()) {
                    throw new IllegalStateException("poison deposit in " + e.streamId());
                  }
                  amount = d.amount();
                } else if (e.event() instanceof Withdrawn w) {
                  amount = -w.amount();
                }
                long[] row = rows.computeIfAbsent(e.streamId(), a -> new long[2]);
                row[0] += amount;
                row[1]++;
              }
              String[] accounts = rows.keySet().toArray(new String[0]);
              Long[] balances = rows.values().stream().map(r -> r[0]).toArray(Long[]::new);
              Long[] counts = rows.values().stream().map(r -> r[1]).toArray(Long[]::new);
              h.createUpdate(
                      """
                      INSERT INTO %1$s AS t (account, balance, events)
                      SELECT * FROM unnest(:accounts, :balances, :counts)
                      ON CONFLICT (account) DO UPDATE SET balance = t.balance + excluded.balance,
                        events = t.events + excluded.events"""
                          .formatted(m.table()))
                  .bind("accounts", accounts)
                  .bind("balances", balances)
                  .bind("counts", counts)
                  .execute();
            },
            List.of(Opened.class, Deposited.class, Withdrawn.class))
        .build();
  }

  /** True if some call got several events of one stream: the fold per key was needed. */
  boolean someBatchHadOneStreamTwice() {
    return calls.stream().anyMatch(c -> new HashSet<>(c).size() < c.size());
  }

  @Test
  void storeFed_batchProjection_equalsThePerEventFold_andGetsWholeBatches() {
    Projection batched = batched("batched", 1, false);
    Projection perEvent = Bank.balances("per_event", 1, false);
    assertThat(batched).isInstanceOf(BatchProjection.class);
    assertThat(perEvent).isNotInstanceOf(BatchProjection.class);
    manager.install(batched);
    manager.install(perEvent);
    ledger.fill("acc-", 12, 6);
    ledger.append("acc-3", new Withdrawn(7), new Deposited(1), new Withdrawn(2));
    try (StoreProjectionRunner a = manager.storeRunner(batched).batchSize(40).build();
        StoreProjectionRunner b = manager.storeRunner(perEvent).batchSize(40).build()) {
      a.start();
      b.start();
      assertThat(a.awaitCaughtUp(WAIT)).isTrue();
      assertThat(b.awaitCaughtUp(WAIT)).isTrue();
      List<RecordedEvent> all = readAll(store, GlobalPosition.START);
      assertFold(store, manager.readModel(batched.spec()).view(), all);
      assertThat(Bank.read(store, manager.readModel(batched.spec()).view()))
          .isEqualTo(Bank.read(store, manager.readModel(perEvent.spec()).view()));
      // 87 events in batches of 40: three calls, not one per event, each in the global order.
      assertThat(calls).hasSize(3);
      assertThat(calls.stream().flatMap(List::stream).toList())
          .isEqualTo(all.stream().map(RecordedEvent::streamId).toList());
      assertThat(someBatchHadOneStreamTwice()).isTrue();
      assertThat(a.status().eventsApplied()).isEqualTo(all.size());
    }
  }

  @Test
  void poisonInsideABatch_isParked_theRestOfTheBatchIsAppliedOnce_andRetryAfterTheFixCompletesIt() {
    Projection broken = batched("balances", 1, true);
    manager.install(broken);
    ledger.fill("ok-", 3, 2);
    ledger.append("bad", new Opened("x"), new Deposited(5));
    List<RecordedEvent> poison = ledger.append("bad", new Deposited(Bank.POISON));
    ledger.append("bad", new Deposited(7));
    ledger.fill("ok-", 3, 2);
    String view = manager.readModel(broken.spec()).view();
    // One batch holds everything: it fails as a whole and is applied event by event.
    try (StoreProjectionRunner runner = manager.storeRunner(broken).batchSize(100).failurePolicy(FAST).build()) {
      runner.start();
      assertThat(runner.awaitCaughtUp(WAIT)).isTrue();
      List<RecordedEvent> expected = new ArrayList<>();
      for (RecordedEvent e : readAll(store, GlobalPosition.START)) {
        if (!e.streamId().equals("bad") || e.version() < poison.get(0).version()) {
          expected.add(e);
        }
      }
      // The events column counts applications: equal to the fold means each was applied once.
      assertThat(Bank.read(store, view)).isEqualTo(Bank.fold(expected));
      assertThat(manager.deadLetters().list(broken.spec()))
          .extracting(ParkedEvent::status)
          .containsExactly("PARKED", "HELD");
      assertThat(manager.deadLetters().list(broken.spec()).get(0).event().eventId()).isEqualTo(poison.get(0).eventId());
      assertThat(manager.deadLetters().list(broken.spec()).get(0).attempts()).isEqualTo(3);
      // The whole batch once, then each event alone: the fallback calls the batch with one event.
      assertThat(calls.get(0)).hasSize(expected.size() + 2);
      assertThat(calls.subList(1, calls.size())).allSatisfy(c -> assertThat(c).hasSize(1));

      // Later events of "bad" keep waiting behind the parked one.
      calls.clear();
      ledger.fill("ok-", 3, 1);
      ledger.append("bad", new Deposited(9));
      assertThat(runner.awaitCaughtUp(WAIT)).isTrue();
      assertThat(manager.deadLetters().count(broken.spec())).isEqualTo(3);

      Bank.POISON_FIXED.set(true);
      manager.deadLetters().retry(broken, manager.deadLetters().list(broken.spec()).get(0).id());
      assertThat(manager.deadLetters().count(broken.spec())).isZero();
      assertFold(store, view, readAll(store, GlobalPosition.START));
    }
  }

  @Test
  void replayAndRebuild_ofABatchProjection_equalAFreshFold() {
    Projection v1 = batched("balances", 1, false);
    manager.install(v1);
    ledger.fill("acc-", 10, 9);
    String view = manager.readModel(v1.spec()).view();
    try (StoreProjectionRunner runner = manager.storeRunner(v1).batchSize(33).build()) {
      runner.start();
      assertThat(runner.awaitCaughtUp(WAIT)).isTrue();
      assertFold(store, view, readAll(store, GlobalPosition.START));
      ledger.fill("acc-", 10, 2);
      runner.replayFromBeginning();
      await().atMost(WAIT).untilAsserted(() -> assertFold(store, view, readAll(store, GlobalPosition.START)));
      assertThat(runner.awaitCaughtUp(WAIT)).isTrue();
      assertFold(store, view, readAll(store, GlobalPosition.START));

      Rebuild rebuild = manager.rebuild(batched("balances", 2, false));
      assertThat(rebuild.awaitCaughtUp(WAIT)).isTrue();
      rebuild.runner().pause();
      GlobalPosition at = rebuild.switchOver();
      assertFold(
          store,
          view,
          readAll(store, GlobalPosition.START).stream().filter(e -> !e.position().isAfter(at)).toList());
      assertThat(manager.activeVersion("balances")).hasValue(2);
      rebuild.runner().stop();
    }
  }

  @Test
  void kafkaFed_batchProjection_equalsThePerEventFold() {
    int n = NAMES.incrementAndGet();
    String topic = kafka.createTopic("batched-" + n, 3);
    Projection batched = batched("balances", 1, false);
    manager.install(batched);
    List<RecordedEvent> events = ledger.fill("acc-", 15, 8);
    events.addAll(ledger.append("acc-2", new Withdrawn(50), new Deposited(3)));
    Map<String, Object> producerConfig = kafka.producerConfig();
    producerConfig.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, kafka.name("tx-" + UUID.randomUUID()));
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerConfig)) {
      producer.initTransactions();
      producer.beginTransaction();
      for (RecordedEvent e : events) {
        producer.send(CairnRecords.toRecord(topic, e, "cairn://test"));
      }
      producer.commitTransaction();
    }
    String view = manager.readModel(batched.spec()).view();
    try (KafkaProjectionRunner runner =
        manager.kafkaRunner(batched, kafka.consumerConfig("batched-" + n), List.of(topic)).maxBatchRecords(50).build()) {
      runner.start();
      await().atMost(WAIT).untilAsserted(() -> assertThat(Bank.read(store, view)).isEqualTo(Bank.fold(events)));
      assertThat(calls.stream().mapToInt(List::size).sum()).isGreaterThanOrEqualTo(events.size());
      assertThat(calls.size()).isLessThan(events.size() / 2);
      assertThat(someBatchHadOneStreamTwice()).isTrue();
    }
  }

  @Test
  void builderBatchHandler_getsRunsOfConsecutiveEventsOfItsClasses_inOrder() {
    List<String> seen = new ArrayList<>();
    BatchProjection p =
        (BatchProjection)
            Projections.builder("runs", 1)
                .table("CREATE TABLE {table} (x int)")
                .on(Opened.class, (e, h, m) -> seen.add("opened " + e.streamId()))
                .onBatch(
                    Deposited.class,
                    (events, h, m) -> seen.add("deposits " + events.stream().map(e -> e.event().amount()).toList()))
                .build();
    List<EventEnvelope<?>> batch =
        List.of(
            envelope("a", new Opened("o")), envelope("a", new Deposited(1)), envelope("a", new Deposited(2)),
            envelope("b", new Opened("o")), envelope("b", new Deposited(3)), envelope("a", new Withdrawn(1)),
            envelope("a", new Deposited(4)));
    p.applyBatch(batch, null, null);
    assertThat(seen)
        .containsExactly("opened a", "deposits [1, 2]", "opened b", "deposits [3]", "deposits [4]");
    seen.clear();
    p.apply(envelope("c", new Deposited(5)), null, null);
    assertThat(seen).containsExactly("deposits [5]");
  }

  private static EventEnvelope<Object> envelope(String stream, Bank.Event event) {
    return new EventEnvelope<>(
        UUID.randomUUID(), stream, "account", 1, GlobalPosition.START, java.time.Instant.now(),
        event.getClass().getSimpleName(), 1, dev.cairn.api.EventMetadata.EMPTY, event);
  }
}
