package dev.cairn.sample.orders.checkout;

/** A request to the payment of one order (stream id {@code payment-<order id>}). */
public sealed interface PaymentCommand
    permits PaymentCommand.AuthorizePayment, PaymentCommand.CapturePayment, PaymentCommand.RefundPayment {

  /**
   * Authorizes the amount; authorizing again changes nothing.
   *
   * @param orderId the order paid for
   * @param amountCents the amount, in cents, above 0
   */
  record AuthorizePayment(String orderId, long amountCents) implements PaymentCommand {}

  /** Captures the authorized amount; capturing again changes nothing. */
  record CapturePayment() implements PaymentCommand {}

  /**
   * Gives an authorized or captured amount back; nothing happens if there is none.
   *
   * @param reason why
   */
  record RefundPayment(String reason) implements PaymentCommand {}
}
