package dev.cairn.sample.orders.domain;

/**
 * Starts the checkout of a placed order: its lines are frozen as they stand, and from here on only
 * the checkout completes ({@link CompleteCheckout}) or abandons ({@link AbandonCheckout}) it.
 */
public record StartCheckout() implements OrderCommand {}
