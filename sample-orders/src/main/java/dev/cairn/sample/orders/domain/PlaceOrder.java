package dev.cairn.sample.orders.domain;

import java.util.List;
import java.util.Objects;

/**
 * Places a new order.
 *
 * @param customerId who orders
 * @param lines what is ordered; lines of the same sku are merged into one
 */
public record PlaceOrder(String customerId, List<OrderLine> lines) implements OrderCommand {

  /**
   * Copies {@code lines} so the command stays immutable.
   *
   * @param customerId who orders
   * @param lines what is ordered; lines of the same sku are merged into one
   * @throws NullPointerException if an argument is null or {@code lines} holds null
   */
  public PlaceOrder {
    Objects.requireNonNull(customerId, "customerId");
    lines = List.copyOf(lines);
  }
}
