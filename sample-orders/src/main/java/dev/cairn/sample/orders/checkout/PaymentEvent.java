package dev.cairn.sample.orders.checkout;

/** Something that happened to the payment of one order. */
public sealed interface PaymentEvent
    permits PaymentEvent.PaymentAuthorized, PaymentEvent.PaymentCaptured, PaymentEvent.PaymentRefunded {

  /**
   * The amount was authorized.
   *
   * @param amountCents the amount
   */
  record PaymentAuthorized(long amountCents) implements PaymentEvent {}

  /**
   * The authorized amount was captured.
   *
   * @param amountCents the amount
   */
  record PaymentCaptured(long amountCents) implements PaymentEvent {}

  /**
   * The amount was given back.
   *
   * @param amountCents the amount
   * @param reason why
   */
  record PaymentRefunded(long amountCents, String reason) implements PaymentEvent {}
}
