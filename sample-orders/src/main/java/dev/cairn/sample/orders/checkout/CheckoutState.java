package dev.cairn.sample.orders.checkout;

import java.util.Map;
import java.util.Set;

/**
 * Where one order's checkout stands.
 *
 * @param orderId the order (empty before the checkout started)
 * @param phase NONE, RESERVING, AUTHORIZING, PAID or CANCELLED
 * @param entered true if the last input moved the checkout into this phase: the process acts on
 *     entering a phase, once
 * @param totalCents the order's total
 * @param lines the quantity wanted per sku, as frozen when the checkout started
 * @param reserved the skus whose stock is reserved for the order
 * @param refused the skus that refused a reservation
 * @param reason why it was cancelled, or empty
 */
public record CheckoutState(
    String orderId,
    Phase phase,
    boolean entered,
    long totalCents,
    Map<String, Integer> lines,
    Set<String> reserved,
    Set<String> refused,
    String reason) {

  /** The phases of a checkout. */
  public enum Phase {
    /** Not started. */
    NONE,
    /** Waiting for every line's reservation (or refusal). */
    RESERVING,
    /** Stock reserved; waiting for the payment's authorization or its deadline. */
    AUTHORIZING,
    /** Paid; stock committed and payment captured. */
    PAID,
    /** Cancelled; reserved stock released. */
    CANCELLED
  }

  /** A checkout that has not started. */
  public static final CheckoutState NONE = new CheckoutState("", Phase.NONE, false, 0, Map.of(), Set.of(), Set.of(), "");

  /** Copies the collections. */
  public CheckoutState {
    lines = Map.copyOf(lines);
    reserved = Set.copyOf(reserved);
    refused = Set.copyOf(refused);
  }

  /**
   * Tells whether every line has an answer from its stock.
   *
   * @return true if each sku is reserved or refused
   */
  public boolean allAnswered() {
    return reserved.size() + refused.size() >= lines.size();
  }

  CheckoutState stay() {
    return new CheckoutState(orderId, phase, false, totalCents, lines, reserved, refused, reason);
  }

  CheckoutState enter(Phase p, String why) {
    return new CheckoutState(orderId, p, true, totalCents, lines, reserved, refused, why);
  }

  CheckoutState answers(Set<String> res, Set<String> ref) {
    return new CheckoutState(orderId, phase, false, totalCents, lines, res, ref, reason);
  }
}
