package dev.cairn.sample.orders.domain;

/**
 * Ends a checkout with the payment taken: the order is paid.
 *
 * @param amountCents the amount paid, in cents; must equal the order's total
 */
public record CompleteCheckout(long amountCents) implements OrderCommand {}
