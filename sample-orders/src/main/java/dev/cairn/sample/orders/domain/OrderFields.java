package dev.cairn.sample.orders.domain;

import dev.cairn.sample.orders.domain.OrderRuleViolation.Rule;
import java.util.regex.Pattern;

/**
 * The shapes an order's values must have, so that every accepted order can be stored, projected
 * (a read model's index holds a few kilobytes per key) and addressed in a URL path without
 * escaping. {@link OrderDecider} checks commands against them; an order id is checked by whoever
 * picks the stream, before the command is sent. Events never re-check them: a rule tightened later
 * must not make old events unreadable.
 */
public final class OrderFields {

  /** The longest id (order, customer) or sku. */
  public static final int MAX_ID_LENGTH = 64;

  /** The most lines (distinct skus) on one order. */
  public static final int MAX_LINES = 500;

  /** The longest tracking number. */
  public static final int MAX_TRACKING_NUMBER_LENGTH = 64;

  /** The longest cancellation reason. */
  public static final int MAX_REASON_LENGTH = 500;

  /**
   * URL-safe without escaping: letters, digits, {@code . _ ~ -}, starting with a letter or digit
   * (so never {@code .} or {@code ..}, which a server would fold away).
   */
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._~-]{0," + (MAX_ID_LENGTH - 1) + "}");

  private static final String ID_RULE =
      "must be 1 to " + MAX_ID_LENGTH + " characters, each a letter, digit, '.', '_', '~' or '-', starting with a letter or digit";

  private OrderFields() {}

  /**
   * Tells whether a string is a well-formed id or sku.
   *
   * @param value the string
   * @return true if it has the shape of an id
   */
  public static boolean isId(String value) {
    return value != null && ID.matcher(value).matches();
  }

  /**
   * Checks an order id, before any command is sent to its stream.
   *
   * @param orderId the id
   * @throws OrderRuleViolation ({@link Rule#FIELD_FORMAT}) if it is not a well-formed id
   */
  public static void checkOrderId(String orderId) {
    checkId("orderId", orderId);
  }

  /**
   * Checks a sku, before any command is sent to its stock's stream.
   *
   * @param sku the sku
   * @throws OrderRuleViolation ({@link Rule#FIELD_FORMAT}) if it is not a well-formed id
   */
  public static void checkSku(String sku) {
    checkId("sku", sku);
  }

  static void checkId(String field, String value) {
    if (!isId(value)) {
      throw violation(field, value, ID_RULE);
    }
  }

  /** Free text: not too long, no control characters, no broken UTF-16 (which no database takes). */
  static void checkText(String field, String value, int max) {
    if (value.length() > max) {
      throw violation(field, value, "must be at most " + max + " characters, was " + value.length());
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isISOControl(c)) {
        throw violation(field, value, "must not contain control characters, has U+" + String.format("%04X", (int) c) + " at " + i);
      }
      if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw violation(field, value, "must be valid Unicode, has a lone surrogate at " + i);
      }
    }
  }

  private static OrderRuleViolation violation(String field, String value, String rule) {
    return OrderRuleViolation.of(Rule.FIELD_FORMAT, field + " " + shown(value) + " breaks FIELD_FORMAT: " + rule);
  }

  /** The value for a message: quoted, control characters escaped, long values cut. */
  static String shown(String value) {
    StringBuilder b = new StringBuilder("'");
    int limit = Math.min(value.length(), 40);
    for (int i = 0; i < limit; i++) {
      char c = value.charAt(i);
      if (Character.isISOControl(c) || Character.isSurrogate(c)) {
        b.append(String.format("\\u%04X", (int) c));
      } else {
        b.append(c);
      }
    }
    b.append('\'');
    if (value.length() > limit) {
      b.append("... (").append(value.length()).append(" characters)");
    }
    return b.toString();
  }
}
