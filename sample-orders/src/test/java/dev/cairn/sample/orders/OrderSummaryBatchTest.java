package dev.cairn.sample.orders;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.api.AppendRequest;
import dev.cairn.api.EventMetadata;
import dev.cairn.api.EventSerializer;
import dev.cairn.api.EventTypeRegistry;
import dev.cairn.api.JacksonEventSerializer;
import dev.cairn.api.NewEvent;
import dev.cairn.api.SerializedEvent;
import dev.cairn.projections.BatchProjection;
import dev.cairn.projections.FailurePolicy;
import dev.cairn.projections.Projection;
import dev.cairn.projections.ProjectionManager;
import dev.cairn.projections.StoreProjectionRunner;
import dev.cairn.sample.orders.domain.LineAdded;
import dev.cairn.sample.orders.domain.LineRemoved;
import dev.cairn.sample.orders.domain.OrderCancelled;
import dev.cairn.sample.orders.domain.OrderEvent;
import dev.cairn.sample.orders.domain.OrderLine;
import dev.cairn.sample.orders.domain.OrderPaid;
import dev.cairn.sample.orders.domain.OrderPlaced;
import dev.cairn.sample.orders.domain.OrderShipped;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.PostgresExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The batched {@code order_summary} must hold exactly the rows the per-event handlers write, for
 * both versions, whatever lands in one batch: an order placed, changed and paid together, a sku
 * merged into an existing line (whose price stays), a line removed, lines of an order that has no
 * row, and a fault in the middle of a batch.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OrderSummaryBatchTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  static final Duration WAIT = Duration.ofSeconds(60);
  static final EventSerializer SERIALIZER =
      JacksonEventSerializer.create(EventTypeRegistry.builder().registerSealed(OrderEvent.class).build());
  static int schemas;

  final Map<String, Long> versions = new HashMap<>();

  JdbcEventStore store() {
    JdbcEventStore store =
        JdbcEventStore.builder(pg.dataSource()).schema("osb" + ++schemas).meterRegistry(new SimpleMeterRegistry()).build();
    store.migrate();
    return store;
  }

  void append(JdbcEventStore store, String order, OrderEvent... events) {
    List<NewEvent> news = new ArrayList<>();
    for (OrderEvent e : events) {
      SerializedEvent s = SERIALIZER.serialize(e);
      news.add(new NewEvent(UUID.randomUUID(), s.eventType(), s.revision(), s.json(), EventMetadata.EMPTY));
    }
    long expected = versions.getOrDefault(order, 0L);
    versions.put(order, store.append(new AppendRequest(order, "order", expected, news)).version());
  }

  /** Orders with every kind of event, some of them in one append (so in one batch). */
  void fill(JdbcEventStore store, long seed) {
    Random random = new Random(seed);
    String[] skus = {"book", "pen", "ink", "lamp"};
    for (int i = 0; i < 40; i++) {
      String order = "order-" + i;
      OrderLine first = new OrderLine(skus[random.nextInt(4)], 1 + random.nextInt(3), 100 + random.nextInt(900));
      List<OrderEvent> events = new ArrayList<>();
      events.add(new OrderPlaced("cust-" + i % 7, List.of(first), first.lineTotal()));
      int more = random.nextInt(6);
      for (int j = 0; j < more; j++) {
        switch (random.nextInt(3)) {
          case 0 -> events.add(new LineAdded(new OrderLine(skus[random.nextInt(4)], 1 + random.nextInt(4), 50 + random.nextInt(500))));
          case 1 -> events.add(new LineRemoved(skus[random.nextInt(4)]));
          default -> events.add(new LineAdded(new OrderLine(first.sku(), 2, 1))); // merged: the old price stays
        }
      }
      switch (random.nextInt(4)) {
        case 0 -> events.add(new OrderPaid(1234 + i));
        case 1 -> {
          events.add(new OrderPaid(99));
          events.add(new OrderShipped("track-" + i));
        }
        case 2 -> events.add(new OrderCancelled("changed my mind"));
        default -> { }
      }
      // Half the orders in one append, the others an event per append, interleaved with others.
      if (i % 2 == 0) {
        append(store, order, events.toArray(new OrderEvent[0]));
      } else {
        for (OrderEvent e : events) {
          append(store, order, e);
          append(store, "order-" + (i - 1), new LineAdded(new OrderLine("ink", 1, 7)));
        }
      }
    }
    // An order that has lines but no row (its placing is not in the store).
    append(store, "orphan", new LineAdded(new OrderLine("pen", 2, 3)), new OrderPaid(6));
  }

  List<Map<String, Object>> rows(JdbcEventStore store, String table, String order) {
    return store.jdbi().withHandle(h -> h.createQuery("SELECT * FROM " + table + " ORDER BY " + order).mapToMap().list());
  }

  void runToEnd(ProjectionManager manager, Projection p, int batchSize) {
    manager.install(p);
    FailurePolicy fast = FailurePolicy.builder().maxAttempts(2).backoff(Duration.ofMillis(1), Duration.ofMillis(5)).build();
    try (StoreProjectionRunner runner = manager.storeRunner(p).batchSize(batchSize).failurePolicy(fast).build()) {
      runner.start();
      assertThat(runner.awaitCaughtUp(WAIT)).isTrue();
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2})
  void batched_holdsExactlyTheRowsOfThePerEventProjection(int version) {
    JdbcEventStore store = store();
    fill(store, 17 + version);
    ProjectionManager manager = ProjectionManager.create(store, SERIALIZER);
    manager.migrate();
    Projection batched = OrderSummaryProjection.batched("summary_batched", version);
    Projection perEvent = OrderSummaryProjection.perEvent("summary_per_event", version);
    assertThat(batched).isInstanceOf(BatchProjection.class);
    runToEnd(manager, batched, 37);
    runToEnd(manager, perEvent, 37);

    var b = manager.readModel(batched.spec());
    var p = manager.readModel(perEvent.spec());
    List<Map<String, Object>> orders = rows(store, b.view(), "order_id");
    assertThat(orders).hasSize(40).isEqualTo(rows(store, p.view(), "order_id"));
    assertThat(rows(store, b.view("lines"), "order_id, sku")).isEqualTo(rows(store, p.view("lines"), "order_id, sku"));
    assertThat(rows(store, b.view("lines"), "order_id, sku")).anyMatch(r -> r.get("order_id").equals("orphan"));
    assertThat(manager.deadLetters().count(batched.spec())).isZero();
  }

  @Test
  void aFaultInsideABatch_parksTheFaultyOrder_andTheRestEqualsThePerEventProjection() {
    JdbcEventStore store = store();
    fill(store, 5);
    append(store, "faulty", new OrderPlaced("cust-x", List.of(new OrderLine("poison", 1, 10)), 10), new OrderPaid(10));
    append(store, "after", new OrderPlaced("cust-y", List.of(new OrderLine("pen", 1, 10)), 10));
    ProjectionManager manager = ProjectionManager.create(store, SERIALIZER);
    manager.migrate();
    Projection batched = OrderSummaryProjection.batched("summary_batched", 2);
    Projection perEvent = OrderSummaryProjection.perEvent("summary_per_event", 2);
    OrderSummaryProjection.failSku = "poison";
    try {
      runToEnd(manager, batched, 500);
      runToEnd(manager, perEvent, 500);
    } finally {
      OrderSummaryProjection.failSku = null;
    }
    var b = manager.readModel(batched.spec());
    var p = manager.readModel(perEvent.spec());
    assertThat(rows(store, b.view(), "order_id")).isEqualTo(rows(store, p.view(), "order_id"))
        .noneMatch(r -> r.get("order_id").equals("faulty"))
        .anyMatch(r -> r.get("order_id").equals("after"));
    assertThat(rows(store, b.view("lines"), "order_id, sku")).isEqualTo(rows(store, p.view("lines"), "order_id, sku"));
    assertThat(manager.deadLetters().count(batched.spec())).isEqualTo(2); // the placing parked, the payment held
  }
}
