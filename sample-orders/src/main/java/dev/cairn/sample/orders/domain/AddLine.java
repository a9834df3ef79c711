package dev.cairn.sample.orders.domain;

import java.util.Objects;

/**
 * Adds a line to a placed, unpaid order. If the order already has the sku, the quantities are
 * summed.
 *
 * @param line the line to add
 */
public record AddLine(OrderLine line) implements OrderCommand {

  /**
   * Checks the command.
   *
   * @param line the line to add
   * @throws NullPointerException if {@code line} is null
   */
  public AddLine {
    Objects.requireNonNull(line, "line");
  }
}
