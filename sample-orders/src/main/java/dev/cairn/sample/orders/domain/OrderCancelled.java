package dev.cairn.sample.orders.domain;

import java.util.Objects;

/**
 * An order was cancelled before it shipped. A payment already made stays recorded in the state;
 * refunding it is a later step, not part of this event.
 *
 * @param reason why
 */
public record OrderCancelled(String reason) implements OrderEvent {

  /**
   * Checks the event.
   *
   * @param reason why
   * @throws NullPointerException if {@code reason} is null
   */
  public OrderCancelled {
    Objects.requireNonNull(reason, "reason");
  }
}
