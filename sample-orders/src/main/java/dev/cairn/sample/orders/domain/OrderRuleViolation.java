package dev.cairn.sample.orders.domain;

import dev.cairn.api.CommandRejectedException;
import java.util.Objects;

/**
 * {@link OrderDecider} refused a command because it breaks a rule of the order's life. The
 * {@link #rule()} says which, so that a caller (an HTTP service, a test) can react to the rule
 * without parsing the message; the message names the rule and the values involved.
 */
public final class OrderRuleViolation extends CommandRejectedException {

  private static final long serialVersionUID = 1L;

  /** The rules an order command can break. */
  public enum Rule {
    /** Only PlaceOrder applies to a stream with no order. */
    UNKNOWN_ORDER,
    /** PlaceOrder applies only to a stream with no order. */
    ALREADY_PLACED,
    /** A cancelled order accepts no command. */
    ORDER_CANCELLED,
    /** An order needs a non-blank customer id. */
    CUSTOMER_REQUIRED,
    /** An order needs at least one line, when placed and after every removal. */
    LINE_REQUIRED,
    /** Lines change only while the order is placed and unpaid. */
    LINES_FIXED,
    /** A line to remove must be on the order. */
    UNKNOWN_SKU,
    /** A sku is on an order at one unit price only. */
    PRICE_CONFLICT,
    /** The merged quantity of a sku stays within {@link OrderLine#MAX_QUANTITY}. */
    QUANTITY_LIMIT,
    /** The order's total must fit in a {@code long} of cents. */
    TOTAL_OVERFLOW,
    /** Only a placed, unpaid order can be paid. */
    NOT_PAYABLE,
    /** A payment must equal the order's total. */
    AMOUNT_MISMATCH,
    /** Only a paid, unshipped order can ship. */
    NOT_SHIPPABLE,
    /** Shipping needs a non-blank tracking number. */
    TRACKING_NUMBER_REQUIRED,
    /** Only an order that has not shipped can be cancelled. */
    NOT_CANCELLABLE,
    /** Cancelling needs a non-blank reason. */
    REASON_REQUIRED,
    /**
     * An id, sku or text has the length and characters of {@link OrderFields}: storable,
     * projectable and addressable.
     */
    FIELD_FORMAT,
    /** An order has at most {@link OrderFields#MAX_LINES} lines. */
    LINE_LIMIT,
    /** While its checkout runs, only the checkout pays or cancels an order. */
    CHECKOUT_IN_PROGRESS,
    /** Completing or abandoning a checkout needs one that runs; starting one needs a placed order. */
    NO_CHECKOUT
  }

  /** The rule the command broke. */
  private final Rule rule;

  private OrderRuleViolation(Rule rule, String message) {
    super(message);
    this.rule = rule;
  }

  /**
   * Creates the exception.
   *
   * @param rule the rule broken
   * @param message the rule and the values involved
   * @return the exception
   * @throws NullPointerException if an argument is null
   */
  static OrderRuleViolation of(Rule rule, String message) {
    return new OrderRuleViolation(
        Objects.requireNonNull(rule, "rule"), Objects.requireNonNull(message, "message"));
  }

  /**
   * Returns the rule the command broke.
   *
   * @return the rule
   */
  public Rule rule() {
    return rule;
  }
}
