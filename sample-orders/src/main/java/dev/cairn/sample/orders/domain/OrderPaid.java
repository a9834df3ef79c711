package dev.cairn.sample.orders.domain;

/**
 * An order was paid in full.
 *
 * @param amountCents the amount paid, in cents
 */
public record OrderPaid(long amountCents) implements OrderEvent {}
