package dev.cairn.sample.orders.domain;

/**
 * Pays a placed order in full.
 *
 * @param amountCents the amount paid, in cents; must equal the order's total
 */
public record PayOrder(long amountCents) implements OrderCommand {}
