package dev.cairn.sample.orders.domain;

import java.util.List;
import java.util.Objects;

/**
 * An order was placed.
 *
 * @param customerId who ordered
 * @param lines what was ordered, one line per sku
 * @param totalCents the sum of the line totals, in cents
 */
public record OrderPlaced(String customerId, List<OrderLine> lines, long totalCents)
    implements OrderEvent {

  /**
   * Copies {@code lines} so the event stays immutable.
   *
   * @param customerId who ordered
   * @param lines what was ordered, one line per sku
   * @param totalCents the sum of the line totals, in cents
   * @throws NullPointerException if an argument is null or {@code lines} holds null
   */
  public OrderPlaced {
    Objects.requireNonNull(customerId, "customerId");
    lines = List.copyOf(lines);
  }
}
