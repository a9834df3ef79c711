package dev.cairn.sample.orders.domain;

import java.util.List;

/**
 * The checkout of an order started with these lines, which no longer change.
 *
 * @param lines the lines as they stood
 * @param totalCents their total, in cents
 */
public record CheckoutStarted(List<OrderLine> lines, long totalCents) implements OrderEvent {
  /** Copies the lines. */
  public CheckoutStarted {
    lines = List.copyOf(lines);
  }
}
