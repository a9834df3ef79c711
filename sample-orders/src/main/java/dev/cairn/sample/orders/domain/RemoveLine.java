package dev.cairn.sample.orders.domain;

import java.util.Objects;

/**
 * Removes the whole line of one sku from a placed, unpaid order.
 *
 * @param sku the sku whose line goes
 */
public record RemoveLine(String sku) implements OrderCommand {

  /**
   * Checks the command.
   *
   * @param sku the sku whose line goes
   * @throws NullPointerException if {@code sku} is null
   */
  public RemoveLine {
    Objects.requireNonNull(sku, "sku");
  }
}
