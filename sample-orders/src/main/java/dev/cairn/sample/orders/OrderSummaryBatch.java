package dev.cairn.sample.orders;

import dev.cairn.api.EventEnvelope;
import dev.cairn.projections.Projections;
import dev.cairn.projections.ReadModel;
import dev.cairn.sample.orders.domain.LineAdded;
import dev.cairn.sample.orders.domain.LineRemoved;
import dev.cairn.sample.orders.domain.OrderCancelled;
import dev.cairn.sample.orders.domain.OrderEvent;
import dev.cairn.sample.orders.domain.OrderLine;
import dev.cairn.sample.orders.domain.OrderPaid;
import dev.cairn.sample.orders.domain.OrderPlaced;
import dev.cairn.sample.orders.domain.OrderShipped;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.jspecify.annotations.Nullable;

/**
 * The {@code order_summary} projection's batch handler: it reads the rows of the orders a batch
 * touches (one query for the orders, one for their lines), folds the batch's events into them in
 * Java, and writes each touched order once: one multi-row upsert for the orders, one delete and
 * one multi-row insert for their lines. Four statements per batch instead of two or three per
 * event, and since each order is folded in Java first, an order placed and paid in the same batch
 * is one row of the upsert (PostgreSQL refuses to upsert one row twice in a statement).
 *
 * <p>The fold does what the per-event handlers of {@link OrderSummaryProjection} do, row for row:
 * an event of an order without a row changes only its lines; placing an order that has a row fails
 * (as the per-event insert does), and the runner then applies the batch event by event.
 */
final class OrderSummaryBatch implements Projections.BatchHandler<OrderEvent> {

  private static final String SELECT_ORDERS =
      """
      SELECT order_id, customer_id, status, total_cents, line_count, version, %s placed_at, updated_at
      FROM %s WHERE order_id = ANY(:ids)""";

  private static final String SELECT_LINES =
      "SELECT order_id, sku, quantity, unit_price_cents FROM %s WHERE order_id = ANY(:ids)";

  private static final String UPSERT_ORDERS =
      """
      INSERT INTO %1$s AS s (order_id, customer_id, status, total_cents, line_count, version, %2$s placed_at, updated_at)
      SELECT * FROM unnest(:ids, :customers, :statuses, :totals, :lineCounts, :versions, %3$s
        CAST(:placedAt AS timestamptz[]), CAST(:updatedAt AS timestamptz[]))
      ON CONFLICT (order_id) DO UPDATE SET status = excluded.status, total_cents = excluded.total_cents,
        line_count = excluded.line_count, version = excluded.version, %4$s updated_at = excluded.updated_at""";

  private static final String DELETE_LINES = "DELETE FROM %s WHERE order_id = ANY(:ids)";

  private static final String INSERT_LINES =
      """
      INSERT INTO %s (order_id, sku, quantity, unit_price_cents)
      SELECT * FROM unnest(:ids, :skus, :quantities, :prices)""";

  private final boolean v2;

  OrderSummaryBatch(boolean v2) {
    this.v2 = v2;
  }

  /** A line as the table holds it (merged quantities are not checked against the domain's limit). */
  private record Line(String sku, int quantity, long unitPriceCents) {}

  /** An order's row, as read and then as the batch leaves it. */
  private static final class Row {
    final String customerId;
    String status;
    long totalCents;
    int lineCount;
    long version;
    long paidCents;
    @Nullable String trackingNumber;
    final OffsetDateTime placedAt;
    OffsetDateTime updatedAt;
    boolean changed;

    Row(String customerId, String status, OffsetDateTime placedAt, OffsetDateTime updatedAt) {
      this.customerId = customerId;
      this.status = status;
      this.placedAt = placedAt;
      this.updatedAt = updatedAt;
    }
  }

  @Override
  public void apply(List<EventEnvelope<OrderEvent>> events, Handle h, ReadModel m) {
    Set<String> touched = new LinkedHashSet<>();
    for (EventEnvelope<OrderEvent> e : events) {
      touched.add(e.streamId());
    }
    String[] ids = touched.toArray(new String[0]);
    Map<String, Row> rows = readRows(h, m, ids);
    Map<String, Map<String, Line>> lines = readLines(h, m, ids);
    Set<String> linesChanged = new LinkedHashSet<>();
    for (EventEnvelope<OrderEvent> e : events) {
      fold(e, rows, lines.computeIfAbsent(e.streamId(), id -> new LinkedHashMap<>()), linesChanged);
    }
    writeRows(h, m, rows);
    writeLines(h, m, lines, linesChanged);
  }

  private void fold(
      EventEnvelope<OrderEvent> e, Map<String, Row> rows, Map<String, Line> lines, Set<String> linesChanged) {
    String id = e.streamId();
    Row row = rows.get(id);
    OffsetDateTime at = e.recordedAt().atOffset(ZoneOffset.UTC);
    OrderEvent event = e.event();
    if (event instanceof OrderPlaced p) {
      OrderSummaryProjection.checkFault(p.lines());
      if (row != null) {
        throw new IllegalStateException("order " + id + " was placed already; its row exists");
      }
      row = new Row(p.customerId(), "PLACED", at, at);
      row.totalCents = p.totalCents();
      row.lineCount = p.lines().size();
      row.version = e.version();
      row.changed = true;
      rows.put(id, row);
      for (OrderLine line : p.lines()) {
        merge(lines, line);
      }
      linesChanged.add(id);
    } else if (event instanceof LineAdded a) {
      OrderSummaryProjection.checkFault(List.of(a.line()));
      merge(lines, a.line());
      linesChanged.add(id);
      recompute(row, lines, e.version(), at);
    } else if (event instanceof LineRemoved r) {
      lines.remove(r.sku());
      linesChanged.add(id);
      recompute(row, lines, e.version(), at);
    } else if (event instanceof OrderPaid p) {
      status(row, "PAID", e.version(), at, v2 ? p.amountCents() : null, null);
    } else if (event instanceof OrderShipped s) {
      status(row, "SHIPPED", e.version(), at, null, v2 ? s.trackingNumber() : null);
    } else if (event instanceof OrderCancelled) {
      status(row, "CANCELLED", e.version(), at, null, null);
    }
    // Other order events (a checkout started) do not show in the summary; they are not handled.
  }

  /** Adds a line, or its quantity to the line of its sku (whose price stays), as the upsert does. */
  private static void merge(Map<String, Line> lines, OrderLine line) {
    lines.merge(
        line.sku(),
        new Line(line.sku(), line.quantity(), line.unitPriceCents()),
        (old, added) -> new Line(old.sku(), Math.addExact(old.quantity(), added.quantity()), old.unitPriceCents()));
  }

  /** Total and line count follow from the lines, as in the per-event projection. */
  private static void recompute(@Nullable Row row, Map<String, Line> lines, long version, OffsetDateTime at) {
    if (row == null) {
      return;
    }
    long total = 0;
    for (Line l : lines.values()) {
      total = Math.addExact(total, Math.multiplyExact(l.quantity(), l.unitPriceCents())); // fails as SQL's bigint does
    }
    row.totalCents = total;
    row.lineCount = lines.size();
    row.version = version;
    row.updatedAt = at;
    row.changed = true;
  }

  private static void status(
      @Nullable Row row, String status, long version, OffsetDateTime at, @Nullable Long paid,
      @Nullable String tracking) {
    if (row == null) {
      return;
    }
    row.status = status;
    row.version = version;
    row.updatedAt = at;
    if (paid != null) {
      row.paidCents = paid;
    }
    if (tracking != null) {
      row.trackingNumber = tracking;
    }
    row.changed = true;
  }

  private Map<String, Row> readRows(Handle h, ReadModel m, String[] ids) {
    Map<String, Row> rows = new HashMap<>();
    h.createQuery(SELECT_ORDERS.formatted(v2 ? "paid_cents, tracking_number," : "", m.table()))
        .bind("ids", ids)
        .map((rs, ctx) -> {
          Row row =
              new Row(
                  rs.getString("customer_id"),
                  rs.getString("status"),
                  rs.getObject("placed_at", OffsetDateTime.class),
                  rs.getObject("updated_at", OffsetDateTime.class));
          row.totalCents = rs.getLong("total_cents");
          row.lineCount = rs.getInt("line_count");
          row.version = rs.getLong("version");
          if (v2) {
            row.paidCents = rs.getLong("paid_cents");
            row.trackingNumber = rs.getString("tracking_number");
          }
          rows.put(rs.getString("order_id"), row);
          return row;
        })
        .list();
    return rows;
  }

  private static Map<String, Map<String, Line>> readLines(Handle h, ReadModel m, String[] ids) {
    Map<String, Map<String, Line>> lines = new HashMap<>();
    h.createQuery(SELECT_LINES.formatted(m.table("lines")))
        .bind("ids", ids)
        .map((rs, ctx) -> {
          Line line = new Line(rs.getString("sku"), rs.getInt("quantity"), rs.getLong("unit_price_cents"));
          lines.computeIfAbsent(rs.getString("order_id"), id -> new LinkedHashMap<>()).put(line.sku(), line);
          return line;
        })
        .list();
    return lines;
  }

  private void writeRows(Handle h, ReadModel m, Map<String, Row> rows) {
    List<Map.Entry<String, Row>> changed = new ArrayList<>();
    for (Map.Entry<String, Row> e : rows.entrySet()) {
      if (e.getValue().changed) {
        changed.add(e);
      }
    }
    if (changed.isEmpty()) {
      return;
    }
    int n = changed.size();
    String[] ids = new String[n];
    String[] customers = new String[n];
    String[] statuses = new String[n];
    Long[] totals = new Long[n];
    Integer[] lineCounts = new Integer[n];
    Long[] versions = new Long[n];
    Long[] paid = new Long[n];
    String[] tracking = new String[n];
    String[] placedAt = new String[n];
    String[] updatedAt = new String[n];
    for (int i = 0; i < n; i++) {
      Row r = changed.get(i).getValue();
      ids[i] = changed.get(i).getKey();
      customers[i] = r.customerId;
      statuses[i] = r.status;
      totals[i] = r.totalCents;
      lineCounts[i] = r.lineCount;
      versions[i] = r.version;
      paid[i] = r.paidCents;
      tracking[i] = r.trackingNumber;
      placedAt[i] = r.placedAt.toString();
      updatedAt[i] = r.updatedAt.toString();
    }
    var upsert =
        h.createUpdate(
                UPSERT_ORDERS.formatted(
                    m.table(),
                    v2 ? "paid_cents, tracking_number," : "",
                    v2 ? "CAST(:paid AS bigint[]), CAST(:tracking AS text[])," : "",
                    v2 ? "paid_cents = excluded.paid_cents, tracking_number = excluded.tracking_number," : ""))
            .bind("ids", ids)
            .bind("customers", customers)
            .bind("statuses", statuses)
            .bind("totals", totals)
            .bind("lineCounts", lineCounts)
            .bind("versions", versions)
            .bind("placedAt", placedAt)
            .bind("updatedAt", updatedAt);
    if (v2) {
      upsert.bind("paid", paid).bind("tracking", tracking);
    }
    upsert.execute();
  }

  private static void writeLines(
      Handle h, ReadModel m, Map<String, Map<String, Line>> lines, Set<String> linesChanged) {
    if (linesChanged.isEmpty()) {
      return;
    }
    h.createUpdate(DELETE_LINES.formatted(m.table("lines"))).bind("ids", linesChanged.toArray(new String[0])).execute();
    List<String> ids = new ArrayList<>();
    List<Line> all = new ArrayList<>();
    for (String id : linesChanged) {
      // apply() gave every order of the batch an entry, even one without lines.
      for (Line l : Objects.requireNonNull(lines.get(id), id).values()) {
        ids.add(id);
        all.add(l);
      }
    }
    if (all.isEmpty()) {
      return;
    }
    int n = all.size();
    String[] skus = new String[n];
    Integer[] quantities = new Integer[n];
    Long[] prices = new Long[n];
    for (int i = 0; i < n; i++) {
      skus[i] = all.get(i).sku();
      quantities[i] = all.get(i).quantity();
      prices[i] = all.get(i).unitPriceCents();
    }
    h.createUpdate(INSERT_LINES.formatted(m.table("lines")))
        .bind("ids", ids.toArray(new String[0]))
        .bind("skus", skus)
        .bind("quantities", quantities)
        .bind("prices", prices)
        .execute();
  }
}
