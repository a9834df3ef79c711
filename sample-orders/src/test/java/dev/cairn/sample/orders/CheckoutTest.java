package dev.cairn.sample.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.api.CommandOptions;
import dev.cairn.sample.orders.checkout.CheckoutProcess;
import dev.cairn.sample.orders.checkout.CheckoutState;
import dev.cairn.sample.orders.checkout.CheckoutState.Phase;
import dev.cairn.sample.orders.checkout.InventoryEvent.StockCommitted;
import dev.cairn.sample.orders.checkout.InventoryEvent.StockReleased;
import dev.cairn.sample.orders.checkout.InventoryEvent.StockReserved;
import dev.cairn.sample.orders.checkout.PaymentGateway;
import dev.cairn.sample.orders.checkout.PaymentGateway.Faults;
import dev.cairn.sample.orders.checkout.PaymentGateway.Mode;
import dev.cairn.sample.orders.checkout.Stock;
import dev.cairn.sample.orders.domain.AddLine;
import dev.cairn.sample.orders.domain.OrderLine;
import dev.cairn.sample.orders.domain.OrderRuleViolation;
import dev.cairn.sample.orders.domain.OrderStatus;
import dev.cairn.sample.orders.domain.PlaceOrder;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.PostgresExtension;
import dev.cairn.workflows.HistoryEntry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The checkout saga on a real PostgreSQL: the happy path and every compensation path. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CheckoutTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  static final Duration WAIT = Duration.ofSeconds(60);
  private static final AtomicInteger SCHEMAS = new AtomicInteger();

  CheckoutService checkout;

  @BeforeEach
  void setUp() {
    checkout = start(Duration.ofSeconds(2));
  }

  @AfterEach
  void tearDown() {
    checkout.close();
  }

  static CheckoutService start(Duration timeout) {
    JdbcEventStore store =
        JdbcEventStore.builder(pg.dataSource()).schema("c" + SCHEMAS.incrementAndGet()).meterRegistry(new SimpleMeterRegistry()).build();
    store.migrate();
    CheckoutService service = new CheckoutService(store, timeout);
    service.start();
    return service;
  }

  private void place(String orderId, OrderLine... lines) {
    checkout.orders().handle(orderId, new PlaceOrder("cust-1", List.of(lines)));
  }

  private Phase phase(String orderId) {
    return checkout.workflow().state(orderId).map(CheckoutState::phase).orElse(Phase.NONE);
  }

  private Stock stock(String sku) {
    return checkout.inventory().load(sku).state();
  }

  private OrderStatus status(String orderId) {
    return checkout.orders().load(orderId).state().status();
  }

  private void awaitEnd(String orderId, Phase phase) {
    await().atMost(WAIT).until(() -> phase(orderId) == Phase.PAID || phase(orderId) == Phase.CANCELLED);
    assertThat(phase(orderId)).as(checkout.workflow().history(orderId).toString()).isEqualTo(phase);
  }

  @Test
  void happyPath_reservesAuthorizes_thenPaysCommitsAndCaptures() {
    checkout.addStock("mug", 5, CommandOptions.defaults());
    checkout.addStock("tea", 5, CommandOptions.defaults());
    place("o1", new OrderLine("mug", 2, 900), new OrderLine("tea", 1, 1000));
    checkout.startCheckout("o1", CommandOptions.defaults());

    awaitEnd("o1", Phase.PAID);
    await().atMost(WAIT).until(() -> checkout.payments().load(CheckoutProcess.paymentStream("o1")).state().status().equals("CAPTURED"));
    await().atMost(WAIT).until(() -> stock("mug").committed() == 2 && stock("tea").committed() == 1);

    assertThat(status("o1")).isEqualTo(OrderStatus.PAID);
    assertThat(stock("mug")).isEqualTo(new Stock(3, java.util.Map.of(), 2));
    assertThat(checkout.workflow().history("o1"))
        .extracting(HistoryEntry::input)
        .containsExactlyInAnyOrder("CheckoutStarted", "StockReserved", "StockReserved", "PaymentAuthorized");
    assertThat(checkout.workflow().deadlines("o1")).extracting(d -> d.status()).containsExactly("cancelled");
  }

  @Test
  void linesAreFrozenOnceTheCheckoutStarts() {
    checkout.addStock("mug", 5, CommandOptions.defaults());
    place("o2", new OrderLine("mug", 1, 900));
    checkout.startCheckout("o2", CommandOptions.defaults());

    assertThatThrownBy(() -> checkout.orders().handle("o2", new AddLine(new OrderLine("tea", 1, 100))))
        .isInstanceOf(OrderRuleViolation.class)
        .hasMessageContaining("frozen");
    awaitEnd("o2", Phase.PAID);
  }

  @Test
  void outOfStock_releasesTheLinesThatWereReserved_andCancelsTheOrder() {
    checkout.addStock("mug", 5, CommandOptions.defaults());
    checkout.addStock("tea", 1, CommandOptions.defaults());
    place("o3", new OrderLine("mug", 2, 900), new OrderLine("tea", 3, 1000));
    checkout.startCheckout("o3", CommandOptions.defaults());

    awaitEnd("o3", Phase.CANCELLED);
    await().atMost(WAIT).until(() -> status("o3") == OrderStatus.CANCELLED && stock("mug").reserved().isEmpty());

    assertThat(checkout.orders().load("o3").state().cancelReason()).isEqualTo("out of stock: tea");
    assertThat(stock("mug")).isEqualTo(new Stock(5, java.util.Map.of(), 0));
    assertThat(checkout.inventory().history("mug")).extracting(e -> e.event().getClass().getSimpleName())
        .containsExactly("StockAdded", "StockReserved", "StockReleased");
    assertThat(checkout.payments().load(CheckoutProcess.paymentStream("o3")).version()).isZero();
  }

  @Test
  void paymentRefused_releasesTheStock_andCancelsTheOrder() {
    checkout.gateway().faults(new Faults(Mode.REFUSE, Duration.ZERO));
    checkout.addStock("mug", 5, CommandOptions.defaults());
    place("o4", new OrderLine("mug", 2, 900));
    checkout.startCheckout("o4", CommandOptions.defaults());

    awaitEnd("o4", Phase.CANCELLED);
    await().atMost(WAIT).until(() -> status("o4") == OrderStatus.CANCELLED && stock("mug").reserved().isEmpty());
    assertThat(checkout.orders().load("o4").state().cancelReason()).startsWith("payment refused: payment refused by the provider");
    assertThat(stock("mug").available()).isEqualTo(5);
    assertThat(checkout.workflow().deadlines("o4")).extracting(d -> d.status()).containsExactly("cancelled");
  }

  @Test
  void paymentTimeout_releasesTheStock_cancelsTheOrder_andRefundsALateAuthorization() {
    checkout.gateway().faults(new Faults(Mode.DELAY, Duration.ofSeconds(4)));
    checkout.addStock("mug", 5, CommandOptions.defaults());
    place("o5", new OrderLine("mug", 2, 900));
    checkout.startCheckout("o5", CommandOptions.defaults());

    awaitEnd("o5", Phase.CANCELLED);
    await().atMost(WAIT).until(() -> status("o5") == OrderStatus.CANCELLED && stock("mug").reserved().isEmpty());
    assertThat(checkout.orders().load("o5").state().cancelReason()).isEqualTo("payment not authorized within 2 s");

    // The provider's answer comes after the deadline: the checkout gives the money back.
    await().atMost(WAIT).until(() -> checkout.payments().load(CheckoutProcess.paymentStream("o5")).state().status().equals("REFUNDED"));
    assertThat(stock("mug")).isEqualTo(new Stock(5, java.util.Map.of(), 0));
    assertThat(checkout.workflow().history("o5")).extracting(HistoryEntry::input)
        .containsExactly("CheckoutStarted", "StockReserved", "deadline:payment-timeout", "PaymentAuthorized");
  }

  @Test
  void eventTypesOfTheCheckout_readBackAsTheirRecords() {
    // A guard for the registrations the workflow needs: reservations, releases and commits.
    assertThat(checkout.serializer().registry().forClass(StockReserved.class)).isPresent();
    assertThat(checkout.serializer().registry().forClass(StockReleased.class)).isPresent();
    assertThat(checkout.serializer().registry().forClass(StockCommitted.class)).isPresent();
    assertThat(PaymentGateway.Mode.valueOf("DELAY")).isEqualTo(Mode.DELAY);
  }
}
