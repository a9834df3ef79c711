package dev.cairn.sample.orders.checkout;

/** Something that happened to the payment of one order. */
public sealed interface PaymentEvent
    permits PaymentEvent.PaymentAuthorized, PaymentEvent.PaymentCaptured, PaymentEvent.PaymentRefunded {

  /**
   * The amount was authorized.
   *
   * @param orderId the order paid for
   * @param amountCents the amount
   */
  record PaymentAuthorized(String orderId, long amountCents) implements PaymentEvent {}

  /**
   * The authorized amount was captured.
   *
   * @param orderId the order paid for
   * @param amountCents the amount
   */
  record PaymentCaptured(String orderId, long amountCents) implements PaymentEvent {}

  /**
   * The amount was given back.
   *
   * @param orderId the order paid for
   * @param amountCents the amount
   * @param reason why
   */
  record PaymentRefunded(String orderId, long amountCents, String reason) implements PaymentEvent {}
}
