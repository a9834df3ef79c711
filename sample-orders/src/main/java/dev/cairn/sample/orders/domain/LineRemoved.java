package dev.cairn.sample.orders.domain;

import java.util.Objects;

/**
 * The whole line of one sku was removed from an order.
 *
 * @param sku the sku whose line went
 */
public record LineRemoved(String sku) implements OrderEvent {

  /**
   * Checks the event.
   *
   * @param sku the sku whose line went
   * @throws NullPointerException if {@code sku} is null
   */
  public LineRemoved {
    Objects.requireNonNull(sku, "sku");
  }
}
