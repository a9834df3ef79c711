package dev.cairn.sample.orders.checkout;

import dev.cairn.api.CommandRejectedException;
import dev.cairn.api.Decider;
import dev.cairn.sample.orders.checkout.InventoryCommand.AddStock;
import dev.cairn.sample.orders.checkout.InventoryCommand.CommitStock;
import dev.cairn.sample.orders.checkout.InventoryCommand.ReleaseStock;
import dev.cairn.sample.orders.checkout.InventoryCommand.ReserveStock;
import dev.cairn.sample.orders.checkout.InventoryEvent.StockAdded;
import dev.cairn.sample.orders.checkout.InventoryEvent.StockCommitted;
import dev.cairn.sample.orders.checkout.InventoryEvent.StockReleased;
import dev.cairn.sample.orders.checkout.InventoryEvent.StockReserved;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The rules of one sku's stock: never reserve more than is available, so that no order is ever
 * promised a unit that another holds (no overselling); release and commit only what was reserved.
 */
public final class InventoryDecider implements Decider<InventoryCommand, Stock, InventoryEvent> {

  /** The most units one command moves. */
  public static final int MAX_QUANTITY = 1_000_000;

  /** Creates the decider. */
  public InventoryDecider() {}

  @Override
  public Stock initialState() {
    return Stock.EMPTY;
  }

  /**
   * Decides what a command does to the stock.
   *
   * @throws CommandRejectedException if the quantity is out of range or fewer units are available
   */
  @Override
  public List<InventoryEvent> decide(InventoryCommand command, Stock state) {
    Objects.requireNonNull(command, "command");
    if (command instanceof AddStock add) {
      checkQuantity(add.quantity());
      if ((long) state.onHand() + add.quantity() > Integer.MAX_VALUE) {
        throw new CommandRejectedException("stock would exceed " + Integer.MAX_VALUE + " units");
      }
      return List.of(new StockAdded(add.quantity()));
    }
    if (command instanceof ReserveStock reserve) {
      checkQuantity(reserve.quantity());
      if (state.reserved().containsKey(reserve.orderId())) {
        return List.of();
      }
      if (state.available() < reserve.quantity()) {
        throw new CommandRejectedException(
            "out of stock: " + reserve.quantity() + " wanted for order " + reserve.orderId() + ", "
                + state.available() + " available");
      }
      return List.of(new StockReserved(reserve.orderId(), reserve.quantity()));
    }
    if (command instanceof ReleaseStock release) {
      Integer held = state.reserved().get(release.orderId());
      return held == null ? List.of() : List.of(new StockReleased(release.orderId(), held));
    }
    CommitStock commit = (CommitStock) command;
    Integer held = state.reserved().get(commit.orderId());
    return held == null ? List.of() : List.of(new StockCommitted(commit.orderId(), held));
  }

  @Override
  public Stock evolve(Stock state, InventoryEvent event) {
    Map<String, Integer> reserved = new HashMap<>(state.reserved());
    if (event instanceof StockAdded added) {
      return new Stock(state.onHand() + added.quantity(), reserved, state.committed());
    }
    if (event instanceof StockReserved r) {
      reserved.put(r.orderId(), r.quantity());
      return new Stock(state.onHand(), reserved, state.committed());
    }
    if (event instanceof StockReleased r) {
      reserved.remove(r.orderId());
      return new Stock(state.onHand(), reserved, state.committed());
    }
    StockCommitted c = (StockCommitted) event;
    reserved.remove(c.orderId());
    return new Stock(state.onHand() - c.quantity(), reserved, state.committed() + c.quantity());
  }

  private static void checkQuantity(int quantity) {
    if (quantity < 1 || quantity > MAX_QUANTITY) {
      throw new CommandRejectedException("quantity must be 1 to " + MAX_QUANTITY + " but was " + quantity);
    }
  }
}
