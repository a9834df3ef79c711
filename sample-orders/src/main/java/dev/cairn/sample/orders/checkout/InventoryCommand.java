package dev.cairn.sample.orders.checkout;

/** A request to the stock of one sku (the stream id is the sku). */
public sealed interface InventoryCommand
    permits InventoryCommand.AddStock,
        InventoryCommand.ReserveStock,
        InventoryCommand.ReleaseStock,
        InventoryCommand.CommitStock {

  /**
   * Adds units to the stock.
   *
   * @param quantity how many, from 1
   */
  record AddStock(int quantity) implements InventoryCommand {}

  /**
   * Reserves units for an order; refused if fewer are available. Reserving again for the same
   * order changes nothing.
   *
   * @param orderId the order
   * @param quantity how many, from 1
   */
  record ReserveStock(String orderId, int quantity) implements InventoryCommand {}

  /**
   * Releases an order's reservation; nothing happens if it has none.
   *
   * @param orderId the order
   */
  record ReleaseStock(String orderId) implements InventoryCommand {}

  /**
   * Commits an order's reservation: the units leave the stock; nothing happens if it has none.
   *
   * @param orderId the order
   */
  record CommitStock(String orderId) implements InventoryCommand {}
}
