package dev.cairn.sample.orders.domain;

import java.util.Objects;

/**
 * Cancels an order that has not shipped.
 *
 * @param reason why
 */
public record CancelOrder(String reason) implements OrderCommand {

  /**
   * Checks the command.
   *
   * @param reason why
   * @throws NullPointerException if {@code reason} is null
   */
  public CancelOrder {
    Objects.requireNonNull(reason, "reason");
  }
}
