package dev.cairn.sample.orders.checkout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.api.CommandRejectedException;
import dev.cairn.api.EventEnvelope;
import dev.cairn.api.EventMetadata;
import dev.cairn.api.GlobalPosition;
import dev.cairn.sample.orders.checkout.CheckoutState.Phase;
import dev.cairn.sample.orders.checkout.InventoryCommand.AddStock;
import dev.cairn.sample.orders.checkout.InventoryCommand.CommitStock;
import dev.cairn.sample.orders.checkout.InventoryCommand.ReleaseStock;
import dev.cairn.sample.orders.checkout.InventoryCommand.ReserveStock;
import dev.cairn.sample.orders.checkout.InventoryEvent.StockAdded;
import dev.cairn.sample.orders.checkout.InventoryEvent.StockCommitted;
import dev.cairn.sample.orders.checkout.InventoryEvent.StockReleased;
import dev.cairn.sample.orders.checkout.InventoryEvent.StockReserved;
import dev.cairn.sample.orders.checkout.PaymentEvent.PaymentAuthorized;
import dev.cairn.sample.orders.domain.AbandonCheckout;
import dev.cairn.sample.orders.domain.AddLine;
import dev.cairn.sample.orders.domain.CancelOrder;
import dev.cairn.sample.orders.domain.CheckoutStarted;
import dev.cairn.sample.orders.domain.CompleteCheckout;
import dev.cairn.sample.orders.domain.OrderCancelled;
import dev.cairn.sample.orders.domain.OrderDecider;
import dev.cairn.sample.orders.domain.OrderLine;
import dev.cairn.sample.orders.domain.OrderPaid;
import dev.cairn.sample.orders.domain.OrderPlaced;
import dev.cairn.sample.orders.domain.OrderRuleViolation;
import dev.cairn.sample.orders.domain.PayOrder;
import dev.cairn.sample.orders.domain.StartCheckout;
import dev.cairn.testkit.DeciderFixture;
import dev.cairn.workflows.Action;
import dev.cairn.workflows.Input;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The checkout's deciders and process without infrastructure. */
class CheckoutDomainTest {

  static final OrderLine MUG = new OrderLine("mug", 2, 900);
  static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");

  @Test
  void order_startCheckout_freezesLines_andOnlyTheCheckoutPaysOrCancels() {
    var order = DeciderFixture.of(new OrderDecider());
    OrderPlaced placed = new OrderPlaced("c", List.of(MUG), 1800);
    order.given(placed).when(new StartCheckout()).thenEvents(new CheckoutStarted(List.of(MUG), 1800));
    CheckoutStarted started = new CheckoutStarted(List.of(MUG), 1800);
    order.given(placed, started).when(new AddLine(new OrderLine("tea", 1, 100))).thenThrows(OrderRuleViolation.class, "frozen");
    order.given(placed, started).when(new PayOrder(1800)).thenThrows(OrderRuleViolation.class, "CHECKING_OUT");
    order.given(placed, started).when(new CancelOrder("no")).thenThrows(OrderRuleViolation.class, "CHECKING_OUT");
    order.given(placed, started).when(new CompleteCheckout(1800)).thenEvents(new OrderPaid(1800));
    order.given(placed, started).when(new AbandonCheckout("out of stock: mug")).thenEvents(new OrderCancelled("out of stock: mug"));
    order.given(placed).when(new CompleteCheckout(1800)).thenThrows(OrderRuleViolation.class, "no checkout runs");
  }

  @Test
  void inventory_neverReservesMoreThanIsAvailable_andReleasesOrCommitsOnlyWhatWasReserved() {
    var stock = DeciderFixture.of(new InventoryDecider());
    stock.given(new StockAdded(3), new StockReserved("o1", 2)).when(new ReserveStock("o2", 2))
        .thenThrows(CommandRejectedException.class, "out of stock: 2 wanted for order o2, 1 available");
    stock.given(new StockAdded(3), new StockReserved("o1", 2)).when(new ReserveStock("o1", 2)).thenNoEvents();
    stock.given(new StockAdded(3)).when(new ReleaseStock("o1")).thenNoEvents();
    stock.given(new StockAdded(3), new StockReserved("o1", 2)).when(new ReleaseStock("o1")).thenEvents(new StockReleased("o1", 2));
    stock.given(new StockAdded(3), new StockReserved("o1", 2)).when(new CommitStock("o1"))
        .thenEvents(new StockCommitted("o1", 2))
        .thenState(new Stock(1, Map.of(), 2));
    stock.given().when(new AddStock(0)).thenThrows(CommandRejectedException.class, "quantity must be 1");
  }

  private static Input received(String streamType, String streamId, Object event) {
    return new Input.Received(streamType, streamId, event, T0);
  }

  private static CheckoutState run(CheckoutProcess p, CheckoutState s, Input input, List<List<Action>> out) {
    CheckoutState next = p.evolve(s, input);
    out.add(p.react(next, input));
    return next;
  }

  @Test
  void process_happyPath_thenALateDeadlineOrAuthorizationChangesNothing() {
    CheckoutProcess p = new CheckoutProcess(Duration.ofSeconds(30));
    List<List<Action>> out = new java.util.ArrayList<>();
    CheckoutState s = p.initialState();
    s = run(p, s, received("order", "o1", new CheckoutStarted(List.of(MUG), 1800)), out);
    assertThat(out.get(0)).containsExactly(Action.send("inventory", "mug", new ReserveStock("o1", 2)));
    s = run(p, s, received("inventory", "mug", new StockReserved("o1", 2)), out);
    assertThat(out.get(1)).containsExactly(
        Action.send("payment", "payment-o1", new PaymentCommand.AuthorizePayment("o1", 1800)),
        Action.schedule(CheckoutProcess.PAYMENT_DEADLINE, T0.plusSeconds(30), ""));
    s = run(p, s, received("payment", "payment-o1", new PaymentAuthorized("o1", 1800)), out);
    assertThat(s.phase()).isEqualTo(Phase.PAID);
    assertThat(out.get(2)).containsExactly(
        Action.cancel(CheckoutProcess.PAYMENT_DEADLINE),
        Action.send("order", "o1", new CompleteCheckout(1800)),
        Action.send("inventory", "mug", new CommitStock("o1")),
        Action.send("payment", "payment-o1", new PaymentCommand.CapturePayment()));
    s = run(p, s, new Input.DeadlineFired(CheckoutProcess.PAYMENT_DEADLINE, "", T0, T0), out);
    assertThat(s.phase()).isEqualTo(Phase.PAID);
    assertThat(out.get(3)).isEmpty();
  }

  @Test
  void process_deadlineFirst_cancels_andTheLateAuthorizationIsRefunded() {
    CheckoutProcess p = new CheckoutProcess(Duration.ofSeconds(30));
    List<List<Action>> out = new java.util.ArrayList<>();
    CheckoutState s = p.initialState();
    s = run(p, s, received("order", "o1", new CheckoutStarted(List.of(MUG), 1800)), out);
    s = run(p, s, received("inventory", "mug", new StockReserved("o1", 2)), out);
    s = run(p, s, new Input.DeadlineFired(CheckoutProcess.PAYMENT_DEADLINE, "", T0, T0), out);
    assertThat(s.phase()).isEqualTo(Phase.CANCELLED);
    assertThat(out.get(2)).containsExactly(
        Action.cancel(CheckoutProcess.PAYMENT_DEADLINE),
        Action.send("inventory", "mug", new ReleaseStock("o1")),
        Action.send("order", "o1", new AbandonCheckout("payment not authorized within 30 s")));
    s = run(p, s, received("payment", "payment-o1", new PaymentAuthorized("o1", 1800)), out);
    assertThat(out.get(3)).containsExactly(
        Action.send("payment", "payment-o1", new PaymentCommand.RefundPayment("checkout cancelled: payment not authorized within 30 s")));
  }

  @Test
  void process_outOfStockOnOneLine_waitsForEveryAnswer_thenReleasesTheOthers() {
    CheckoutProcess p = new CheckoutProcess(Duration.ofSeconds(30));
    List<List<Action>> out = new java.util.ArrayList<>();
    OrderLine tea = new OrderLine("tea", 5, 100);
    CheckoutState s = p.initialState();
    s = run(p, s, received("order", "o1", new CheckoutStarted(List.of(MUG, tea), 2300)), out);
    s = run(p, s, new Input.CommandRefused("inventory", "tea", "ReserveStock", "out of stock", T0), out);
    assertThat(s.phase()).isEqualTo(Phase.RESERVING);
    assertThat(out.get(1)).isEmpty();
    s = run(p, s, received("inventory", "mug", new StockReserved("o1", 2)), out);
    assertThat(s.phase()).isEqualTo(Phase.CANCELLED);
    assertThat(out.get(2)).containsExactly(
        Action.cancel(CheckoutProcess.PAYMENT_DEADLINE),
        Action.send("inventory", "mug", new ReleaseStock("o1")),
        Action.send("order", "o1", new AbandonCheckout("out of stock: tea")));
  }

  @Test
  void process_identity_comesFromTheOrderStreamOrTheEvent() {
    CheckoutProcess p = new CheckoutProcess(Duration.ofSeconds(30));
    assertThat(p.processId(envelope("o7", new CheckoutStarted(List.of(MUG), 1800)))).contains("o7");
    assertThat(p.processId(envelope("mug", new StockReserved("o7", 1)))).contains("o7");
    assertThat(p.processId(envelope("payment-o7", new PaymentAuthorized("o7", 1)))).contains("o7");
    assertThat(p.processId(envelope("mug", new StockAdded(1)))).isEmpty();
  }

  private static EventEnvelope<Object> envelope(String streamId, Object event) {
    return new EventEnvelope<>(UUID.randomUUID(), streamId, "x", 1, new GlobalPosition(1, 1), T0, "T", 1, EventMetadata.EMPTY, event);
  }
}
