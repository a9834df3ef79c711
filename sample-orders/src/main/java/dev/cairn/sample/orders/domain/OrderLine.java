package dev.cairn.sample.orders.domain;

import java.util.Objects;

/**
 * One line of an order: a quantity of one product at a unit price. An order holds at most one
 * line per sku.
 *
 * @param sku the product's stock keeping unit, not blank
 * @param quantity how many, from 1 to {@value #MAX_QUANTITY}
 * @param unitPriceCents the price of one item in cents, zero or more
 */
public record OrderLine(String sku, int quantity, long unitPriceCents) {

  /** The largest quantity of one sku on one order. */
  public static final int MAX_QUANTITY = 10_000;

  /**
   * Checks the line.
   *
   * @param sku the product's stock keeping unit, not blank
   * @param quantity how many, from 1 to {@value #MAX_QUANTITY}
   * @param unitPriceCents the price of one item in cents, zero or more
   * @throws NullPointerException if {@code sku} is null
   * @throws IllegalArgumentException if {@code sku} is blank, {@code quantity} is outside 1 to
   *     {@value #MAX_QUANTITY} or {@code unitPriceCents} is negative
   */
  public OrderLine {
    Objects.requireNonNull(sku, "sku");
    if (sku.isBlank()) {
      throw new IllegalArgumentException("sku must not be blank, was '" + sku + "'");
    }
    if (quantity < 1 || quantity > MAX_QUANTITY) {
      throw new IllegalArgumentException(
          "quantity must be between 1 and " + MAX_QUANTITY + ", was " + quantity);
    }
    if (unitPriceCents < 0) {
      throw new IllegalArgumentException("unitPriceCents must be >= 0, was " + unitPriceCents);
    }
  }

  /**
   * Returns the price of the whole line.
   *
   * @return quantity times unit price, in cents
   * @throws ArithmeticException if the product does not fit in a {@code long}
   */
  public long lineTotal() {
    return Math.multiplyExact(unitPriceCents, (long) quantity);
  }

  /**
   * Returns this line with more of the same product. Only {@link OrderDecider} merges lines, and
   * it checks the limit first, with a message about the order rather than about an argument.
   *
   * @param more how many to add
   * @return a line of the same sku and price with the summed quantity
   * @throws IllegalArgumentException if the sum is outside 1 to {@value #MAX_QUANTITY}
   * @throws ArithmeticException if the sum overflows an {@code int}
   */
  OrderLine plusQuantity(int more) {
    return new OrderLine(sku, Math.addExact(quantity, more), unitPriceCents);
  }
}
