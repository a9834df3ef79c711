package dev.cairn.sample.orders.domain;

import static java.util.Objects.requireNonNull;

/**
 * Ends a checkout without payment: the order is cancelled.
 *
 * @param reason why (out of stock, payment refused, payment timed out)
 */
public record AbandonCheckout(String reason) implements OrderCommand {
  /** Checks that the reason is present. */
  public AbandonCheckout {
    requireNonNull(reason, "reason");
  }
}
