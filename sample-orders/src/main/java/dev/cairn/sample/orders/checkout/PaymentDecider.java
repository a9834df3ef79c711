package dev.cairn.sample.orders.checkout;

import dev.cairn.api.CommandRejectedException;
import dev.cairn.api.Decider;
import dev.cairn.sample.orders.checkout.PaymentCommand.AuthorizePayment;
import dev.cairn.sample.orders.checkout.PaymentCommand.CapturePayment;
import dev.cairn.sample.orders.checkout.PaymentCommand.RefundPayment;
import dev.cairn.sample.orders.checkout.PaymentEvent.PaymentAuthorized;
import dev.cairn.sample.orders.checkout.PaymentEvent.PaymentCaptured;
import dev.cairn.sample.orders.checkout.PaymentEvent.PaymentRefunded;
import java.util.List;
import java.util.Objects;

/**
 * The rules of an order's payment: authorize once, capture only what was authorized, refund what
 * was authorized or captured. A refunded payment accepts nothing more.
 */
public final class PaymentDecider implements Decider<PaymentCommand, Payment, PaymentEvent> {

  /** Creates the decider. */
  public PaymentDecider() {}

  @Override
  public Payment initialState() {
    return Payment.NONE;
  }

  /**
   * Decides what a command does to the payment.
   *
   * @throws CommandRejectedException if the amount is not positive, or the payment was refunded
   */
  @Override
  public List<PaymentEvent> decide(PaymentCommand command, Payment state) {
    Objects.requireNonNull(command, "command");
    if (command instanceof AuthorizePayment authorize) {
      if (authorize.amountCents() <= 0) {
        throw new CommandRejectedException("amount must be above 0 cents but was " + authorize.amountCents());
      }
      if (state.status().equals("REFUNDED")) {
        throw new CommandRejectedException("payment was refunded: it cannot be authorized again");
      }
      return state.status().equals("NONE") ? List.of(new PaymentAuthorized(authorize.orderId(), authorize.amountCents())) : List.of();
    }
    if (command instanceof CapturePayment) {
      if (state.status().equals("NONE") || state.status().equals("REFUNDED")) {
        throw new CommandRejectedException("payment is " + state.status() + ": nothing to capture");
      }
      return state.status().equals("AUTHORIZED") ? List.of(new PaymentCaptured(state.orderId(), state.amountCents())) : List.of();
    }
    RefundPayment refund = (RefundPayment) command;
    return state.status().equals("AUTHORIZED") || state.status().equals("CAPTURED")
        ? List.of(new PaymentRefunded(state.orderId(), state.amountCents(), refund.reason()))
        : List.of();
  }

  @Override
  public Payment evolve(Payment state, PaymentEvent event) {
    if (event instanceof PaymentAuthorized a) {
      return new Payment(a.orderId(), "AUTHORIZED", a.amountCents());
    }
    if (event instanceof PaymentCaptured) {
      return new Payment(state.orderId(), "CAPTURED", state.amountCents());
    }
    return new Payment(state.orderId(), "REFUNDED", state.amountCents());
  }
}
