package dev.cairn.sample.orders.checkout;

/** Something that happened to the stock of one sku. */
public sealed interface InventoryEvent
    permits InventoryEvent.StockAdded,
        InventoryEvent.StockReserved,
        InventoryEvent.StockReleased,
        InventoryEvent.StockCommitted {

  /**
   * Units were added.
   *
   * @param quantity how many
   */
  record StockAdded(int quantity) implements InventoryEvent {}

  /**
   * Units were reserved for an order.
   *
   * @param orderId the order
   * @param quantity how many
   */
  record StockReserved(String orderId, int quantity) implements InventoryEvent {}

  /**
   * An order's reservation was released: the units are available again.
   *
   * @param orderId the order
   * @param quantity how many
   */
  record StockReleased(String orderId, int quantity) implements InventoryEvent {}

  /**
   * An order's reservation was committed: the units left the stock.
   *
   * @param orderId the order
   * @param quantity how many
   */
  record StockCommitted(String orderId, int quantity) implements InventoryEvent {}
}
