/**
 * The order domain of the tutorial: commands, events and state as records, and {@link
 * dev.cairn.sample.orders.domain.OrderDecider} holding every rule of an order's life (placed,
 * paid, shipped or cancelled). It depends on nothing but es-api's {@code Decider} and {@code
 * CommandRejectedException}, so it is tested without any infrastructure.
 *
 * <p>Money is always an amount of minor units ({@code long} cents), never a floating-point
 * number; sums and products use {@link java.lang.Math#addExact} and {@link
 * java.lang.Math#multiplyExact}, so an overflow is rejected rather than wrapped.
 */
@NullMarked
package dev.cairn.sample.orders.domain;

import org.jspecify.annotations.NullMarked;
