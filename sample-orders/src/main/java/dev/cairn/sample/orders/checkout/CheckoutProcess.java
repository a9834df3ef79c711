package dev.cairn.sample.orders.checkout;

import dev.cairn.api.EventEnvelope;
import dev.cairn.sample.orders.checkout.CheckoutState.Phase;
import dev.cairn.sample.orders.checkout.InventoryCommand.CommitStock;
import dev.cairn.sample.orders.checkout.InventoryCommand.ReleaseStock;
import dev.cairn.sample.orders.checkout.InventoryCommand.ReserveStock;
import dev.cairn.sample.orders.checkout.InventoryEvent.StockReserved;
import dev.cairn.sample.orders.checkout.PaymentCommand.AuthorizePayment;
import dev.cairn.sample.orders.checkout.PaymentCommand.CapturePayment;
import dev.cairn.sample.orders.checkout.PaymentCommand.RefundPayment;
import dev.cairn.sample.orders.checkout.PaymentEvent.PaymentAuthorized;
import dev.cairn.sample.orders.domain.AbandonCheckout;
import dev.cairn.sample.orders.domain.CheckoutStarted;
import dev.cairn.sample.orders.domain.CompleteCheckout;
import dev.cairn.sample.orders.domain.OrderLine;
import dev.cairn.workflows.Action;
import dev.cairn.workflows.Input;
import dev.cairn.workflows.ProcessManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The checkout saga, one instance per order:
 *
 * <pre>
 * CheckoutStarted ─▶ ReserveStock per line ─▶ every line reserved ─▶ AuthorizePayment + deadline
 *     a line refused (out of stock) ─▶ ReleaseStock of the reserved lines, AbandonCheckout
 * PaymentAuthorized ─▶ CompleteCheckout (order paid), CommitStock per line, CapturePayment
 *     authorization refused, or the deadline passed ─▶ ReleaseStock per line, AbandonCheckout
 * PaymentAuthorized after the checkout was cancelled ─▶ RefundPayment
 * </pre>
 *
 * <p>{@link #evolve} holds the logic: it moves the checkout between phases and marks the input
 * that entered a phase; {@link #react} acts on entering a phase, so each phase's actions are taken
 * once. Inputs are handled one at a time in the order they were recorded, so a payment authorized
 * as its deadline fires has one outcome: whichever was recorded first wins, and the other is
 * handled in the state it left (a late authorization is refunded; a deadline that fires after the
 * authorization was handled was cancelled by it and is dropped).
 */
public final class CheckoutProcess implements ProcessManager<CheckoutState> {

  /** The stream type of orders. */
  public static final String ORDER = "order";
  /** The stream type of stock (stream id = sku). */
  public static final String INVENTORY = "inventory";
  /** The stream type of payments (stream id = {@link #paymentStream}). */
  public static final String PAYMENT = "payment";
  /** The name of the payment deadline. */
  public static final String PAYMENT_DEADLINE = "payment-timeout";

  private final Duration paymentTimeout;

  /**
   * Creates the process.
   *
   * @param paymentTimeout how long the payment may take once the stock is reserved
   * @throws IllegalArgumentException if not positive
   */
  public CheckoutProcess(Duration paymentTimeout) {
    if (paymentTimeout.isNegative() || paymentTimeout.isZero()) {
      throw new IllegalArgumentException("payment timeout must be positive but was " + paymentTimeout);
    }
    this.paymentTimeout = paymentTimeout;
  }

  /**
   * Returns the stream of an order's payment (stream ids are unique across stream types).
   *
   * @param orderId the order
   * @return {@code payment-<order id>}
   */
  public static String paymentStream(String orderId) {
    return "payment-" + orderId;
  }

  @Override
  public Optional<String> processId(EventEnvelope<?> e) {
    Object event = e.event();
    if (event instanceof CheckoutStarted) {
      return Optional.of(e.streamId());
    }
    if (event instanceof PaymentAuthorized a) {
      return Optional.of(a.orderId());
    }
    if (event instanceof StockReserved r) {
      return Optional.of(r.orderId());
    }
    return Optional.empty();
  }

  @Override
  public CheckoutState initialState() {
    return CheckoutState.NONE;
  }

  @Override
  public CheckoutState evolve(CheckoutState s, Input input) {
    if (s.phase() == Phase.NONE) {
      if (input instanceof Input.Received r && r.event() instanceof CheckoutStarted started) {
        Map<String, Integer> lines = new LinkedHashMap<>();
        for (OrderLine line : started.lines()) {
          lines.merge(line.sku(), line.quantity(), Integer::sum);
        }
        return new CheckoutState(r.streamId(), Phase.RESERVING, true, started.totalCents(), lines, Set.of(), Set.of(), "");
      }
      return s.stay();
    }
    if (s.phase() == Phase.RESERVING) {
      CheckoutState next = s.stay();
      if (input instanceof Input.Received r && r.event() instanceof StockReserved) {
        next = s.answers(plus(s.reserved(), r.streamId()), s.refused());
      } else if (input instanceof Input.CommandRefused refused && refused.streamType().equals(INVENTORY)) {
        next = s.answers(s.reserved(), plus(s.refused(), refused.streamId()));
      }
      if (!next.allAnswered()) {
        return next;
      }
      return next.refused().isEmpty()
          ? next.enter(Phase.AUTHORIZING, "")
          : next.enter(Phase.CANCELLED, shorten("out of stock: " + String.join(", ", new TreeSet<>(next.refused()))));
    }
    if (s.phase() == Phase.AUTHORIZING) {
      if (input instanceof Input.Received r && r.event() instanceof PaymentAuthorized) {
        return s.enter(Phase.PAID, "");
      }
      if (input instanceof Input.CommandRefused refused && refused.streamType().equals(PAYMENT)) {
        return s.enter(Phase.CANCELLED, shorten("payment refused: " + refused.reason()));
      }
      if (input instanceof Input.DeadlineFired fired && fired.name().equals(PAYMENT_DEADLINE)) {
        return s.enter(Phase.CANCELLED, "payment not authorized within " + paymentTimeout.toSeconds() + " s");
      }
    }
    return s.stay();
  }

  @Override
  public List<Action> react(CheckoutState s, Input input) {
    String order = s.orderId();
    List<Action> actions = new ArrayList<>();
    if (!s.entered()) {
      // Inputs after the end: compensate late successes.
      if (s.phase() == Phase.CANCELLED && input instanceof Input.Received r) {
        if (r.event() instanceof PaymentAuthorized) {
          actions.add(Action.send(PAYMENT, paymentStream(order), new RefundPayment("checkout cancelled: " + s.reason())));
        } else if (r.event() instanceof StockReserved && !s.reserved().contains(r.streamId())) {
          actions.add(Action.send(INVENTORY, r.streamId(), new ReleaseStock(order)));
        }
      }
      return actions;
    }
    switch (s.phase()) {
      case RESERVING -> s.lines().forEach((sku, quantity) -> actions.add(Action.send(INVENTORY, sku, new ReserveStock(order, quantity))));
      case AUTHORIZING -> {
        actions.add(Action.send(PAYMENT, paymentStream(order), new AuthorizePayment(order, s.totalCents())));
        actions.add(Action.schedule(PAYMENT_DEADLINE, input.at().plus(paymentTimeout), ""));
      }
      case PAID -> {
        actions.add(Action.cancel(PAYMENT_DEADLINE));
        actions.add(Action.send(ORDER, order, new CompleteCheckout(s.totalCents())));
        new TreeSet<>(s.reserved()).forEach(sku -> actions.add(Action.send(INVENTORY, sku, new CommitStock(order))));
        actions.add(Action.send(PAYMENT, paymentStream(order), new CapturePayment()));
      }
      case CANCELLED -> {
        actions.add(Action.cancel(PAYMENT_DEADLINE));
        new TreeSet<>(s.reserved()).forEach(sku -> actions.add(Action.send(INVENTORY, sku, new ReleaseStock(order))));
        actions.add(Action.send(ORDER, order, new AbandonCheckout(s.reason())));
      }
      default -> { }
    }
    return actions;
  }

  /** Keeps a reason within what an order accepts (a refusal's message may be long). */
  private static String shorten(String reason) {
    String oneLine = reason.replaceAll("\\p{Cntrl}", " ");
    return oneLine.length() <= 200 ? oneLine : oneLine.substring(0, 197) + "...";
  }

  private static Set<String> plus(Set<String> set, String item) {
    Set<String> copy = new HashSet<>(set);
    copy.add(item);
    return copy;
  }
}
