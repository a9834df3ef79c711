package dev.cairn.sample.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.api.CommandOptions;
import dev.cairn.api.EventEnvelope;
import dev.cairn.sample.orders.checkout.CheckoutProcess;
import dev.cairn.sample.orders.checkout.InventoryEvent;
import dev.cairn.sample.orders.checkout.InventoryEvent.StockAdded;
import dev.cairn.sample.orders.checkout.InventoryEvent.StockCommitted;
import dev.cairn.sample.orders.checkout.InventoryEvent.StockReleased;
import dev.cairn.sample.orders.checkout.InventoryEvent.StockReserved;
import dev.cairn.sample.orders.checkout.Payment;
import dev.cairn.sample.orders.checkout.PaymentGateway.Faults;
import dev.cairn.sample.orders.checkout.PaymentGateway.Mode;
import dev.cairn.sample.orders.domain.Order;
import dev.cairn.sample.orders.domain.OrderLine;
import dev.cairn.sample.orders.domain.OrderStatus;
import dev.cairn.sample.orders.domain.PlaceOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A randomized model test of the checkout: many concurrent checkouts compete for a few skus while
 * the payment provider answers at once, refuses, or answers late (some before the deadline, some
 * after, some about when it falls). Each run is seeded; the seed is in every assertion's
 * description ({@code -Dcheckout.seed=N} replays one). Once the system is quiet: no sku was ever
 * oversold, no stock stays reserved, every order is either paid with its stock committed and its
 * payment captured, or cancelled with its stock released and its payment (if any came) refunded.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class CheckoutModelTest {

  private static final Logger LOG = LoggerFactory.getLogger(CheckoutModelTest.class);

  @RegisterExtension static final dev.cairn.testkit.PostgresExtension pg = CheckoutTest.pg;

  static final Duration TIMEOUT = Duration.ofSeconds(2);
  static final int ORDERS = 40;
  static final List<String> SKUS = List.of("red", "green", "blue", "gold");

  static Stream<Long> seeds() {
    String given = System.getProperty("checkout.seed");
    if (given != null) {
      return Stream.of(Long.parseLong(given));
    }
    return LongStream.of(7, 1_234_567).boxed();
  }

  record Plan(String orderId, List<OrderLine> lines, Faults payment) {}

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void concurrentCheckouts_neverOversell_andEndPaidWithCommittedStockOrCancelledWithStockReleased(long seed) throws Exception {
    LOG.info("checkout model test, seed {}", seed);
    Random random = new Random(seed);
    CheckoutService checkout = CheckoutTest.start(TIMEOUT);
    try {
      Map<String, Integer> added = new LinkedHashMap<>();
      for (String sku : SKUS) {
        int units = 8 + random.nextInt(16);
        added.put(sku, units);
        checkout.addStock(sku, units, CommandOptions.defaults());
      }
      List<Plan> plans = new ArrayList<>();
      for (int i = 0; i < ORDERS; i++) {
        Map<String, OrderLine> lines = new LinkedHashMap<>();
        int count = 1 + random.nextInt(3);
        for (int l = 0; l < count; l++) {
          String sku = SKUS.get(random.nextInt(SKUS.size()));
          lines.putIfAbsent(sku, new OrderLine(sku, 1 + random.nextInt(3), 100 + random.nextInt(900)));
        }
        int p = random.nextInt(10);
        Faults payment =
            p < 6 ? new Faults(Mode.NORMAL, Duration.ZERO)
                : p < 8 ? new Faults(Mode.REFUSE, Duration.ZERO)
                    // Late answers from well before to well after the deadline, so some meet it.
                    : new Faults(Mode.DELAY, Duration.ofMillis(random.nextInt((int) TIMEOUT.toMillis() * 2)));
        plans.add(new Plan("m" + seed + "-" + i, List.copyOf(lines.values()), payment));
      }
      Map<String, Faults> faults = new HashMap<>();
      plans.forEach(plan -> faults.put(CheckoutProcess.paymentStream(plan.orderId()), plan.payment()));
      checkout.gateway().faultsPerOrder(id -> faults.getOrDefault(id, new Faults(Mode.NORMAL, Duration.ZERO)));

      ExecutorService shoppers = Executors.newFixedThreadPool(8);
      try {
        List<Future<?>> started = new ArrayList<>();
        for (Plan plan : plans) {
          started.add(
              shoppers.submit(
                  () -> {
                    checkout.orders().handle(plan.orderId(), new PlaceOrder("cust-" + seed, plan.lines()));
                    checkout.startCheckout(plan.orderId(), CommandOptions.defaults());
                  }));
        }
        for (Future<?> f : started) {
          f.get(60, TimeUnit.SECONDS);
        }
      } finally {
        shoppers.shutdownNow();
      }

      String seedNote = "seed " + seed;
      // Quiet: every order ended, every late answer came, and the workflow handled all of it.
      await(seedNote)
          .atMost(Duration.ofSeconds(120))
          .until(
              () -> plans.stream().allMatch(p -> terminal(checkout.orders().load(p.orderId()).state()))
                  && checkout.gateway().lateAnswersPending() == 0
                  && checkout.workflow().awaitCaughtUp(Duration.ofSeconds(5))
                  && checkout.workflow().status().deadlines().pending() == 0
                  && checkout.workflow().awaitCaughtUp(Duration.ofSeconds(5)));

      Map<String, Integer> committedBySku = new HashMap<>();
      int paid = 0;
      for (Plan plan : plans) {
        String id = plan.orderId();
        String about = seedNote + ", order " + id + " " + plan + ", history " + checkout.workflow().history(id);
        Order order = checkout.orders().load(id).state();
        Payment payment = checkout.payments().load(CheckoutProcess.paymentStream(id)).state();
        if (order.status() == OrderStatus.PAID) {
          paid++;
          assertThat(payment.status()).as(about).isEqualTo("CAPTURED");
          assertThat(payment.amountCents()).as(about).isEqualTo(order.totalCents());
          assertThat(plan.payment().mode()).as(about).isNotEqualTo(Mode.REFUSE);
          for (OrderLine line : plan.lines()) {
            committedBySku.merge(line.sku(), line.quantity(), Integer::sum);
          }
        } else {
          assertThat(order.status()).as(about).isEqualTo(OrderStatus.CANCELLED);
          assertThat(payment.status()).as(about).isIn("NONE", "REFUNDED");
        }
      }
      for (String sku : SKUS) {
        String about = seedNote + ", sku " + sku;
        List<EventEnvelope<InventoryEvent>> history = checkout.inventory().history(sku);
        int onHand = 0;
        Map<String, Integer> reserved = new HashMap<>();
        Map<String, Integer> committed = new HashMap<>();
        for (EventEnvelope<InventoryEvent> e : history) {
          InventoryEvent event = e.event();
          if (event instanceof StockAdded a) {
            onHand += a.quantity();
          } else if (event instanceof StockReserved r) {
            assertThat(reserved).as(about + ": reserved twice for " + r.orderId()).doesNotContainKey(r.orderId());
            reserved.put(r.orderId(), r.quantity());
          } else if (event instanceof StockReleased r) {
            reserved.remove(r.orderId());
          } else if (event instanceof StockCommitted c) {
            reserved.remove(c.orderId());
            assertThat(committed).as(about + ": committed twice for " + c.orderId()).doesNotContainKey(c.orderId());
            committed.put(c.orderId(), c.quantity());
            onHand -= c.quantity();
          }
          int held = reserved.values().stream().mapToInt(Integer::intValue).sum();
          assertThat(onHand - held).as(about + ": available after version " + e.version()).isGreaterThanOrEqualTo(0);
        }
        assertThat(reserved).as(about + ": stock still reserved once quiet").isEmpty();
        int committedUnits = committed.values().stream().mapToInt(Integer::intValue).sum();
        assertThat(committedUnits).as(about + ": committed units = paid orders' units").isEqualTo(committedBySku.getOrDefault(sku, 0));
        assertThat(committedUnits).as(about + ": never oversold").isLessThanOrEqualTo(added.get(sku));
        for (String order : committed.keySet()) {
          assertThat(checkout.orders().load(order).state().status()).as(about + ": committed for " + order).isEqualTo(OrderStatus.PAID);
        }
      }
      LOG.info("seed {}: {} of {} orders paid", seed, paid, ORDERS);
      assertThat(paid).as(seedNote + ": some orders paid").isPositive();
    } finally {
      checkout.close();
    }
  }

  private static boolean terminal(Order order) {
    return order.status() == OrderStatus.PAID || order.status() == OrderStatus.CANCELLED;
  }
}
