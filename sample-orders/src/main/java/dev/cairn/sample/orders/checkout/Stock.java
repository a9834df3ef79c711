package dev.cairn.sample.orders.checkout;

import java.util.Map;

/**
 * The stock of one sku.
 *
 * @param onHand units in the warehouse (reserved ones included)
 * @param reserved units reserved, by order; immutable
 * @param committed units committed to paid orders so far
 */
public record Stock(int onHand, Map<String, Integer> reserved, int committed) {

  /** A sku with no stock. */
  public static final Stock EMPTY = new Stock(0, Map.of(), 0);

  /** Copies the map. */
  public Stock {
    reserved = Map.copyOf(reserved);
  }

  /**
   * Returns the units reserved for all orders.
   *
   * @return the sum
   */
  public int reservedTotal() {
    return reserved.values().stream().mapToInt(Integer::intValue).sum();
  }

  /**
   * Returns the units that can still be reserved.
   *
   * @return on hand minus reserved
   */
  public int available() {
    return onHand - reservedTotal();
  }
}
