package dev.cairn.sample.orders.domain;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The state of one order, folded from its events by {@link OrderDecider#evolve}. The order's id is
 * the id of its stream, so the state does not repeat it.
 *
 * @param status where the order is in its life
 * @param customerId who placed it; null while the status is {@link OrderStatus#NONE}
 * @param lines its lines, at most one per sku, in the order they were first added; immutable
 * @param totalCents the sum of the line totals, in cents
 * @param paidCents what was paid, in cents; 0 until paid
 * @param trackingNumber the carrier's tracking number; null until shipped
 * @param cancelReason why it was cancelled; null unless cancelled
 */
public record Order(
    OrderStatus status,
    @Nullable String customerId,
    List<OrderLine> lines,
    long totalCents,
    long paidCents,
    @Nullable String trackingNumber,
    @Nullable String cancelReason) {

  /** The state of a stream on which no order has been placed. */
  public static final Order NONE = new Order(OrderStatus.NONE, null, List.of(), 0, 0, null, null);

  /**
   * Copies {@code lines} so the record stays immutable.
   *
   * @param status where the order is in its life
   * @param customerId who placed it; null while the status is {@link OrderStatus#NONE}
   * @param lines its lines, at most one per sku, in the order they were first added; immutable
   * @param totalCents the sum of the line totals, in cents
   * @param paidCents what was paid, in cents; 0 until paid
   * @param trackingNumber the carrier's tracking number; null until shipped
   * @param cancelReason why it was cancelled; null unless cancelled
   * @throws NullPointerException if {@code status} or {@code lines} is null or holds null
   */
  public Order {
    Objects.requireNonNull(status, "status");
    lines = List.copyOf(lines);
  }
}
