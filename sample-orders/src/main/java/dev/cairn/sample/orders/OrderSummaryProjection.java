package dev.cairn.sample.orders;

import dev.cairn.api.EventEnvelope;
import dev.cairn.projections.Projection;
import dev.cairn.projections.Projections;
import dev.cairn.projections.ReadModel;
import dev.cairn.sample.orders.domain.LineAdded;
import dev.cairn.sample.orders.domain.LineRemoved;
import dev.cairn.sample.orders.domain.OrderCancelled;
import dev.cairn.sample.orders.domain.OrderLine;
import dev.cairn.sample.orders.domain.OrderPaid;
import dev.cairn.sample.orders.domain.OrderPlaced;
import dev.cairn.sample.orders.domain.OrderShipped;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jspecify.annotations.Nullable;

/**
 * The {@code order_summary} read model: one row per order (status, total, line count, customer,
 * timestamps) and its lines. Version 2 adds the amount paid and the tracking number, to show a
 * rebuild without downtime. Public so that the Spring Boot sample serves the same read model.
 *
 * <p>It is a {@link dev.cairn.projections.BatchProjection}: a runner hands it each batch at once,
 * and {@link OrderSummaryBatch} writes a batch with four statements. {@link #perEvent} builds the
 * same read model with a handler per event type, the simpler style for small volumes.
 */
public final class OrderSummaryProjection {

  /** The projection's name, which is also the view readers query. */
  public static final String NAME = "order_summary";

  /** Fault injection for the demo: events with this sku fail to project, so they get parked. */
  static volatile @Nullable String failSku;

  private OrderSummaryProjection() {}

  /**
   * Returns a version of the projection.
   *
   * @param version 1, or 2 (adds the amount paid and the tracking number)
   * @return the projection
   */
  public static Projection version(int version) {
    return batched(NAME, version);
  }

  /**
   * The projection as the sample runs it: one batch handler for the summary's event types, which
   * folds a batch per order and writes each order once ({@link OrderSummaryBatch}).
   */
  static Projection batched(String name, int version) {
    return tables(name, version)
        .onBatch(
            new OrderSummaryBatch(version >= 2),
            List.of(OrderPlaced.class, LineAdded.class, LineRemoved.class, OrderPaid.class, OrderShipped.class,
                OrderCancelled.class))
        .build();
  }

  /**
   * The same read model written per event: two or three statements per event. Kept to show the
   * per-event style beside the batched one, and to check that both fold to the same rows.
   */
  static Projection perEvent(String name, int version) {
    boolean v2 = version >= 2;
    return tables(name, version)
        .on(OrderPlaced.class, (e, h, m) -> placed(e, h, m))
        .on(LineAdded.class, (e, h, m) -> lineAdded(e, h, m))
        .on(LineRemoved.class, (e, h, m) -> {
          h.createUpdate("DELETE FROM " + m.table("lines") + " WHERE order_id = :id AND sku = :sku")
              .bind("id", e.streamId()).bind("sku", e.event().sku()).execute();
          recompute(e, h, m);
        })
        .on(OrderPaid.class, (e, h, m) ->
            status(e, h, m, "PAID", v2 ? ", paid_cents = " + e.event().amountCents() : ""))
        .on(OrderShipped.class, (e, h, m) ->
            status(e, h, m, "SHIPPED", v2 ? ", tracking_number = :tracking" : "", e.event().trackingNumber()))
        .on(OrderCancelled.class, (e, h, m) -> status(e, h, m, "CANCELLED", ""))
        .build();
  }

  private static Projections.Builder tables(String name, int version) {
    boolean v2 = version >= 2;
    return Projections.builder(name, version)
        .table(
            "CREATE TABLE {table} (order_id text PRIMARY KEY, customer_id text NOT NULL, status text NOT NULL,"
                + " total_cents bigint NOT NULL, line_count int NOT NULL, version bigint NOT NULL,"
                + (v2 ? " paid_cents bigint NOT NULL DEFAULT 0, tracking_number text," : "")
                + " placed_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)")
        .table(
            "lines",
            "CREATE TABLE {table} (order_id text NOT NULL, sku text NOT NULL, quantity int NOT NULL,"
                + " unit_price_cents bigint NOT NULL, PRIMARY KEY (order_id, sku))");
  }

  private static void placed(EventEnvelope<OrderPlaced> e, Handle h, ReadModel m) {
    checkFault(e.event().lines());
    h.createUpdate(
            "INSERT INTO " + m.table() + " (order_id, customer_id, status, total_cents, line_count, version,"
                + " placed_at, updated_at) VALUES (:id, :customer, 'PLACED', :total, :lines, :version, :at, :at)")
        .bind("id", e.streamId())
        .bind("customer", e.event().customerId())
        .bind("total", e.event().totalCents())
        .bind("lines", e.event().lines().size())
        .bind("version", e.version())
        .bind("at", at(e))
        .execute();
    for (OrderLine line : e.event().lines()) {
      upsertLine(e, h, m, line);
    }
  }

  private static void lineAdded(EventEnvelope<LineAdded> e, Handle h, ReadModel m) {
    checkFault(List.of(e.event().line()));
    upsertLine(e, h, m, e.event().line());
    recompute(e, h, m);
  }

  private static void upsertLine(EventEnvelope<?> e, Handle h, ReadModel m, OrderLine line) {
    h.createUpdate(
            "INSERT INTO " + m.table("lines") + " (order_id, sku, quantity, unit_price_cents) VALUES (:id, :sku, :q, :p)"
                + " ON CONFLICT (order_id, sku) DO UPDATE SET quantity = " + m.table("lines") + ".quantity + EXCLUDED.quantity")
        .bind("id", e.streamId())
        .bind("sku", line.sku())
        .bind("q", line.quantity())
        .bind("p", line.unitPriceCents())
        .execute();
  }

  /** Total and line count follow from the lines, so merging and removal need no special cases. */
  private static void recompute(EventEnvelope<?> e, Handle h, ReadModel m) {
    h.createUpdate(
            "UPDATE " + m.table() + " s SET total_cents = l.total, line_count = l.lines, version = :version,"
                + " updated_at = :at FROM (SELECT coalesce(sum(quantity * unit_price_cents), 0) AS total,"
                + " count(*) AS lines FROM " + m.table("lines") + " WHERE order_id = :id) l WHERE s.order_id = :id")
        .bind("id", e.streamId())
        .bind("version", e.version())
        .bind("at", at(e))
        .execute();
  }

  private static void status(EventEnvelope<?> e, Handle h, ReadModel m, String status, String extra, String... tracking) {
    var update =
        h.createUpdate(
                "UPDATE " + m.table() + " SET status = :status, version = :version, updated_at = :at" + extra
                    + " WHERE order_id = :id")
            .bind("status", status)
            .bind("version", e.version())
            .bind("at", at(e))
            .bind("id", e.streamId());
    if (extra.contains(":tracking")) {
      update.bind("tracking", tracking[0]);
    }
    update.execute();
  }

  static void checkFault(List<OrderLine> lines) {
    String sku = failSku;
    if (sku != null && lines.stream().anyMatch(l -> l.sku().equals(sku))) {
      throw new IllegalStateException("injected fault: the read model refuses sku " + sku);
    }
  }

  private static OffsetDateTime at(EventEnvelope<?> e) {
    return e.recordedAt().atOffset(ZoneOffset.UTC);
  }
}
