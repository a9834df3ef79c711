package dev.cairn.bench;

import com.zaxxer.hikari.HikariDataSource;
import dev.cairn.api.EventTypeRegistry;
import dev.cairn.api.JacksonEventSerializer;
import dev.cairn.projections.ProjectionManager;
import dev.cairn.sample.orders.checkout.CheckoutProcess;
import dev.cairn.sample.orders.checkout.CheckoutState;
import dev.cairn.sample.orders.checkout.InventoryCommand;
import dev.cairn.sample.orders.checkout.InventoryDecider;
import dev.cairn.sample.orders.checkout.InventoryEvent;
import dev.cairn.sample.orders.checkout.Payment;
import dev.cairn.sample.orders.checkout.PaymentCommand;
import dev.cairn.sample.orders.checkout.PaymentDecider;
import dev.cairn.sample.orders.checkout.PaymentEvent;
import dev.cairn.sample.orders.checkout.Stock;
import dev.cairn.sample.orders.domain.Order;
import dev.cairn.sample.orders.domain.OrderCommand;
import dev.cairn.sample.orders.domain.OrderDecider;
import dev.cairn.sample.orders.domain.OrderEvent;
import dev.cairn.sample.orders.domain.OrderLine;
import dev.cairn.sample.orders.domain.PlaceOrder;
import dev.cairn.sample.orders.domain.StartCheckout;
import dev.cairn.store.jdbc.JdbcAggregateRepository;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.PostgresDatabase;
import dev.cairn.workflows.ProcessRecord;
import dev.cairn.workflows.Workflow;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The sample's checkout saga end to end: checkouts per second from the order's placing to its
 * payment (place, start checkout, reserve stock, authorize payment, order paid, stock committed,
 * payment captured: seven commands and five process inputs, each input recorded in the
 * checkout's stream and handled by the store-fed workflow runner), beside the single-aggregate
 * command rate (placing an order through the same repository, same writers) measured in the same
 * run.
 */
final class CheckoutCase implements BenchCase {

  static final int WRITERS = 4;
  static final int SKUS = 20;
  private static final Duration SETTLE = Duration.ofSeconds(180);

  @Override
  public String name() {
    return "checkout_e2e";
  }

  @Override
  public String description() {
    return "checkouts/s, order placed to order paid through the checkout workflow; vs single-aggregate commands/s";
  }

  @Override
  public List<Result> run(BenchContext ctx) throws Exception {
    JacksonEventSerializer serializer =
        JacksonEventSerializer.create(
            ProcessRecord.register(
                    EventTypeRegistry.builder()
                        .registerSealed(OrderEvent.class)
                        .registerSealed(InventoryEvent.class)
                        .registerSealed(PaymentEvent.class))
                .build());
    ExecutorService workers = Executors.newFixedThreadPool(WRITERS);
    try (PostgresDatabase db = ctx.database(name());
        HikariDataSource pool = ctx.pool(db, name(), 16)) {
      JdbcEventStore store = JdbcEventStore.builder(pool).schema("cairn").meterRegistry(new SimpleMeterRegistry()).build();
      store.migrate();
      ProjectionManager projections = ProjectionManager.create(store, serializer);
      projections.migrate();
      try (JdbcAggregateRepository<OrderCommand, Order, OrderEvent> orders =
              store.repository(CheckoutProcess.ORDER, new OrderDecider()).serializer(serializer).build();
          JdbcAggregateRepository<InventoryCommand, Stock, InventoryEvent> inventory =
              store.repository(CheckoutProcess.INVENTORY, new InventoryDecider()).serializer(serializer).build();
          JdbcAggregateRepository<PaymentCommand, Payment, PaymentEvent> payments =
              store.repository(CheckoutProcess.PAYMENT, new PaymentDecider()).serializer(serializer).build();
          Workflow<CheckoutState> checkout =
              Workflow.builder("checkout", new CheckoutProcess(Duration.ofMinutes(10)), CheckoutState.class)
                  .store(store)
                  .projections(projections)
                  .serializer(serializer)
                  .follow(OrderEvent.class, InventoryEvent.class, PaymentEvent.class)
                  .target(CheckoutProcess.ORDER, orders)
                  .target(CheckoutProcess.INVENTORY, inventory)
                  .target(CheckoutProcess.PAYMENT, payments)
                  .build()) {
        for (int s = 0; s < SKUS; s++) {
          inventory.handle("sku-" + s, new InventoryCommand.AddStock(InventoryDecider.MAX_QUANTITY));
        }
        checkout.migrate();
        checkout.start();
        AtomicLong ids = new AtomicLong();
        AtomicLong started = new AtomicLong();
        String paidCount =
            "SELECT count(*) FROM cairn.events WHERE stream_type = 'order' AND event_type = 'OrderPaid'";
        Measure<Double> checkouts =
            duration -> {
              long before = started.get();
              long t0 = System.nanoTime();
              long deadline = t0 + duration.toNanos();
              List<Future<?>> loops = new ArrayList<>();
              for (int w = 0; w < WRITERS; w++) {
                loops.add(
                    workers.submit(
                        () -> {
                          while (System.nanoTime() < deadline) {
                            long n = ids.incrementAndGet();
                            String id = "co-" + n;
                            orders.handle(id, place(n));
                            orders.handle(id, new StartCheckout());
                            started.incrementAndGet();
                          }
                          return null;
                        }));
              }
              for (Future<?> f : loops) {
                f.get();
              }
              long target = started.get();
              long settleBy = System.nanoTime() + SETTLE.toNanos();
              while (store.jdbi().withHandle(h -> h.createQuery(paidCount).mapTo(Long.class).one()) < target) {
                if (System.nanoTime() > settleBy) {
                  throw new IllegalStateException("checkouts not all paid within " + SETTLE + ": " + checkout.status());
                }
                Thread.sleep(5);
              }
              return (target - before) / ((System.nanoTime() - t0) / 1e9);
            };
        Measure<Double> commands =
            Measure.throughput(
                workers, WRITERS,
                t -> {
                  long n = ids.incrementAndGet();
                  orders.handle("pl-" + n, place(n));
                  return 1;
                });
        double[] r = Interleaved.throughput(ctx.settings(), ctx.log(), name(), checkouts, commands);
        return List.of(
            Result.throughput(
                name(), r[0], r[1], 0.01,
                WRITERS + " writers; checkouts/s (1 line, placed to paid: 7 commands, 5 recorded inputs)"
                    + " vs PlaceOrder commands/s on the same repository"));
      }
    } finally {
      workers.shutdownNow();
    }
  }

  private static PlaceOrder place(long n) {
    return new PlaceOrder("customer-" + n % 500, List.of(new OrderLine("sku-" + n % SKUS, 1, 100 + n % 900)));
  }
}
