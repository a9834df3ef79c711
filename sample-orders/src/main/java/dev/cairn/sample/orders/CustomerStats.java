package dev.cairn.sample.orders;

import dev.cairn.api.EventEnvelope;
import dev.cairn.sample.orders.domain.OrderCancelled;
import dev.cairn.sample.orders.domain.OrderPaid;
import dev.cairn.sample.orders.domain.OrderPlaced;

/**
 * What the Kafka Streams projection keeps per order (the topic's key): enough to answer
 * per-customer statistics by querying its state store.
 *
 * @param customerId the customer, once placed
 * @param paidCents what was paid (0 until paid, and again 0 if cancelled)
 */
public record CustomerStats(String customerId, long paidCents) {

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
}
