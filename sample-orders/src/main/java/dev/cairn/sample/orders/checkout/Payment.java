package dev.cairn.sample.orders.checkout;

/**
 * The payment of one order.
 *
 * @param orderId the order (empty before authorization)
 * @param status NONE, AUTHORIZED, CAPTURED or REFUNDED
 * @param amountCents the amount authorized (0 before)
 */
public record Payment(String orderId, String status, long amountCents) {
  /** No payment yet. */
  public static final Payment NONE = new Payment("", "NONE", 0);
}
