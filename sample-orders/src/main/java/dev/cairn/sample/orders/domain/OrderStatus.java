package dev.cairn.sample.orders.domain;

/** Where an order is in its life. */
public enum OrderStatus {
  /** No order has been placed on this stream yet. */
  NONE,
  /** Placed and awaiting payment; its lines may still change. */
  PLACED,
  /** Its checkout runs: lines frozen; only the checkout pays or cancels it. */
  CHECKING_OUT,
  /** Paid in full and awaiting shipment; its lines are fixed. */
  PAID,
  /** Handed to the carrier; final. */
  SHIPPED,
  /** Cancelled before shipping; final. */
  CANCELLED
}
