package dev.cairn.sample.orders.domain;

import java.util.Objects;

/**
 * An order was handed to the carrier.
 *
 * @param trackingNumber the carrier's tracking number
 */
public record OrderShipped(String trackingNumber) implements OrderEvent {

  /**
   * Checks the event.
   *
   * @param trackingNumber the carrier's tracking number
   * @throws NullPointerException if {@code trackingNumber} is null
   */
  public OrderShipped {
    Objects.requireNonNull(trackingNumber, "trackingNumber");
  }
}
