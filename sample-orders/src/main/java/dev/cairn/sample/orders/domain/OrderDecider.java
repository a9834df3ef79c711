package dev.cairn.sample.orders.domain;

import dev.cairn.api.Decider;
import dev.cairn.sample.orders.domain.OrderRuleViolation.Rule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The rules of an order's life. An order is placed with at least one line; while unpaid its lines
 * may change; it is paid once, in full; a paid order ships; and it can be cancelled until it
 * ships. A cancelled or shipped order is final.
 *
 * <p>A sku appears on an order at most once: adding a sku that is already there (or listing it
 * twice when placing) adds to that line's quantity, as a shop's basket does, provided the unit
 * price is the same and the sum stays within {@link OrderLine#MAX_QUANTITY}. Removing a sku
 * removes its whole line.
 *
 * <p>Values must have the shapes of {@link OrderFields}: customer ids and skus are short and
 * URL-safe, texts hold no control characters, and an order has at most {@value
 * OrderFields#MAX_LINES} lines, so that whatever is accepted can be stored, projected and
 * addressed. Placing an order merges its lines in one pass.
 *
 * <p>Every rejection is an {@link OrderRuleViolation} naming the rule and the values. The decider
 * holds no state, so one instance serves every order.
 */
public final class OrderDecider implements Decider<OrderCommand, Order, OrderEvent> {

  /** Creates the decider. */
  public OrderDecider() {}

  /**
   * Returns {@link Order#NONE}: no order has been placed on a new stream.
   *
   * @return the initial state
   */
  @Override
  public Order initialState() {
    return Order.NONE;
  }

  /**
   * Decides which events a command causes on an order.
   *
   * @param command the command
   * @param state the order as it is
   * @return the new events: one per accepted command
   * @throws OrderRuleViolation if the command breaks a rule of the order
   * @throws NullPointerException if an argument is null
   */
  @Override
  public List<OrderEvent> decide(OrderCommand command, Order state) {
    Objects.requireNonNull(command, "command");
    Objects.requireNonNull(state, "state");
    if (command instanceof PlaceOrder place) {
      return List.of(place(place, state));
    }
    if (state.status() == OrderStatus.NONE) {
      throw OrderRuleViolation.of(
          Rule.UNKNOWN_ORDER,
          "unknown order: no order has been placed, so "
              + command.getClass().getSimpleName()
              + " cannot apply");
    }
    if (state.status() == OrderStatus.CHECKING_OUT
        && (command instanceof PayOrder || command instanceof CancelOrder || command instanceof ShipOrder)) {
      throw OrderRuleViolation.of(
          Rule.CHECKOUT_IN_PROGRESS,
          "order is CHECKING_OUT: its checkout pays or cancels it, "
              + command.getClass().getSimpleName()
              + " refused");
    }
    if (state.status() == OrderStatus.CANCELLED) {
      throw OrderRuleViolation.of(
          Rule.ORDER_CANCELLED,
          "order is CANCELLED: it accepts no commands, "
              + command.getClass().getSimpleName()
              + " refused");
    }
    if (command instanceof AddLine add) {
      return List.of(addLine(add, state));
    }
    if (command instanceof RemoveLine remove) {
      return List.of(removeLine(remove, state));
    }
    if (command instanceof PayOrder pay) {
      return List.of(pay(pay, state));
    }
    if (command instanceof ShipOrder ship) {
      return List.of(ship(ship, state));
    }
    if (command instanceof CancelOrder cancel) {
      return List.of(cancel(cancel, state));
    }
    if (command instanceof StartCheckout) {
      if (state.status() != OrderStatus.PLACED) {
        throw OrderRuleViolation.of(
            Rule.NO_CHECKOUT, "order is " + state.status() + ": only a placed, unpaid order can start a checkout");
      }
      return List.of(new CheckoutStarted(state.lines(), state.totalCents()));
    }
    if (command instanceof CompleteCheckout complete) {
      requireCheckout(state, "CompleteCheckout");
      if (complete.amountCents() != state.totalCents()) {
        throw OrderRuleViolation.of(
            Rule.AMOUNT_MISMATCH,
            "amount " + complete.amountCents() + " does not equal the total " + state.totalCents());
      }
      return List.of(new OrderPaid(complete.amountCents()));
    }
    if (command instanceof AbandonCheckout abandon) {
      requireCheckout(state, "AbandonCheckout");
      OrderFields.checkText("reason", abandon.reason(), OrderFields.MAX_REASON_LENGTH);
      return List.of(new OrderCancelled(abandon.reason()));
    }
    // Java 17 cannot check an instanceof chain for exhaustiveness; this fires only if a command
    // was added to the sealed interface and not here.
    throw new IllegalStateException("no rule for command " + command.getClass().getName());
  }

  /**
   * Folds one event into the order. Events are facts, so this never rejects one.
   *
   * @param state the order before the event
   * @param event the event
   * @return the order after the event
   * @throws NullPointerException if an argument is null
   */
  @Override
  public Order evolve(Order state, OrderEvent event) {
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(event, "event");
    if (event instanceof OrderPlaced placed) {
      return new Order(
          OrderStatus.PLACED,
          placed.customerId(),
          placed.lines(),
          placed.totalCents(),
          0,
          null,
          null);
    }
    if (event instanceof CheckoutStarted) {
      return new Order(
          OrderStatus.CHECKING_OUT,
          state.customerId(),
          state.lines(),
          state.totalCents(),
          state.paidCents(),
          state.trackingNumber(),
          state.cancelReason());
    }
    if (event instanceof LineAdded added) {
      return withLines(
          state,
          merge(state.lines(), added.line()),
          Math.addExact(state.totalCents(), added.line().lineTotal()));
    }
    if (event instanceof LineRemoved removed) {
      List<OrderLine> kept = new ArrayList<>(state.lines().size());
      long total = state.totalCents();
      for (OrderLine line : state.lines()) {
        if (line.sku().equals(removed.sku())) {
          total = Math.subtractExact(total, line.lineTotal());
        } else {
          kept.add(line);
        }
      }
      return withLines(state, kept, total);
    }
    if (event instanceof OrderPaid paid) {
      return new Order(
          OrderStatus.PAID,
          state.customerId(),
          state.lines(),
          state.totalCents(),
          paid.amountCents(),
          state.trackingNumber(),
          state.cancelReason());
    }
    if (event instanceof OrderShipped shipped) {
      return new Order(
          OrderStatus.SHIPPED,
          state.customerId(),
          state.lines(),
          state.totalCents(),
          state.paidCents(),
          shipped.trackingNumber(),
          state.cancelReason());
    }
    if (event instanceof OrderCancelled cancelled) {
      return new Order(
          OrderStatus.CANCELLED,
          state.customerId(),
          state.lines(),
          state.totalCents(),
          state.paidCents(),
          state.trackingNumber(),
          cancelled.reason());
    }
    // As in decide: only an event added to the sealed interface and not here gets this far.
    throw new IllegalStateException("no fold for event " + event.getClass().getName());
  }

  private static OrderPlaced place(PlaceOrder place, Order state) {
    if (state.status() != OrderStatus.NONE) {
      throw OrderRuleViolation.of(
          Rule.ALREADY_PLACED,
          "order is " + state.status() + ": it was placed already and cannot be placed again");
    }
    if (place.customerId().isBlank()) {
      throw OrderRuleViolation.of(
          Rule.CUSTOMER_REQUIRED,
          "customerId must not be blank, was '" + place.customerId() + "'");
    }
    OrderFields.checkId("customerId", place.customerId());
    if (place.lines().isEmpty()) {
      throw OrderRuleViolation.of(
          Rule.LINE_REQUIRED, "an order needs at least one line, PlaceOrder has none");
    }
    // Counted before anything else, so that a huge command costs no more than its size.
    if (place.lines().size() > OrderFields.MAX_LINES) {
      throw OrderRuleViolation.of(
          Rule.LINE_LIMIT,
          "PlaceOrder has "
              + place.lines().size()
              + " lines, above the limit of "
              + OrderFields.MAX_LINES
              + " per order");
    }
    // One map for all lines: merging stays linear in the number of lines.
    Map<String, OrderLine> bySku = new LinkedHashMap<>();
    for (OrderLine line : place.lines()) {
      OrderFields.checkId("sku", line.sku());
      OrderLine existing = bySku.get(line.sku());
      bySku.put(line.sku(), existing == null ? line : mergeChecked(existing, line));
    }
    List<OrderLine> lines = List.copyOf(bySku.values());
    return new OrderPlaced(place.customerId(), lines, totalOf(lines, 0));
  }

  private static LineAdded addLine(AddLine add, Order state) {
    requireLinesOpen(state);
    OrderFields.checkId("sku", add.line().sku());
    // Checks the merge and the new total now, so that evolve never meets an impossible line.
    OrderLine existing = find(state.lines(), add.line().sku());
    if (existing != null) {
      mergeChecked(existing, add.line());
    } else if (state.lines().size() >= OrderFields.MAX_LINES) {
      throw OrderRuleViolation.of(
          Rule.LINE_LIMIT,
          "sku '"
              + add.line().sku()
              + "' would be line "
              + (state.lines().size() + 1)
              + ", above the limit of "
              + OrderFields.MAX_LINES
              + " per order");
    }
    totalOf(List.of(add.line()), state.totalCents());
    return new LineAdded(add.line());
  }

  private static LineRemoved removeLine(RemoveLine remove, Order state) {
    requireLinesOpen(state);
    OrderFields.checkId("sku", remove.sku());
    if (state.lines().stream().noneMatch(line -> line.sku().equals(remove.sku()))) {
      throw OrderRuleViolation.of(
          Rule.UNKNOWN_SKU,
          "sku '" + remove.sku() + "' is not on the order (skus: " + skus(state.lines()) + ")");
    }
    if (state.lines().size() == 1) {
      throw OrderRuleViolation.of(
          Rule.LINE_REQUIRED,
          "sku '"
              + remove.sku()
              + "' is the order's last line: an order needs at least one line (cancel it instead)");
    }
    return new LineRemoved(remove.sku());
  }

  private static OrderPaid pay(PayOrder pay, Order state) {
    if (state.status() != OrderStatus.PLACED) {
      // Past PLACED means PAID or SHIPPED (NONE and CANCELLED were refused earlier): paid already.
      throw OrderRuleViolation.of(
          Rule.NOT_PAYABLE, "order is " + state.status() + ": it cannot be paid twice");
    }
    if (pay.amountCents() != state.totalCents()) {
      throw OrderRuleViolation.of(
          Rule.AMOUNT_MISMATCH,
          "amount " + pay.amountCents() + " does not equal the total " + state.totalCents());
    }
    return new OrderPaid(pay.amountCents());
  }

  private static OrderShipped ship(ShipOrder ship, Order state) {
    if (state.status() == OrderStatus.PLACED) {
      throw OrderRuleViolation.of(
          Rule.NOT_SHIPPABLE, "order is PLACED: it ships only once it is paid");
    }
    if (state.status() == OrderStatus.SHIPPED) {
      throw OrderRuleViolation.of(Rule.NOT_SHIPPABLE, "order is SHIPPED: it cannot ship twice");
    }
    if (ship.trackingNumber().isBlank()) {
      throw OrderRuleViolation.of(
          Rule.TRACKING_NUMBER_REQUIRED,
          "trackingNumber must not be blank, was '" + ship.trackingNumber() + "'");
    }
    OrderFields.checkText("trackingNumber", ship.trackingNumber(), OrderFields.MAX_TRACKING_NUMBER_LENGTH);
    return new OrderShipped(ship.trackingNumber());
  }

  private static OrderCancelled cancel(CancelOrder cancel, Order state) {
    if (state.status() == OrderStatus.SHIPPED) {
      throw OrderRuleViolation.of(
          Rule.NOT_CANCELLABLE, "order is SHIPPED: it cannot be cancelled after shipping");
    }
    if (cancel.reason().isBlank()) {
      throw OrderRuleViolation.of(
          Rule.REASON_REQUIRED, "reason must not be blank, was '" + cancel.reason() + "'");
    }
    OrderFields.checkText("reason", cancel.reason(), OrderFields.MAX_REASON_LENGTH);
    return new OrderCancelled(cancel.reason());
  }

  private static void requireCheckout(Order state, String command) {
    if (state.status() != OrderStatus.CHECKING_OUT) {
      throw OrderRuleViolation.of(
          Rule.NO_CHECKOUT, "order is " + state.status() + ": no checkout runs, " + command + " refused");
    }
  }

  private static void requireLinesOpen(Order state) {
    if (state.status() == OrderStatus.CHECKING_OUT) {
      throw OrderRuleViolation.of(
          Rule.LINES_FIXED, "order is CHECKING_OUT: lines were frozen when its checkout started");
    }
    if (state.status() != OrderStatus.PLACED) {
      // Past PLACED means PAID or SHIPPED: both come after payment.
      throw OrderRuleViolation.of(
          Rule.LINES_FIXED, "order is " + state.status() + ": lines cannot change after payment");
    }
  }

  private static @Nullable OrderLine find(List<OrderLine> lines, String sku) {
    for (OrderLine line : lines) {
      if (line.sku().equals(sku)) {
        return line;
      }
    }
    return null;
  }

  /** Merges a line into the line of the same sku, rejecting a price conflict or a quantity over the limit. */
  private static OrderLine mergeChecked(OrderLine existing, OrderLine line) {
    if (existing.unitPriceCents() != line.unitPriceCents()) {
      throw OrderRuleViolation.of(
          Rule.PRICE_CONFLICT,
          "sku '"
              + line.sku()
              + "' is on the order at "
              + existing.unitPriceCents()
              + " cents each, it cannot be added at "
              + line.unitPriceCents());
    }
    long quantity = (long) existing.quantity() + line.quantity();
    if (quantity > OrderLine.MAX_QUANTITY) {
      throw OrderRuleViolation.of(
          Rule.QUANTITY_LIMIT,
          "sku '"
              + line.sku()
              + "' would reach quantity "
              + quantity
              + ", above the limit "
              + OrderLine.MAX_QUANTITY);
    }
    return existing.plusQuantity(line.quantity());
  }

  /** Merges a line into lines, keeping each sku at its first position; checks nothing. */
  private static List<OrderLine> merge(List<OrderLine> lines, OrderLine line) {
    Map<String, OrderLine> bySku = new LinkedHashMap<>();
    for (OrderLine existing : lines) {
      bySku.put(existing.sku(), existing);
    }
    bySku.merge(line.sku(), line, (old, added) -> old.plusQuantity(added.quantity()));
    return List.copyOf(bySku.values());
  }

  /** Adds the line totals to a starting sum, rejecting a total beyond a long. */
  private static long totalOf(List<OrderLine> lines, long start) {
    try {
      long total = start;
      for (OrderLine line : lines) {
        total = Math.addExact(total, line.lineTotal());
      }
      return total;
    } catch (ArithmeticException overflow) {
      throw OrderRuleViolation.of(
          Rule.TOTAL_OVERFLOW,
          "order total overflows: " + start + " cents plus lines " + lines + " exceed a long");
    }
  }

  private static List<String> skus(List<OrderLine> lines) {
    return lines.stream().map(OrderLine::sku).toList();
  }

  private static Order withLines(Order state, List<OrderLine> lines, long totalCents) {
    return new Order(
        state.status(),
        state.customerId(),
        lines,
        totalCents,
        state.paidCents(),
        state.trackingNumber(),
        state.cancelReason());
  }
}
