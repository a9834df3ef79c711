package dev.cairn.sample.orders.domain;

import java.util.Objects;

/**
 * Hands a paid order to the carrier.
 *
 * @param trackingNumber the carrier's tracking number
 */
public record ShipOrder(String trackingNumber) implements OrderCommand {

  /**
   * Checks the command.
   *
   * @param trackingNumber the carrier's tracking number
   * @throws NullPointerException if {@code trackingNumber} is null
   */
  public ShipOrder {
    Objects.requireNonNull(trackingNumber, "trackingNumber");
  }
}
