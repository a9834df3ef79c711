package dev.cairn.sample.orders.domain;

import java.util.Objects;

/**
 * A line was added to an order. If the order had the sku already, this quantity was added to
 * that line's.
 *
 * @param line the line as it was added, not the merged result
 */
public record LineAdded(OrderLine line) implements OrderEvent {

  /**
   * Checks the event.
   *
   * @param line the line as it was added, not the merged result
   * @throws NullPointerException if {@code line} is null
   */
  public LineAdded {
    Objects.requireNonNull(line, "line");
  }
}
