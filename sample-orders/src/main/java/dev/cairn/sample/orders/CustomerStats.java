package dev.cairn.sample.orders;

import dev.cairn.api.EventEnvelope;
import dev.cairn.projections.StreamsProjection;
import dev.cairn.sample.orders.domain.OrderCancelled;
import dev.cairn.sample.orders.domain.OrderPaid;
import dev.cairn.sample.orders.domain.OrderPlaced;
import org.jspecify.annotations.Nullable;

/**
 * What the Kafka Streams projection keeps per order (the topic's key): its customer and what was
 * paid. The projection groups these by customer into {@link Totals}.
 *
 * @param customerId the customer, once placed
 * @param paidCents what was paid (0 until paid, and again 0 if cancelled)
 */
public record CustomerStats(@Nullable String customerId, long paidCents) {

  /** An order not placed yet. */
  public static final CustomerStats NONE = new CustomerStats(null, 0);

  /**
   * Folds one event of an order.
   *
   * @param state the order's state before
   * @param e the event
   * @return the state after
   */
  public static CustomerStats fold(CustomerStats state, EventEnvelope<?> e) {
    Object event = e.event();
    if (event instanceof OrderPlaced placed) {
      return new CustomerStats(placed.customerId(), 0);
    }
    if (event instanceof OrderPaid paid) {
      return new CustomerStats(state.customerId(), paid.amountCents());
    }
    if (event instanceof OrderCancelled) {
      return new CustomerStats(state.customerId(), 0);
    }
    return state;
  }

  /**
   * A customer's figures: orders placed and revenue (what was paid, less cancellations).
   *
   * @param orders orders placed
   * @param revenueCents paid, in cents
   */
  public record Totals(long orders, long revenueCents) {

    /** A customer without orders. */
    public static final Totals NONE = new Totals(0, 0);

    /** Groups the orders' states by customer into totals, kept up to date by Kafka Streams. */
    public static final StreamsProjection.Grouping<CustomerStats, Totals> BY_CUSTOMER =
        new StreamsProjection.Grouping<>(
            "by-customer", Totals.class, CustomerStats::customerId, () -> NONE, Totals::add, Totals::subtract);

    Totals add(CustomerStats order) {
      return new Totals(orders + 1, revenueCents + order.paidCents());
    }

    Totals subtract(CustomerStats order) {
      return new Totals(orders - 1, revenueCents - order.paidCents());
    }
  }
}
